// The handler for exceptions thrown outside every Effect (src/output/lastResort.ts).
import { afterEach, describe, expect, it, vi } from "vitest"
import { Effect } from "effect"
import { PassThrough } from "node:stream"
import { installLastResort } from "../src/output/lastResort.js"
import { makeMessageOutput } from "../src/output/writer.js"

afterEach(() => {
  vi.restoreAllMocks()
})

/** Installs the handler with process.on, process.exit and stderr spied on; returns what it registered. */
const installed = (mask: (text: string) => string = (text) => text) => {
  const handlers = new Map<string, (error: unknown) => void>()
  vi.spyOn(process, "on").mockImplementation(((event: string, handler: (error: unknown) => void) => {
    handlers.set(event, handler)
    return process
  }) as typeof process.on)
  const exit = vi.spyOn(process, "exit").mockImplementation((() => undefined) as never)
  const written: Array<string> = []
  vi.spyOn(process.stderr, "write").mockImplementation(((text: string) => {
    written.push(text)
    return true
  }) as typeof process.stderr.write)
  installLastResort("source-enterpret", mask)
  return { handlers, exit, written }
}

describe("installLastResort", () => {
  it("an uncaught exception is one short line on stderr, naming the command, and exit 1", () => {
    const { handlers, exit, written } = installed()
    expect([...handlers.keys()].sort()).toEqual(["uncaughtException", "unhandledRejection"])
    handlers.get("uncaughtException")!(new TypeError("x".repeat(1_000)))
    expect(exit).toHaveBeenCalledWith(1)
    expect(written).toHaveLength(1)
    // The first 300 characters of the error and an ellipsis: never the bundle's source line or a stack.
    expect(written[0]).toBe(`source-enterpret: internal error: ${`TypeError: ${"x".repeat(1_000)}`.slice(0, 300)}…\n`)
  })

  it("a rejection with no Error says what was rejected", () => {
    const { handlers, exit, written } = installed()
    handlers.get("unhandledRejection")!("plain text")
    expect(written).toEqual(["source-enterpret: internal error: plain text\n"])
    expect(exit).toHaveBeenCalledWith(1)
  })

  it("its line goes through the output's token redactor, like every other line (issue 20)", () => {
    const output = makeMessageOutput(new PassThrough())
    Effect.runSync(output.redact("tok_live_0123456789abcdef"))
    const { handlers, written } = installed(output.mask)
    handlers.get("uncaughtException")!(new Error("request to https://api.test/?token=tok_live_0123456789abcdef failed"))
    handlers.get("unhandledRejection")!("Bearer tok_live_0123456789abcdef")
    expect(written).toEqual([
      "source-enterpret: internal error: Error: request to https://api.test/?token=**** failed\n",
      "source-enterpret: internal error: Bearer ****\n"
    ])
  })
})
