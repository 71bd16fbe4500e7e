import { Cause, Effect, Exit } from "effect"
import { Writable } from "node:stream"
import { describe, expect, it } from "vitest"
import { errorTraceMessage, logMessage, stateMessage } from "../src/airbyte/messages.js"
import { makeAirbyteOutput } from "../src/airbyte/output.js"
import { makeLineWriter, OutputClosed } from "../src/output/writer.js"

/**
 * A destination that takes its time: each chunk is accepted only after `delayMs` (or on the next
 * turn of the event loop), so with a small highWaterMark it reports backpressure. It records what
 * it has accepted, how many writes reached it and the most it ever held in its buffer.
 */
class SlowSink extends Writable {
  readonly accepted: Array<Buffer> = []
  writes = 0
  drains = 0
  maxBuffered = 0

  constructor(
    highWaterMark: number,
    private readonly delayMs: number | "immediate" = "immediate"
  ) {
    super({ highWaterMark, decodeStrings: true })
    this.on("drain", () => this.drains++)
  }

  override write(chunk: unknown, ...rest: Array<unknown>): boolean {
    const result = (super.write as (...args: Array<unknown>) => boolean)(chunk, ...rest)
    this.maxBuffered = Math.max(this.maxBuffered, this.writableLength)
    return result
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writes++
    const accept = () => {
      this.accepted.push(chunk)
      callback()
    }
    if (this.delayMs === "immediate") setImmediate(accept)
    else setTimeout(accept, this.delayMs)
  }

  text(): string {
    return Buffer.concat(this.accepted).toString("utf8")
  }
}

const lines = (count: number, make: (i: number) => string = (i) => `{"n":${i},"pad":"${"x".repeat(40)}"}`) =>
  Array.from({ length: count }, (_, i) => `${make(i)}\n`)

