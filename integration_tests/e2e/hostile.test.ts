// Issue 15: hostile and careless inputs through the built CLI against the emulator's hostile
// modes. Each run: a clear message naming what is wrong, the other streams unharmed, never the
// token, never a stack trace, `check` always one CONNECTION_STATUS and exit 0.
import { spawn } from "node:child_process"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import type { Emulator } from "../emulator/index.js"
import { FAST_ENV, MAIN, ofType, runCli, writeInputs } from "../support/cli.js"
import { catalogFor, configFor, END, START, startTestEmulator } from "../support/fixture.js"
import { expectNoSecret, expectReadInvariants, stateOf } from "../support/invariants.js"
import { check, expectNoStackTrace, finalStatus, read, traceErrors } from "../support/reads.js"
import { recordsOf } from "../support/replica.js"
import { type Catalog, runTapText, selectStreams, tapSync } from "../support/singer/tap.js"

let emulator: Emulator
beforeAll(async () => {
  emulator = await startTestEmulator()
})
afterEach(() => {
  emulator.faults.reset()
  emulator.hostile.reset()
})
afterAll(() => emulator.close())

describe("careless configs", () => {
  it("a token that cannot go into an HTTP header: check answers FAILED naming api_token, read fails as a config_error", async () => {
    const token = `${emulator.token}✓`
    const result = await check(configFor(emulator, { api_token: token }))
    expect(result.status).toBe("FAILED")
    expect(result.message).toMatch(/api_token: must hold only visible ASCII characters/)
    expectNoSecret(emulator.token, result.run.stdout, result.run.stderr)

    const run = await read({ config: configFor(emulator, { api_token: token }), catalog: catalogFor(["theme"]) })
    expect(run.code).not.toBe(0)
    expect(traceErrors(run.messages)).toEqual([
      expect.objectContaining({ failure_type: "config_error", message: expect.stringMatching(/api_token/) })
    ])
    expectNoSecret(emulator.token, run.stdout, run.stderr)
  })

  it("the token pasted into the wrong field is never echoed", async () => {
    for (const field of ["start_date", "end_date", "base_url", "window_hours"]) {
      const result = await check(configFor(emulator, { [field]: emulator.token }))
      expect(result.status).toBe("FAILED")
      expect(result.message).toContain(`${field}: `)
      expectNoSecret(emulator.token, result.run.stdout, result.run.stderr)
    }
  })

  it("a base_url with a query string is refused before any request", async () => {
    emulator.clearLog()
    const result = await check(configFor(emulator, { base_url: `${emulator.baseUrl}?tenant=acme` }))
    expect(result.status).toBe("FAILED")
    expect(result.message).toMatch(/base_url: must not have a query string or fragment/)
    expect(emulator.requestLog).toHaveLength(0)
  })

  it("a million unknown objects make one short CONNECTION_STATUS", async () => {
    const objects = Array.from({ length: 1_000_000 }, (_, i) => `no_such_object_${i}`)
    const result = await check(configFor(emulator, { objects }))
    expect(result.status).toBe("FAILED")
    expect(result.message).toMatch(/objects: no_such_object_0, .* and 999990 more are not exportable; available: feedback_record, /)
    expect(result.run.stdout.length).toBeLessThan(2_000)
  })
})

