import { Effect, Either } from "effect"
import { describe, expect, it } from "vitest"
import { InputError } from "../src/config/inputFile.js"
import { CURSOR_FIELD } from "../src/sync/cursor.js"
import { decodeState, type StreamCursors } from "../src/sync/state.js"

const FILE = "state.json"
const at = (iso: string) => Date.parse(iso)

/** Every stream these tests name is in the catalog, unless a test says otherwise. */
const CATALOG = ["feedback_record", "account", "s", "a", "b", "c", "ok"]

const decode = (value: unknown, streams: ReadonlyArray<string> = CATALOG): Either.Either<StreamCursors, InputError> =>
  Effect.runSync(Effect.either(Effect.map(decodeState(value, FILE, streams), (loaded) => loaded.cursors)))

const cursors = (value: unknown): Record<string, string> => {
  const result = decode(value)
  if (Either.isLeft(result)) throw new Error(`expected the state to be accepted: ${result.left.message}`)
  return Object.fromEntries([...result.right].map(([name, ms]) => [name, new Date(ms).toISOString()]))
}

const failure = (value: unknown): InputError => {
  const result = decode(value)
  if (Either.isRight(result)) throw new Error(`expected ${JSON.stringify(value)} to be rejected`)
  return result.left
}

const streamState = (name: string, state: unknown, extra: Record<string, unknown> = {}) => ({
  type: "STREAM",
  stream: { stream_descriptor: { name }, stream_state: state },
  ...extra
})

describe("decodeState: per-stream state messages", () => {
  it("reads the cursor of each stream", () => {
    expect(
      cursors([
        streamState("feedback_record", { [CURSOR_FIELD]: "2025-12-13T00:00:00Z" }),
        streamState("account", { [CURSOR_FIELD]: "2025-12-10T05:00:00Z" })
      ])
    ).toEqual({ feedback_record: "2025-12-13T00:00:00.000Z", account: "2025-12-10T05:00:00.000Z" })
  })

  it("reads what this connector itself emits, including sourceStats, and what Airbyte adds", () => {
    const emitted = {
      type: "STREAM",
      stream: { stream_descriptor: { name: "s", namespace: null }, stream_state: { [CURSOR_FIELD]: "2025-12-13T00:00:00Z" } },
      sourceStats: { recordCount: 12 },
      destinationStats: { recordCount: 12 },
      id: 7
    }
    expect(cursors([emitted])).toEqual({ s: "2025-12-13T00:00:00.000Z" })
  })

  it("accepts the cursor in every whole-hour form the config accepts", () => {
    expect(cursors([streamState("a", { [CURSOR_FIELD]: "2025-12-13T05:00Z" })])).toEqual({ a: "2025-12-13T05:00:00.000Z" })
    expect(cursors([streamState("a", { [CURSOR_FIELD]: "2025-12-13" })])).toEqual({ a: "2025-12-13T00:00:00.000Z" })
  })

  it("treats an empty array as no state", () => {
    expect(cursors([])).toEqual({})
  })

  it.each([
    ["an empty stream_state", {}],
    ["a null stream_state", null]
  ])("treats %s as no state for that stream", (_what, state) => {
    expect(cursors([streamState("a", state), streamState("b", { [CURSOR_FIELD]: "2025-12-13T00:00:00Z" })])).toEqual({
      b: "2025-12-13T00:00:00.000Z"
    })
  })

  it("treats a missing stream_state as no state", () => {
    expect(cursors([{ type: "STREAM", stream: { stream_descriptor: { name: "a" } } }])).toEqual({})
  })

  it("ignores states of streams not in the catalog, whatever their shape (issue 22)", () => {
    const value = [
      streamState("retired_object", { [CURSOR_FIELD]: "2024-01-01T00:00:00Z" }),
      streamState("removed", { updated_at: "2025-01-01T00:00:00Z" }),
      streamState("odd", "x"),
      streamState("feedback_record", { [CURSOR_FIELD]: "2025-12-13T00:00:00Z" })
    ]
    const result = Effect.runSync(Effect.either(decodeState(value, FILE, ["feedback_record"])))
    expect(result).toEqual(
      Either.right({ cursors: new Map([["feedback_record", at("2025-12-13T00:00:00Z")]]), ignored: ["removed", "odd"] })
    )
    // The legacy object alike.
    const legacy = { feedback_record: { [CURSOR_FIELD]: "2025-12-13T00:00:00Z" }, removed: { updated_at: 3 }, odd: [1] }
    expect(Effect.runSync(Effect.either(decodeState(legacy, FILE, ["feedback_record"])))).toEqual(
      Either.right({ cursors: new Map([["feedback_record", at("2025-12-13T00:00:00Z")]]), ignored: ["removed", "odd"] })
    )
    // The same entries fail a read whose catalog has their stream.
    expect(Either.isLeft(decode(value, ["feedback_record", "removed"]))).toBe(true)
    expect(Either.isLeft(decode(legacy, ["feedback_record", "odd"]))).toBe(true)
  })

  it("keeps the last state when a stream appears twice", () => {
    expect(
      cursors([streamState("a", { [CURSOR_FIELD]: "2025-12-13T00:00:00Z" }), streamState("a", { [CURSOR_FIELD]: "2025-12-14T00:00:00Z" })])
    ).toEqual({ a: "2025-12-14T00:00:00.000Z" })
  })
})