describe("AirbyteOutput (makeAirbyteOutput)", () => {
  it("delivers every line in order, in far fewer writes than lines", async () => {
    const sink = new SlowSink(1 << 20)
    const output = makeAirbyteOutput(sink)
    const all = lines(5_000)
    await Effect.runPromise(
      Effect.gen(function* () {
        for (const line of all) yield* output.emitLines(line)
        yield* output.settle
      })
    )
    expect(sink.text()).toBe(all.join(""))
    expect(sink.writes).toBeGreaterThan(0)
    expect(sink.writes).toBeLessThan(all.length / 100)
  })

  it("keeps lines handed over together as one string in order with single ones", async () => {
    const sink = new SlowSink(1 << 20)
    const output = makeAirbyteOutput(sink)
    const first = lines(3, (i) => `{"a":${i}}`)
    const second = lines(3, (i) => `{"b":${i}}`)
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* output.emitLines(first.join(""))
        yield* output.emit(logMessage("INFO", "between"))
        yield* output.emitLines(second.join(""))
        yield* output.settle
      })
    )
    expect(sink.text()).toBe(`${first.join("")}{"type":"LOG","log":{"level":"INFO","message":"between"}}\n${second.join("")}`)
  })

  it("emit serialises the message as one JSON line and hands it to the stream at once", async () => {
    const sink = new SlowSink(1 << 20)
    const output = makeAirbyteOutput(sink)
    const state = stateMessage("feedback_record", { _ab_export_window_end: "2025-12-13T00:00:00Z" }, 12)
    await Effect.runPromise(output.emitLines('{"type":"RECORD"}\n'))
    expect(sink.writes + sink.writableLength).toBe(0) // a record alone waits in the batch
    await Effect.runPromise(output.emit(state))
    // No settle: the STATE, and the record before it, have reached the stream already.
    const handed = sink.writableLength + sink.accepted.reduce((n, chunk) => n + chunk.length, 0)
    expect(handed).toBe(Buffer.byteLength(`{"type":"RECORD"}\n${JSON.stringify(state)}\n`))
    await Effect.runPromise(output.settle)
    expect(sink.text().split("\n")).toEqual(['{"type":"RECORD"}', JSON.stringify(state), ""])
    expect(JSON.parse(sink.text().split("\n")[1]!)).toEqual(state)
  })

  it("settle resolves only once everything has been accepted by a slow destination", async () => {
    const sink = new SlowSink(64, 2)
    const output = makeAirbyteOutput(sink)
    const all = lines(200)
    const run = Effect.runPromise(
      Effect.gen(function* () {
        for (const line of all) yield* output.emitLines(line)
        yield* output.emit(logMessage("INFO", "last"))
        yield* output.settle
      })
    )
    await run
    expect(sink.text()).toBe(`${all.join("") + JSON.stringify(logMessage("INFO", "last"))}\n`)
    expect(sink.writableLength).toBe(0)
  })

  it("settle with nothing pending resolves", async () => {
    const sink = new SlowSink(64)
    await Effect.runPromise(makeAirbyteOutput(sink).settle)
    expect(sink.text()).toBe("")
  })

  it("waits for drain under backpressure, never losing, reordering or piling up data", async () => {
    // 2 MiB through a destination that holds 1 KiB and accepts a chunk per event-loop turn.
    const sink = new SlowSink(1 << 10)
    const output = makeAirbyteOutput(sink)
    const all = lines(40_000)
    const total = Buffer.byteLength(all.join(""))
    expect(total).toBeGreaterThan(2_000_000)
    await Effect.runPromise(
      Effect.gen(function* () {
        for (const line of all) yield* output.emitLines(line)
        yield* output.settle
      })
    )
    expect(sink.text()).toBe(all.join(""))
    expect(sink.drains).toBeGreaterThan(10)
    // Without waiting, the whole 2 MiB would sit in the stream's buffer; with it, about a batch.
    expect(sink.maxBuffered).toBeLessThanOrEqual(2 * 65_536)
  })

  it("waits for drain when several fibers emit at once, each one's lines complete and in its order", async () => {
    const sink = new SlowSink(1 << 10, 1)
    const output = makeAirbyteOutput(sink)
    const producers = ["a", "b", "c", "d"].map((name) => lines(3_000, (i) => `{"p":"${name}","i":${i}}`))
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* Effect.forEach(producers, (own) => Effect.forEach(own, (line) => output.emitLines(line)), { concurrency: "unbounded" })
        yield* output.settle
      })
    )
    const got = sink.text().split("\n").slice(0, -1)
    expect(got).toHaveLength(12_000)
    for (const [index, name] of ["a", "b", "c", "d"].entries()) {
      // Each producer's lines arrive complete and in its own order.
      expect(got.filter((line) => line.startsWith(`{"p":"${name}"`))).toEqual(producers[index]!.map((line) => line.slice(0, -1)))
    }
    expect(sink.maxBuffered).toBeLessThanOrEqual(8 * 65_536)
  })

  it("keeps multi-byte text intact across batch boundaries", async () => {
    const sink = new SlowSink(1 << 12)
    const output = makeAirbyteOutput(sink)
    // Lines of 1-, 2-, 3- and 4-byte characters of odd lengths, so batches end everywhere.
    const alphabet = ["a", "é", "€", "漢", "😀", "𝄞"]
    const all = lines(6_000, (i) => JSON.stringify({ i, t: alphabet[i % alphabet.length]!.repeat(1 + (i % 37)) }))
    await Effect.runPromise(
      Effect.gen(function* () {
        for (const line of all) yield* output.emitLines(line)
        yield* output.settle
      })
    )
    expect(sink.text()).toBe(all.join(""))
    expect(Buffer.concat(sink.accepted).equals(Buffer.from(all.join(""), "utf8"))).toBe(true)
  })

  it("writes a line longer than a batch whole, in order with the lines around it", async () => {
    const sink = new SlowSink(1 << 12)
    const output = makeAirbyteOutput(sink)
    const huge = `${JSON.stringify({ t: "😀漢é".repeat(40_000) })}\n`
    const before = lines(10)
    const after = lines(10, (i) => `{"after":${i}}`)
    await Effect.runPromise(
      Effect.gen(function* () {
        for (const line of before) yield* output.emitLines(line)
        yield* output.emitLines(huge)
        for (const line of after) yield* output.emitLines(line)
        yield* output.settle
      })
    )
    expect(sink.text()).toBe(before.join("") + huge + after.join(""))
  })
})

describe("makeLineWriter", () => {
  it("returns a promise from append only when the caller must wait", async () => {
    const sink = new SlowSink(16)
    const writer = makeLineWriter(sink)
    expect(writer.append("short\n")).toBeUndefined() // buffered, nothing written yet
    const pending = writer.flush() // 6 bytes: under the highWaterMark
    expect(pending).toBeUndefined()
    writer.append(`${"x".repeat(100)}\n`)
    const waiting = writer.flush() // over the highWaterMark: wait for drain
    expect(waiting).toBeInstanceOf(Promise)
    await waiting
    await writer.settle()
    expect(sink.text()).toBe(`short\n${"x".repeat(100)}\n`)
  })
})