describe("a hostile API", () => {
  it("an error body that quotes the Authorization header is relayed with the token masked", async () => {
    emulator.hostile.errorEchoingAuthorization("export", 1)
    const run = await read({ config: configFor(emulator), catalog: catalogFor(["theme"]) })
    expect(run.code).not.toBe(0)
    const [error] = traceErrors(run.messages)
    expect(error?.message).toMatch(/Enterpret rejected a request: .*HTTP 400 .*Authorization: Bearer \*\*\*\*/)
    expectNoSecret(emulator.token, run.stdout, run.stderr)
    expectReadInvariants(run.messages)
  })

  it("the Singer tap masks the token in its stderr log too", async () => {
    const config = configFor(emulator)
    const files = writeInputs({ config })
    const discovered = JSON.parse((await runTapText(["--config", files.config!, "--discover"])).stdout) as Catalog
    emulator.hostile.errorEchoingAuthorization("export", 1)
    const run = await tapSync({ configs: [config], catalog: selectStreams(discovered, ["theme"]) })
    expect(run.code).not.toBe(0)
    expect(run.stderr).toMatch(/ERROR Stream theme failed \(system_error\): Enterpret rejected a request: .*Authorization: Bearer \*\*\*\*/)
    expectNoSecret(emulator.token, run.stdout, run.stderr)
  })

  it("an object listed twice becomes one stream, and its catalog reads", async () => {
    emulator.hostile.repeatObjectInListing("theme")
    const inputs = writeInputs({ config: configFor(emulator) })
    const discover = await runCli(["discover", "--config", inputs.config!])
    expect(discover.code, discover.stderr).toBe(0)
    const catalog = ofType(discover.messages, "CATALOG")[0]!.catalog as { streams: Array<{ name: string }> }
    const names = catalog.streams.map((s) => s.name)
    expect(names.filter((n) => n === "theme")).toHaveLength(1)
    expect(names).toHaveLength(emulator.objects().length)
    const result = await check(configFor(emulator))
    expect(result.message).toContain(`${emulator.objects().length} exportable objects`)
  })
})

