#!/usr/bin/env node
// The floor of a read in Node: what listing and downloading the same files and writing the same
// RECORD lines costs with nothing of a connector around it. Plain node:http with keep-alive (the
// export pages one after another, 4 downloads at a time, as `read`'s defaults), the connector's
// own RecordEncoder and record envelope, stdout written with backpressure; no Effect, no state,
// no retries, no checks. Not a baseline a user could pick (it gives up on the first fault): a
// yardstick for what a small file and a small page cost in Node itself, so that the many-small-files
// target can be read against the ratio this floor gets on the same files (docs/benchmark.md).
//
// `npm run bench` runs it on the feedback-like objects and reports its ratio beside the
// connector's. It imports the connector's encoder, so build:integration bundles it; by hand:
//   node build/integration_tests/bench/baselines/nodeFloor.js BASE_URL TOKEN OBJECT START END > /dev/null
// with BASE_URL as the config's base_url (e.g. http://127.0.0.1:8080/export) and START, END as the
// Export API takes them (YYYY-MM-DDTHH:MMZ), one window.
import { Agent, request } from "node:http"
import { RecordEncoder } from "../../../src/csv/recordEncoder.js"
import { airbyteRecordEnvelope } from "../../../src/output/recordEnvelope.js"

const [baseUrl, token, object, start, end] = process.argv.slice(2)
if (end === undefined) throw new Error("usage: nodeFloor BASE_URL TOKEN OBJECT START END")
const DOWNLOADS = 4
const agent = new Agent({ keepAlive: true })
const windowEnd = `${end.slice(0, 16)}:00Z`

const exportPage = (cursor: string | undefined) =>
  new Promise<{ files: ReadonlyArray<string> | null; cursor?: string | null }>((resolve, reject) => {
    const body = JSON.stringify({ objectID: object, startTime: start, endTime: end, ...(cursor === undefined ? {} : { cursor }) })
    const sent = request(
      `${baseUrl}/external/v2/export`,
      {
        method: "POST",
        agent,
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json", accept: "application/json" }
      },
      (answer) => {
        const parts: Array<Buffer> = []
        answer.on("data", (part: Buffer) => parts.push(part))
        answer.on("end", () => resolve(JSON.parse(Buffer.concat(parts).toString("utf8"))))
        answer.on("error", reject)
      }
    )
    sent.on("error", reject)
    sent.end(body)
  })

const waiting: Array<() => void> = []
process.stdout.on("drain", () => {
  for (const resume of waiting.splice(0)) resume()
})
/** Writes a copy (the encoder reuses its buffer); a promise when stdout asks to wait. */
const write = (lines: Uint8Array): Promise<void> | undefined =>
  process.stdout.write(Buffer.from(lines)) ? undefined : new Promise((resolve) => waiting.push(resolve))

const download = (url: string) =>
  new Promise<void>((resolve, reject) => {
    const envelope = airbyteRecordEnvelope(object!, windowEnd, url.replace(/\?.*$/, ""), Date.now())
    const encoder = new RecordEncoder({ envelope, skipRows: 0, excludedColumns: undefined })
    const sent = request(url, { agent }, (body) => {
      body.on("data", (chunk: Buffer) => {
        const lines = encoder.push(chunk)
        if (lines.length === 0) return
        const wait = write(lines)
        encoder.release()
        if (wait !== undefined) {
          body.pause()
          void wait.then(() => body.resume())
        }
      })
      body.on("end", () => {
        const rest = encoder.end()
        if (rest.length > 0) write(rest)
        encoder.release()
        resolve()
      })
      body.on("error", reject)
    })
    sent.on("error", reject)
    sent.end()
  })

let cursor: string | undefined
do {
  const page = await exportPage(cursor)
  const files = page.files ?? []
  let next = 0
  await Promise.all(
    Array.from({ length: Math.min(DOWNLOADS, files.length) }, async () => {
      while (next < files.length) await download(files[next++]!)
    })
  )
  cursor = page.cursor || undefined
} while (cursor !== undefined)
agent.destroy()