/** A destination that copies each chunk before its callback, as process.stdout hands bytes to the OS. */
class CopyingSink extends Writable {
  readonly copies: Array<Buffer> = []
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.copies.push(Buffer.from(chunk))
    setImmediate(callback)
  }
}

describe("AirbyteOutput buffer release", () => {
  const big = (i: number) => new TextEncoder().encode(`{"big":${i},"t":"${"é".repeat(40_000)}"}\n`)

  it("with releasesChunks, reuses its batches and tells when each chunk is written, and the output stays intact", async () => {
    const sink = new CopyingSink({ highWaterMark: 1 << 12 })
    const output = makeAirbyteOutput(sink, { releasesChunks: true })
    const released: Array<number> = []
    const expected: Array<Uint8Array> = []
    await Effect.runPromise(
      Effect.gen(function* () {
        for (let i = 0; i < 200; i++) {
          const small = new TextEncoder().encode(lines(40, (n) => `{"i":${i},"n":${n},"t":"€"}`).join(""))
          const large = big(i)
          expected.push(small, large)
          // A released chunk is overwritten at once, as a reused buffer would be: released too early,
          // the output would show it.
          const smallHanded = small.slice()
          yield* output.emitLines(smallHanded, () => {
            smallHanded.fill(0x20)
            released.push(-i - 1)
          })
          const handed = large.slice()
          yield* output.emitLines(handed, () => {
            handed.fill(0x20)
            released.push(i)
          })
          yield* output.emit(stateMessage("s", { _ab_export_window_end: `c${i}` }, i))
        }
        yield* output.settle
      })
    )
    const text = Buffer.concat(sink.copies).toString("utf8")
    const want = expected
      .map(
        (chunk, k) =>
          new TextDecoder().decode(chunk) +
          (k % 2 === 1 ? `${JSON.stringify(stateMessage("s", { _ab_export_window_end: `c${(k - 1) / 2}` }, (k - 1) / 2))}\n` : "")
      )
      .join("")
    // Compared as a flag: a diff of megabytes of text is slower to print than the test is to run.
    const firstDifference = [...want].findIndex((char, k) => text[k] !== char)
    expect({ length: text.length, firstDifference }).toEqual({ length: want.length, firstDifference: -1 })
    expect(released.filter((n) => n >= 0)).toEqual(Array.from({ length: 200 }, (_, i) => i))
    expect(released.filter((n) => n < 0)).toHaveLength(200)
  })

  it("copies record bytes of any size into its batches: each caller's buffer is released before emitLines ends", async () => {
    const sink = new SlowSink(1 << 12)
    const output = makeAirbyteOutput(sink)
    const released: Array<string> = []
    const small = new TextEncoder().encode('{"small":1}\n')
    const large = big(1)
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* output.emitLines(small, () => released.push("small"))
        expect(released).toEqual(["small"])
        yield* output.emitLines(large, () => released.push("large"))
        expect(released).toEqual(["small", "large"])
        // Overwritten as a reused buffer would be: the output must not change.
        small.fill(0x20)
        large.fill(0x20)
        yield* output.settle
      })
    )
    expect(sink.text()).toBe(`{"small":1}\n${new TextDecoder().decode(big(1))}`)
  })
})

/** A pipe whose reader goes away after `limit` bytes, as `read … | head -1` does: EPIPE. */
class ClosingSink extends Writable {
  readonly accepted: Array<Buffer> = []
  private received = 0
  constructor(private readonly limit: number) {
    super({ highWaterMark: 1 << 10 })
  }
  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.received >= this.limit) {
      callback(Object.assign(new Error("write EPIPE"), { code: "EPIPE" }))
      return
    }
    this.received += chunk.length
    this.accepted.push(chunk)
    setImmediate(callback)
  }
}