describe("a hostile export answer or file host", () => {
  const STREAMS = ["theme", "feedback_summary"]

  it.each([
    ["file:", "file:///etc/passwd"],
    ["ftp:", "ftp://files.example.test/x.csv"],
    ["data: (6 kB)", `data:text/csv,record_id%0A${"1%0A".repeat(2_000)}`]
  ])("a %s URL fails that stream alone, with a message; the other completes", async (_scheme, url) => {
    emulator.hostile.extraFileUrls("theme", [url])
    const run = await read({ config: configFor(emulator), catalog: catalogFor(STREAMS) })
    expect(run.code).toBe(1)
    expectReadInvariants(run.messages)
    const errors = traceErrors(run.messages)
    expect(errors).toHaveLength(1)
    expect(errors[0]).toMatchObject({ failure_type: "system_error", stream_descriptor: { name: "theme" } })
    expect(errors[0]!.message).toMatch(
      /^While exporting theme .*, the API listed a file URL with the scheme (file|ftp|data):, not http\(s\)/
    )
    expect(errors[0]!.message.length).toBeLessThan(400)
    expect(finalStatus(run.messages, "theme")).toBe("INCOMPLETE")
    expect(finalStatus(run.messages, "feedback_summary")).toBe("COMPLETE")
    expectNoStackTrace(run.stderr)
  })

  it.each([
    ["the API", "export" as const, String(10 * 365 * 24 * 3600)],
    ["the file host", "storage" as const, `1${"0".repeat(400)}`]
  ])("a 429 from %s asking for too long a wait fails that stream at once with a message", async (_who, endpoint, retryAfter) => {
    emulator.hostile.rateLimitWithRetryAfter(endpoint, retryAfter, 1)
    const run = await read({ config: configFor(emulator), catalog: catalogFor(STREAMS) }, { timeoutMs: 30_000 })
    expect(run.code).toBe(1)
    expectReadInvariants(run.messages)
    const errors = traceErrors(run.messages)
    expect(errors).toHaveLength(1)
    expect(errors[0]!.failure_type).toBe("transient_error")
    expect(errors[0]!.message).toMatch(
      /the server answered 429 asking to wait (3650d|forever) \(Retry-After: .*\), longer than the 10 minutes one wait may take/
    )
    const failed = errors[0]!.stream_descriptor!.name
    expect(finalStatus(run.messages, STREAMS.find((s) => s !== failed)!)).toBe("COMPLETE")
    // Never `"quota_reset": null` (the protocol check of every message would fail too).
    expect(run.stdout).not.toContain('quota_reset":null')
  })

  it("check against an API answering 40 MB: a FAILED status with a clear message, nothing on stderr", async () => {
    emulator.hostile.hugeAnswer("objects", 40 * 1024 * 1024)
    const result = await check(configFor(emulator))
    expect(result.status).toBe("FAILED")
    expect(result.message).toMatch(/^While listing exportable objects, the API's answer was larger than 16 MB/)
    expect(result.run.stderr).toBe("")
  })

  it("1,000 files in one export page: every one read once, in a 96 MB heap", async () => {
    emulator.hostile.headerOnlyFiles("theme", 1_000)
    emulator.clearLog()
    const config = configFor(emulator, { start_date: "2025-12-14T00:00Z", end_date: "2025-12-15T00:00Z", window_hours: 24 })
    // Forking every file of the page at once took 1.2 GB for 1,000 files: this heap would not hold it.
    const run = await read({ config, catalog: catalogFor(["theme"]) }, { env: { NODE_OPTIONS: "--max-old-space-size=96" } })
    expect(run.code, run.stderr).toBe(0)
    expect(finalStatus(run.messages, "theme")).toBe("COMPLETE")
    const downloads = emulator.requestLog.filter((e) => e.listener === "storage" && e.path.startsWith("/hostile/header-only/"))
    expect(new Set(downloads.map((e) => e.path)).size).toBe(1_000)
    expect(downloads).toHaveLength(1_000)
    // The page's own files too: every record of the day, once.
    const ids = recordsOf(run.messages).map((r) => r.data.record_id)
    expect(ids.length).toBeGreaterThan(0)
    expect(new Set(ids).size).toBe(ids.length)
    expectReadInvariants(run.messages)
  })

  it("user:pass@ in signed URLs: no Basic auth sent, none in _ab_source_file_url", async () => {
    emulator.hostile.userinfoInUrls("alice:s3cr3t-pass")
    emulator.clearLog()
    const run = await read({ config: configFor(emulator), catalog: catalogFor(["theme"]) })
    expect(run.code, run.stderr).toBe(0)
    const downloads = emulator.requestLog.filter((e) => e.listener === "storage")
    expect(downloads.length).toBeGreaterThan(0)
    expect(downloads.map((e) => e.authorization)).toEqual(downloads.map(() => undefined))
    expect(run.stdout).not.toContain("alice")
    expect(run.stdout).not.toContain("s3cr3t")
    expect(run.stdout).toContain(`"_ab_source_file_url":"${emulator.storageUrl}/`)
  })
})

describe("a closed stdout", () => {
  it("read | head -1: stops at its next message, exits non-zero, says why on stderr", async () => {
    // 78 one-hour windows at 10 export requests a (1 s) minute: about 8 s if it ran to the end.
    const config = configFor(emulator, { window_hours: 1, export_requests_per_minute: 10 })
    const inputs = writeInputs({ config, catalog: catalogFor(["feedback_record"]) })
    emulator.clearLog()
    const child = spawn(process.execPath, [MAIN, "read", "--config", inputs.config!, "--catalog", inputs.catalog!], {
      env: { ...process.env, ...FAST_ENV },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stderr = ""
    child.stderr.setEncoding("utf8").on("data", (text: string) => {
      stderr += text
    })
    // As `head -1` does: read the first line, then close the pipe.
    child.stdout.once("data", () => child.stdout.destroy())
    const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)))
    const exports = emulator.requestLog.filter((e) => e.path.endsWith("/external/v2/export")).length
    expect(code, stderr).toBe(1)
    expect(stderr).toMatch(/stdout was closed \(EPIPE\)/)
    expectNoStackTrace(stderr)
    expect(exports, "export requests made after stdout closed").toBeLessThan(10)
  })
})

