// The document's own curl examples, verbatim except for the host and the token.
import { execFile, execFileSync } from "node:child_process"
import { promisify } from "node:util"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startEmulator, type Emulator } from "./index.js"
import { NO_LIMITS } from "./testSupport.js"

const hasCurl = (() => {
  try {
    execFileSync("curl", ["--version"], { stdio: "ignore" })
    return true
  } catch {
    return false
  }
})()

const LIST = `curl -X POST "https://api.enterpret.com/export/external/v2/objects" \\
-H "Authorization: Bearer <your-api-token>" \\
-H "Content-Type: application/json" \\
-d '{}'`

const EXPORT = `curl -X POST "https://api.enterpret.com/export/external/v2/export" \\
-H "Authorization: Bearer <your-api-token>" \\
-H "Content-Type: application/json" \\
-d '{
"objectID": "feedback_record",
"startTime": "2025-12-12T00:00:00Z",
"endTime": "2025-12-31T23:00:00Z"
}'`

// The document's pagination example: note its path lacks /export and its objectID is "feedback".
const PAGINATE = `curl -X POST "https://api.enterpret.com/external/v2/export" \\
-H "Authorization: Bearer <your-api-token>" \\
-H "Content-Type: application/json" \\
-d '{
"objectID": "feedback",
"startTime": "2025-12-12T00:00:00Z",
"endTime": "2025-12-31T23:00:00Z",
"cursor": "eyJsYXN0S2V5IjoiMjAyNS0xMi0xNCJ9"
}'`

let emu: Emulator

const exec = promisify(execFile)

// curl runs asynchronously: the emulator answers from this same process.
async function run(example: string): Promise<{ status: number; json: unknown }> {
  const origin = emu.baseUrl.replace(/\/export$/, "")
  const cmd = example.replaceAll("https://api.enterpret.com", origin).replaceAll("<your-api-token>", emu.token)
  const { stdout: out } = await exec("bash", ["-c", cmd.replace(/^curl /, `curl -s -w '\\n%{http_code}' `)], { encoding: "utf8" })
  const nl = out.lastIndexOf("\n")
  return { status: Number(out.slice(nl + 1)), json: JSON.parse(out.slice(0, nl)) as unknown }
}

beforeAll(async () => {
  emu = await startEmulator({ seed: "curl", now: "2026-01-01T00:00Z", rateLimits: NO_LIMITS })
})
afterAll(() => emu.close())

describe.skipIf(!hasCurl)("the document's curl examples", () => {
  it("list exportable objects", async () => {
    const r = await run(LIST)
    expect(r.status).toBe(200)
    const objects = (r.json as { objects: Array<{ id: string }> }).objects
    expect(objects.map((o) => o.id)).toContain("feedback_record")
  })

  it("export object data, then paginate with the cursor it returned", async () => {
    const r = await run(EXPORT)
    expect(r.status).toBe(200)
    const page = r.json as { files: string[]; cursor?: string }
    expect(page.files.length).toBeGreaterThan(0)
    expect(page.cursor).toBeTypeOf("string")
    const { stdout: download } = await exec("curl", ["-s", "-f", page.files[0] ?? ""], { encoding: "utf8" })
    expect(download.replace(/^\uFEFF/, "")).toMatch(/^"?record_id"?,/)
    // the pagination example, with the endpoint table's path and objectID and a real cursor
    const next = await run(
      PAGINATE.replace("/external/v2/export", "/export/external/v2/export")
        .replace('"feedback"', '"feedback_record"')
        .replace("eyJsYXN0S2V5IjoiMjAyNS0xMi0xNCJ9", page.cursor ?? "")
    )
    expect(next.status).toBe(200)
    expect((next.json as { files: string[] }).files.length).toBeGreaterThan(0)
  })

  it("the pagination example as printed: its path is not the endpoint table's → 404 NOT_FOUND", async () => {
    const r = await run(PAGINATE)
    expect(r.status).toBe(404)
    expect(r.json).toMatchObject({ error: { code: "NOT_FOUND" } })
    const fixedPath = await run(PAGINATE.replace("/external/v2/export", "/export/external/v2/export"))
    expect(fixedPath.status).toBe(404) // objectID "feedback" does not exist
    const fixedObject = await run(
      PAGINATE.replace("/external/v2/export", "/export/external/v2/export").replace('"feedback"', '"feedback_record"')
    )
    expect(fixedObject.status).toBe(400) // a cursor the server never issued
  })
})
