// The file host's pace (issue 19): a per-connection bandwidth cap and a wait before the first
// byte, and the replica tenant that the benchmark's time-to-replica row reads. The pace is held
// by lower bounds only (a busy machine can only make a download slower, never faster).
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseCliArgs } from "./cliArgs.js"
import { type Emulator, isoMinutes, startEmulator } from "./index.js"
import { REPLICA_COLUMNS, replicaRecordId } from "./replicaTenant.js"
import { exportAll, NO_LIMITS, parseCsv } from "./testSupport.js"

const NOW = "2025-12-15T10:30Z"

/** One GET: when its headers came and when its body ended, in ms after it was sent. */
const timed = async (url: string) => {
  const sent = performance.now()
  const response = await fetch(url)
  const headers = performance.now() - sent
  const body = Buffer.from(await response.arrayBuffer())
  return { status: response.status, headers, total: performance.now() - sent, body }
}

describe("the replica tenant", () => {
  let emu: Emulator
  beforeAll(async () => {
    emu = await startEmulator({ seed: "replica", tenant: "replica", now: NOW, replicaFileBytes: 20_000, rateLimits: NO_LIMITS })
  })
  afterAll(() => emu.close())

  it("lists 60 days of five objects: two hourly, one every 6 hours, one sparse, one empty, 24 files a page", async () => {
    expect(emu.objects().map((o) => o.id)).toEqual([
      "feedback_record",
      "product_feedback_envelope",
      "feedback_summary",
      "product_taxonomy_l1",
      "support_ticket_tag"
    ])
    expect(emu.filesPerPage).toBe(24)
    const start = emu.dataSpan.start.getTime()
    const end = emu.dataSpan.end.getTime()
    expect((end - start) / 3_600_000).toBe(60 * 24)
    const counts = emu.objects().map((o) => emu.replica!.fileHours(o.id, start, end).length)
    expect(counts).toEqual([1440, 1440, 240, 3, 0])
    // What the API lists is what fileHours says, for a window inside the span too.
    const day = [isoMinutes(start + 24 * 3_600_000), isoMinutes(start + 48 * 3_600_000)] as const
    expect(await exportAll(emu, "feedback_record", ...day)).toHaveLength(24)
    expect(await exportAll(emu, "feedback_summary", ...day)).toHaveLength(4)
    expect(await exportAll(emu, "product_taxonomy_l1", isoMinutes(start), isoMinutes(end))).toHaveLength(3)
    expect(await exportAll(emu, "support_ticket_tag", isoMinutes(start), isoMinutes(end))).toEqual([])
  })

  it("serves files of about the size asked for, every record id unique and tied to the file's hour", async () => {
    const start = emu.dataSpan.start.getTime()
    const [first, second] = await exportAll(emu, "feedback_record", isoMinutes(start), isoMinutes(start + 2 * 3_600_000))
    const a = parseCsv((await timed(first!)).body)
    const b = parseCsv((await timed(second!)).body)
    expect(a.header).toEqual(REPLICA_COLUMNS)
    expect(a.rows).toHaveLength(emu.replica!.rowsPerFile)
    expect(a.rows[0]!.record_id).toBe(replicaRecordId("feedback_record", start, 0))
    expect(new Set([...a.rows, ...b.rows].map((r) => r.record_id)).size).toBe(2 * emu.replica!.rowsPerFile)
    const sizes = emu.replica!.fileBytes()
    expect(sizes).toHaveLength(1440 + 1440 + 240 + 3)
    expect(Math.abs(sizes[0]! - 20_000)).toBeLessThan(400)
  })
})

describe("the file host's pace", () => {
  it("waits --file-latency before the first byte and sends at most --file-bandwidth a second per connection", async () => {
    const emu = await startEmulator({
      seed: "pace",
      tenant: "replica",
      now: NOW,
      replicaFileBytes: 200_000,
      fileBandwidth: 1024 * 1024,
      fileLatencyMs: 150,
      rateLimits: NO_LIMITS
    })
    try {
      const start = emu.dataSpan.start.getTime()
      const [url] = await exportAll(emu, "feedback_record", isoMinutes(start), isoMinutes(start + 3_600_000))
      const one = await timed(url!)
      expect(one.status).toBe(200)
      expect(one.headers).toBeGreaterThanOrEqual(145)
      // 200 kB at 1 MiB/s: about 190 ms of body after the first byte (less a few ms in flight).
      expect(one.total - one.headers).toBeGreaterThanOrEqual(0.9 * (one.body.length / (1024 * 1024)) * 1000)
      // The cap is per connection: two at once take about as long as one, not twice as long.
      const both = performance.now()
      await Promise.all([timed(url!), timed(url!)])
      expect(performance.now() - both).toBeLessThan(2 * one.total + 100)
    } finally {
      await emu.close()
    }
  })

  it("the last byte of a body comes no sooner than its size allows at the cap, whatever size its last piece is", async () => {
    // About 100 kB: a 64 KiB piece and a last one of some 35 kB, which used to go out at once.
    const emu = await startEmulator({
      seed: "pace",
      tenant: "replica",
      now: NOW,
      replicaFileBytes: 100_000,
      fileBandwidth: 1024 * 1024,
      rateLimits: NO_LIMITS
    })
    try {
      const start = emu.dataSpan.start.getTime()
      const [url] = await exportAll(emu, "feedback_record", isoMinutes(start), isoMinutes(start + 3_600_000))
      const one = await timed(url!)
      expect(one.body.length % (64 * 1024)).toBeGreaterThan(20_000)
      expect(one.total).toBeGreaterThanOrEqual((one.body.length / (1024 * 1024)) * 1000 - 2)
    } finally {
      await emu.close()
    }
  })

  it("without the options, a file comes at once (as before)", async () => {
    const emu = await startEmulator({ seed: "pace", tenant: "replica", now: NOW, replicaFileBytes: 200_000, rateLimits: NO_LIMITS })
    try {
      const start = emu.dataSpan.start.getTime()
      const [url] = await exportAll(emu, "feedback_record", isoMinutes(start), isoMinutes(start + 3_600_000))
      const one = await timed(url!)
      expect(one.body.length).toBeGreaterThan(190_000)
    } finally {
      await emu.close()
    }
  })

  it("takes --file-bandwidth, --file-latency, --tenant replica and --file-bytes on the command line", () => {
    const cfg = parseCliArgs([
      "--tenant",
      "replica",
      "--file-bandwidth",
      "4M",
      "--file-latency",
      "50",
      "--file-bytes",
      "184K",
      "--minute-ms",
      "3000"
    ])
    expect(cfg.options).toMatchObject({
      tenant: "replica",
      fileBandwidth: 4 * 1024 * 1024,
      fileLatencyMs: 50,
      replicaFileBytes: 184 * 1024,
      rateLimits: { minuteMs: 3000 }
    })
    expect(() => parseCliArgs(["--file-bandwidth", "0"])).toThrow(/positive size/)
  })
})
