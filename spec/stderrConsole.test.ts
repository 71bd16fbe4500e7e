// The Console that @effect/cli's help and usage errors go through (src/output/stderrConsole.ts).
import { Console, Effect } from "effect"
import { Writable } from "node:stream"
import { describe, expect, it } from "vitest"
import { stderrConsole } from "../src/output/stderrConsole.js"
import { runCommandInProcess } from "./support/commandLine.js"

const ESC = "\u001b"

/** A stream that keeps what is written to it, a terminal or not. */
const sink = (isTTY: boolean) => {
  let text = ""
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        text += chunk.toString()
        done()
      }
    }),
    isTTY ? { isTTY: true } : {}
  )
  return { stream, text: () => text }
}

describe("stderrConsole", () => {
  it("takes ANSI colours out unless its stream is a terminal, and masks the token either way", () => {
    const coloured = `${ESC}[0;1mUSAGE${ESC}[0m token-1234567890`
    const mask = (text: string) => text.replaceAll("token-1234567890", "****")
    const pipe = sink(false)
    const terminal = sink(true)
    Effect.runSync(Console.log(coloured).pipe(Effect.withConsole(stderrConsole(mask, pipe.stream))))
    Effect.runSync(Console.log(coloured).pipe(Effect.withConsole(stderrConsole(mask, terminal.stream))))
    expect(pipe.text()).toBe("USAGE ****\n")
    expect(terminal.text()).toBe(`${ESC}[0;1mUSAGE${ESC}[0m ****\n`)
    // A token split by an escape code is joined before the mask, never after it.
    const split = sink(false)
    Effect.runSync(Console.log(`token-12345${ESC}[1m67890`).pipe(Effect.withConsole(stderrConsole(mask, split.stream))))
    expect(split.text()).toBe("****\n")
  })

  it("`--help` written to a pipe is plain text", async () => {
    const result = await runCommandInProcess(["--help"])
    expect(result.stderr).toContain("USAGE")
    expect(result.stderr).toMatch(/^ {2}- read --config text --catalog text \[--state text\]/m)
    expect(result.stderr).not.toContain(ESC)
    expect(result.stdout).toBe("")
  })
})
