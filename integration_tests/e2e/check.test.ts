// `check`: SUCCEEDED with a good token, FAILED with a message a person can act on otherwise.
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Emulator } from "../emulator/index.js"
import { configFor, startTestEmulator } from "../support/fixture.js"
import { expectNoSecret } from "../support/invariants.js"
import { check } from "../support/reads.js"

let emulator: Emulator
beforeAll(async () => {
  emulator = await startTestEmulator()
})
afterAll(() => emulator.close())

describe("check", () => {
  it("succeeds with a valid token and lists every page of objects", async () => {
    emulator.clearLog()
    const result = await check(configFor(emulator))
    expect(result.status).toBe("SUCCEEDED")
    expect(result.message).toContain(`${emulator.objects().length} exportable objects`)
    const pages = emulator.requestLog.filter((e) => e.path.endsWith("/external/v2/objects"))
    expect(pages.length).toBeGreaterThan(1)
  })

  it("fails with a wrong token, saying what to do, without echoing it", async () => {
    const result = await check(configFor(emulator, { api_token: "wrong-token-abc123" }))
    expect(result.status).toBe("FAILED")
    expect(result.message).toMatch(/401.*api_token/i)
    expectNoSecret("wrong-token-abc123", result.run.stdout, result.run.stderr)
  })

  it("fails with a token that lacks export rights", async () => {
    const result = await check(configFor(emulator, { api_token: emulator.readOnlyToken }))
    expect(result.status).toBe("FAILED")
    expect(result.message).toMatch(/403/)
  })

  it("fails when the host cannot be reached", async () => {
    const result = await check(configFor(emulator, { base_url: "http://127.0.0.1:9/export" }))
    expect(result.status).toBe("FAILED")
    expect(result.message).toMatch(/ECONNREFUSED|connect/i)
  })

  it("fails naming the field for a bad config value", async () => {
    const result = await check(configFor(emulator, { window_hours: 0 }))
    expect(result.status).toBe("FAILED")
    expect(result.message).toContain("window_hours")
  })

  it("fails naming an object that is not exportable", async () => {
    const result = await check(configFor(emulator, { objects: ["feedback_record", "no_such_object"] }))
    expect(result.status).toBe("FAILED")
    expect(result.message).toContain("no_such_object")
  })
})
