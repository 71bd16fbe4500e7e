#!/usr/bin/env node
// Baseline 1: the bare Node pipeline a connector could not beat by much. Downloads each signed URL
// of an export plan in turn over HTTP, parses it with csv-parse (`columns: true`), builds one
// Airbyte RECORD envelope per row with JSON.stringify, and writes the lines to stdout in 64 KiB
// batches through `pipe`, so a slow stdout pauses the parser and the download (backpressure).
//
//   node build/integration_tests/bench/baselines/nodePipeline.js PLAN.json
import { readFileSync } from "node:fs"
import { get } from "node:http"
import { Transform, type TransformCallback } from "node:stream"
import { parse } from "csv-parse"
import type { ExportPlan, PlanFile } from "../exportPlan.js"

const BATCH_CHARS = 1 << 16

class RecordLines extends Transform {
  private batch = ""
  count = 0

  constructor(
    private readonly stream: string,
    private readonly windowEnd: string,
    private readonly fileUrl: string
  ) {
    super({ writableObjectMode: true })
  }

  override _transform(row: Record<string, string>, _encoding: BufferEncoding, done: TransformCallback): void {
    row._ab_export_window_end = this.windowEnd
    row._ab_source_file_url = this.fileUrl
    this.batch += `${JSON.stringify({ type: "RECORD", record: { stream: this.stream, data: row, emitted_at: Date.now() } })}\n`
    this.count++
    if (this.batch.length >= BATCH_CHARS) {
      const out = this.batch
      this.batch = ""
      done(null, out)
    } else done()
  }

  override _flush(done: TransformCallback): void {
    done(null, this.batch === "" ? undefined : this.batch)
  }
}

const emitFile = (plan: ExportPlan, file: PlanFile): Promise<number> =>
  new Promise((resolve, reject) => {
    get(file.url, (response) => {
      if (response.statusCode !== 200) {
        response.resume()
        reject(new Error(`GET ${file.fileUrl}: HTTP ${response.statusCode ?? "?"}`))
        return
      }
      const parser = parse({ columns: true, bom: true })
      const lines = new RecordLines(plan.stream, plan.windowEnd, file.fileUrl)
      response.on("error", reject)
      parser.on("error", reject)
      lines.on("error", reject)
      lines.on("end", () => resolve(lines.count))
      response.pipe(parser).pipe(lines).pipe(process.stdout, { end: false })
    }).on("error", reject)
  })

const main = async (): Promise<void> => {
  const planPath = process.argv[2]
  if (planPath === undefined) throw new Error("usage: nodePipeline.js PLAN.json")
  const plan = JSON.parse(readFileSync(planPath, "utf8")) as ExportPlan
  let records = 0
  for (const file of plan.files) records += await emitFile(plan, file)
  await new Promise<void>((resolve) => process.stdout.write("", () => resolve()))
  process.stderr.write(`node baseline: ${records} records from ${plan.files.length} files\n`)
}

main().catch((error: unknown) => {
  process.stderr.write(`node baseline: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