describe("decodeState: legacy object", () => {
  it("reads {stream_name: stream_state}", () => {
    expect(cursors({ a: { [CURSOR_FIELD]: "2025-12-13T00:00:00Z" }, b: { [CURSOR_FIELD]: "2025-11-01T07:00:00Z" } })).toEqual({
      a: "2025-12-13T00:00:00.000Z",
      b: "2025-11-01T07:00:00.000Z"
    })
  })

  it("treats an empty object, empty blobs and null blobs as no state", () => {
    expect(cursors({})).toEqual({})
    expect(cursors({ a: {}, b: null, c: { [CURSOR_FIELD]: "2025-12-13T00:00:00Z" } })).toEqual({ c: "2025-12-13T00:00:00.000Z" })
  })
})

describe("decodeState: malformed state", () => {
  it.each([
    ["null", null],
    ["a string", "2025-12-13T00:00:00Z"],
    ["a number", 5],
    ["true", true]
  ])("rejects %s, saying what is expected", (_what, value) => {
    const error = failure(value)
    expect(error).toBeInstanceOf(InputError)
    expect(error.file).toBe(FILE)
    expect(error.message).toContain(`State file ${FILE} is invalid`)
    expect(error.message).toContain("expected an array of STREAM state messages or an object")
  })

  it.each([
    ["null", null],
    ["a number", 1],
    ["an array", [1]],
    ["a GLOBAL state", { type: "GLOBAL", global: { shared_state: {}, stream_states: [] } }],
    ["a LEGACY state message", { type: "LEGACY", data: {} }],
    ["a descriptor without a name", { type: "STREAM", stream: { stream_descriptor: {}, stream_state: {} } }],
    ["a name that is not a string", { type: "STREAM", stream: { stream_descriptor: { name: 3 }, stream_state: {} } }],
    ["no stream", { type: "STREAM" }]
  ])("rejects an item that is %s, naming its index", (_what, item) => {
    const good = streamState("ok", { [CURSOR_FIELD]: "2025-12-13T00:00:00Z" })
    const error = failure([good, item])
    expect(error.message).toContain("item 1 must be a STREAM state message")
  })

  it.each([
    ["a legacy object whose blob is not an object", { a: "2025-12-13T00:00:00Z" }],
    ["a legacy object whose blob is an array", { a: [1] }],
    ["a stream_state that is a string", [{ type: "STREAM", stream: { stream_descriptor: { name: "a" }, stream_state: "x" } }]]
  ])("rejects %s for a stream in the catalog, naming the stream", (_what, value) => {
    const error = failure(value)
    expect(error.message).toContain(`State file ${FILE} is invalid: state of stream a must be an object`)
  })

  it.each([
    ["minutes", "2025-12-13T00:30:00Z"],
    ["an impossible date", "2025-02-30T00:00:00Z"],
    ["garbage", "yesterday"],
    ["epoch milliseconds", 1765584000000],
    ["null", null],
    ["nothing (another key only)", undefined]
  ])("rejects a cursor that is %s, naming the stream and the field", (_what, cursor) => {
    const blob = cursor === undefined ? { some_other_key: 1 } : { [CURSOR_FIELD]: cursor }
    for (const value of [[streamState("feedback_record", blob)], { feedback_record: blob }]) {
      const error = failure(value)
      expect(error.message).toContain("state of stream feedback_record")
      expect(error.message).toContain(CURSOR_FIELD)
      expect(error.message).toContain(cursor === undefined ? "is missing (the state holds some_other_key)" : "whole UTC hour")
    }
  })

  it("cuts a huge value short in its message", () => {
    const error = failure({ a: "x".repeat(10_000) })
    expect(error.message.length).toBeLessThan(400)
  })
})