describe("AirbyteOutput.writeLines: the record hot path", () => {
  const encoder = new TextEncoder()

  it("takes lines at once (undefined) until the destination pushes back, then hands back the wait; nothing lost or reordered", async () => {
    const sink = new SlowSink(1 << 10)
    const output = makeAirbyteOutput(sink)
    const all = lines(40_000)
    let atOnce = 0
    let waits = 0
    await Effect.runPromise(
      Effect.gen(function* () {
        for (const line of all) {
          const wait = output.writeLines(encoder.encode(line))
          if (wait === undefined) atOnce++
          else {
            waits++
            yield* wait
          }
        }
        yield* output.settle
      })
    )
    expect(sink.text()).toBe(all.join(""))
    // Most lines go in with no Effect step; a wait comes only when the 1 KiB sink is behind.
    expect(atOnce).toBeGreaterThan(all.length * 0.9)
    expect(waits).toBeGreaterThan(10)
    expect(sink.maxBuffered).toBeLessThanOrEqual(2 * 65_536)
  })

  it("tells the caller when the lines are copied, so that it may reuse its buffer", () => {
    const output = makeAirbyteOutput(new SlowSink(1 << 20))
    let written = 0
    expect(output.writeLines(encoder.encode('{"n":1}\n'), () => written++)).toBeUndefined()
    expect(written).toBe(1)
  })

  it("on a closed stdout, hands back an Effect that stops the command with OutputClosed, and appends nothing", async () => {
    const sink = new ClosingSink(1 << 20)
    const output = makeAirbyteOutput(sink)
    sink.destroy()
    const wait = output.writeLines(encoder.encode('{"n":1}\n'))
    expect(wait).toBeDefined()
    const exit = await Effect.runPromiseExit(wait!)
    expect(Exit.isFailure(exit) && Cause.squash(exit.cause)).toBeInstanceOf(OutputClosed)
    expect(sink.accepted).toHaveLength(0)
  })
})

describe("AirbyteOutput on a closed stdout (EPIPE)", () => {
  it("stops the writer with OutputClosed at its next message, and writes nothing after the failure", async () => {
    const sink = new ClosingSink(100)
    const closedSeen: Array<OutputClosed> = []
    const output = makeAirbyteOutput(sink, { onClosed: (error) => closedSeen.push(error) })
    let emitted = 0
    const exit = await Effect.runPromiseExit(
      Effect.gen(function* () {
        for (let i = 0; i < 10_000; i++) {
          yield* output.emitLines(`{"n":${i},"pad":"${"x".repeat(60)}"}\n`)
          if (i % 100 === 99) yield* output.emit(stateMessage("s", { _ab_export_window_end: `c${i}` }, 100))
          emitted = i
        }
      })
    )
    expect(Exit.isFailure(exit)).toBe(true)
    const defect = Exit.isFailure(exit) ? Cause.squash(exit.cause) : undefined
    expect(defect).toBeInstanceOf(OutputClosed)
    expect((defect as OutputClosed).message).toMatch(/stdout was closed \(EPIPE\)/)
    // It stopped within a few batches of the failure instead of running through all 10,000 lines.
    expect(emitted).toBeLessThan(3_000)
    expect(closedSeen.length).toBeGreaterThan(0)
    // settle neither hangs nor throws once the stream is gone.
    await Effect.runPromise(output.settle)
    // A later message is refused at once: no STATE can follow the failure.
    const later = await Effect.runPromiseExit(output.emit(stateMessage("s", { _ab_export_window_end: "after" }, 1)))
    expect(Exit.isFailure(later)).toBe(true)
  })

  it("without a write in between, a destroyed stream is refused before anything is appended", async () => {
    const sink = new ClosingSink(1 << 20)
    const output = makeAirbyteOutput(sink)
    sink.destroy()
    const exit = await Effect.runPromiseExit(output.emit(logMessage("INFO", "hello")))
    expect(Exit.isFailure(exit) && Cause.squash(exit.cause)).toBeInstanceOf(OutputClosed)
    expect(sink.accepted).toHaveLength(0)
  })
})