describe("one object's failure is that object's; a file is known before it is trusted (issue 22)", () => {
  it("a 403 on one object and an HTML page for another's files fail those streams alone; the third completes; state passes neither", async () => {
    emulator.hostile.refuseObject("theme", 403)
    emulator.hostile.pageInsteadOfFiles("subtheme")
    const run = await read({ config: configFor(emulator), catalog: catalogFor(["theme", "subtheme", "feedback_summary"]) })
    expect(run.code).not.toBe(0)
    expectReadInvariants(run.messages)
    expectNoSecret(emulator.token, run.stdout, run.stderr)
    expect(traceErrors(run.messages).sort((a, b) => a.message.localeCompare(b.message))).toEqual([
      expect.objectContaining({
        failure_type: "config_error",
        stream_descriptor: { name: "theme" },
        message: expect.stringMatching(/^Enterpret refused to export theme \(403 FORBIDDEN: no access to object theme\)/)
      }),
      expect.objectContaining({
        failure_type: "system_error",
        stream_descriptor: { name: "subtheme" },
        message: expect.stringMatching(
          /^The file host sent an HTML page \(Content-Type: text\/html; charset=utf-8\), not CSV; it begins "<!DOCTYPE html>/
        )
      })
    ])
    expect(finalStatus(run.messages, "theme")).toBe("INCOMPLETE")
    expect(finalStatus(run.messages, "subtheme")).toBe("INCOMPLETE")
    expect(finalStatus(run.messages, "feedback_summary")).toBe("COMPLETE")
    const streamsWith = (type: string) =>
      new Set(
        run.messages
          .filter((m) => m.type === type)
          .map((m) => (m.type === "STATE" ? stateOf(m).stream : (m.record as { stream: string }).stream))
      )
    expect(streamsWith("RECORD")).toEqual(new Set(["feedback_summary"]))
    // theme never checkpoints; subtheme only the empty windows before its first file: its data
    // from its last state on was never read, and no state passes it.
    expect(streamsWith("STATE").has("theme")).toBe(false)
    const subthemeStates = ofType(run.messages, "STATE")
      .map(stateOf)
      .filter((s) => s.stream === "subtheme")
    const from = subthemeStates.at(-1)?.cursor ?? START.replace("Z", ":00Z")
    expect(emulator.groundTruth("subtheme", from, END.replace("Z", ":00Z")).size).toBeGreaterThan(0)

    // The tap prints the same on stderr (the blocked files off: discover reads headers too, and a
    // page where a file should be fails it).
    emulator.hostile.reset()
    emulator.hostile.refuseObject("theme", 403)
    const config = configFor(emulator)
    const files = writeInputs({ config })
    const discovery = await runTapText(["--config", files.config!, "--discover"])
    expect(discovery.code, discovery.stderr).toBe(0)
    expect(discovery.stderr).toMatch(/WARNING Enterpret refused to export theme \(403 FORBIDDEN: no access to object theme\)/)
    const discovered = JSON.parse(discovery.stdout) as Catalog
    const tap = await tapSync({ configs: [config], catalog: selectStreams(discovered, ["theme", "feedback_summary"]) })
    expect(tap.code).not.toBe(0)
    expect(tap.stderr).toMatch(
      /ERROR Stream theme failed \(config_error\): Enterpret refused to export theme \(403 FORBIDDEN: no access to object theme\)/
    )
    expect(tap.stderr).toMatch(/INFO Stream feedback_summary: complete/)
  })

  it("state for a stream not in the catalog is ignored whatever its shape, with a WARN", async () => {
    const run = await read({
      config: configFor(emulator),
      catalog: catalogFor(["theme"]),
      state: [
        { type: "STREAM", stream: { stream_descriptor: { name: "removed_object" }, stream_state: { updated_at: "2025-01-01" } } },
        {
          type: "STREAM",
          stream: { stream_descriptor: { name: "theme" }, stream_state: { _ab_export_window_end: "2025-12-14T00:00:00Z" } }
        }
      ]
    })
    expect(run.code, run.stderr).toBe(0)
    expectReadInvariants(run.messages)
    const warnings = ofType(run.messages, "LOG").map((m) => m.log as { level: string; message: string })
    expect(warnings).toContainEqual({
      level: "WARN",
      message: expect.stringMatching(/Ignored the state of 1 stream not in the catalog.*: removed_object$/)
    })
    expect(finalStatus(run.messages, "theme")).toBe("COMPLETE")
  })
})