describe("AirbyteOutput redaction", () => {
  const TOKEN = "tok_Secret_1234567890abcdef"

  it("masks the token in every string of a message, keeping the JSON intact", async () => {
    const sink = new SlowSink(1 << 20)
    const output = makeAirbyteOutput(sink)
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* output.emit(logMessage("INFO", `before redact ${TOKEN}`))
        yield* output.redact(TOKEN)
        // An error body that repeats the Authorization header, relayed in a TRACE ERROR.
        const body = `{"error":"bad header Authorization: Bearer ${TOKEN}"}`
        yield* output.emit(errorTraceMessage("system_error", `Enterpret said: ${body}`, `HTTP 400 ${body}`, "feedback_record"))
        yield* output.emit(logMessage("WARN", `${TOKEN}${TOKEN} and "${TOKEN}"`))
        yield* output.settle
      })
    )
    const lines = sink.text().trim().split("\n")
    expect(lines[0]).toContain(TOKEN) // nothing is masked before the token is known
    const after = lines.slice(1).join("\n")
    expect(after).not.toContain(TOKEN)
    expect(after).not.toContain("1234567890abcdef")
    const trace = JSON.parse(lines[1]!) as {
      trace: { error: { message: string; internal_message: string; stream_descriptor: { name: string } } }
    }
    expect(trace.trace.error.message).toBe('Enterpret said: {"error":"bad header Authorization: Bearer ****"}')
    expect(trace.trace.error.internal_message).toBe('HTTP 400 {"error":"bad header Authorization: Bearer ****"}')
    expect(trace.trace.error.stream_descriptor.name).toBe("feedback_record")
    expect((JSON.parse(lines[2]!) as { log: { message: string } }).log.message).toBe('******** and "****"')
  })

  it("masks the token in record lines, as bytes in place and as text, same length, other bytes untouched", async () => {
    const sink = new SlowSink(1 << 20)
    const output = makeAirbyteOutput(sink)
    const line = (cell: string) => `{"type":"RECORD","record":{"stream":"s","data":{"c":"${cell}"},"emitted_at":1}}\n`
    const many = Array.from({ length: 2_000 }, (_, i) => line(i % 7 === 0 ? `x${TOKEN}y${TOKEN}` : `plain ${i}`)).join("")
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* output.redact(TOKEN)
        yield* output.emitLines(new TextEncoder().encode(many))
        yield* output.emitLines(line(`text ${TOKEN}`))
        yield* output.settle
      })
    )
    const stars = "*".repeat(TOKEN.length)
    const want = many.replaceAll(TOKEN, stars) + line(`text ${stars}`)
    expect(sink.text().length).toBe(want.length)
    expect(sink.text() === want).toBe(true)
    for (const l of sink.text().trim().split("\n")) JSON.parse(l)
  })

  it("masks a token that JSON escapes (a quote, a backslash) in record lines and messages, as records and bodies carry it", async () => {
    const sink = new SlowSink(1 << 20)
    const output = makeAirbyteOutput(sink)
    const token = 'Tok"en\\abc-12345-xyz'
    const inJson = JSON.stringify(token).slice(1, -1)
    const line = (cell: string) => `{"type":"RECORD","record":{"stream":"s","data":{"c":"${cell}"},"emitted_at":1}}\n`
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* output.redact(token)
        yield* output.emitLines(new TextEncoder().encode(line(`tok: ${inJson}`)))
        yield* output.emitLines(line(`text ${inJson}.`))
        // An error body relayed as it came: the token inside it is JSON-escaped.
        yield* output.emit(logMessage("WARN", `HTTP 400 {"error":"bad header Bearer ${inJson}"} and raw ${token}`))
        yield* output.settle
      })
    )
    const [bytes, text, log] = sink.text().trim().split("\n")
    const stars = "*".repeat(inJson.length)
    expect(bytes).toBe(line(`tok: ${stars}`).trim())
    expect(text).toBe(line(`text ${stars}.`).trim())
    expect(JSON.parse(log!)).toEqual(logMessage("WARN", 'HTTP 400 {"error":"bad header Bearer ****"} and raw ****'))
    expect(sink.text()).not.toContain("12345-xyz")
  })

  it("leaves a value under 4 characters alone: a placeholder, not a token, and masking it would garble messages", async () => {
    const sink = new SlowSink(1 << 20)
    const output = makeAirbyteOutput(sink)
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* output.redact("x")
        yield* output.emit(logMessage("INFO", "max_retries: expected a number"))
        yield* output.settle
      })
    )
    expect(JSON.parse(sink.text())).toEqual(logMessage("INFO", "max_retries: expected a number"))
    expect(output.mask("x marks")).toBe("x marks")
  })

  it("masks a short value only in the messages meant for people, never in protocol fields", async () => {
    const sink = new SlowSink(1 << 20)
    const output = makeAirbyteOutput(sink)
    await Effect.runPromise(
      Effect.gen(function* () {
        yield* output.redact("STATE")
        yield* output.emit(stateMessage("STATE", { _ab_export_window_end: "c" }, 1))
        yield* output.emit(logMessage("INFO", "token STATE"))
        yield* output.emitLines('{"type":"RECORD","record":{"stream":"STATE"}}\n')
        yield* output.settle
      })
    )
    const [state, log, record] = sink.text().trim().split("\n")
    expect(JSON.parse(state!)).toEqual(stateMessage("STATE", { _ab_export_window_end: "c" }, 1))
    expect(JSON.parse(log!)).toEqual(logMessage("INFO", "token ****"))
    expect(record).toBe('{"type":"RECORD","record":{"stream":"STATE"}}')
  })
})
