import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { startEmulator, type Emulator } from "./index.js"
import { NO_LIMITS, asPage, callApi, exportAll } from "./testSupport.js"

const NOW = "2025-12-15T10:30Z"
let emu: Emulator

beforeAll(async () => {
  emu = await startEmulator({ seed: "api", now: NOW, rateLimits: NO_LIMITS })
})
afterAll(() => emu.close())

function errorOf(json: unknown): { code: string; message: string } {
  const e = (json as { error?: { code?: unknown; message?: unknown } }).error
  expect(typeof e?.code).toBe("string")
  expect(typeof e?.message).toBe("string")
  return { code: String(e?.code), message: String(e?.message) }
}

describe("routing and auth", () => {
  it("serves under a base URL ending in /export", () => {
    expect(emu.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/export$/)
  })

  it.each(["objects", "export"] as const)("401 UNAUTHORIZED without or with a wrong token on %s", async (ep) => {
    for (const token of [null, "wrong-token"]) {
      const a = await callApi(emu, ep, { objectID: "theme", startTime: "2025-12-12T00:00Z" }, token)
      expect(a.status).toBe(401)
      expect(errorOf(a.json).code).toBe("UNAUTHORIZED")
    }
    const basic = await fetch(`${emu.baseUrl}/external/v2/${ep}`, { method: "POST", headers: { Authorization: `Basic ${emu.token}` } })
    expect(basic.status).toBe(401)
  })

  it.each(["objects", "export"] as const)("403 FORBIDDEN for a token without export rights on %s", async (ep) => {
    const a = await callApi(emu, ep, { objectID: "theme", startTime: "2025-12-12T00:00Z" }, emu.readOnlyToken)
    expect(a.status).toBe(403)
    expect(errorOf(a.json).code).toBe("FORBIDDEN")
  })

  it("404 NOT_FOUND JSON for other paths, 405 for other methods", async () => {
    const origin = emu.baseUrl.replace(/\/export$/, "")
    for (const path of ["/external/v2/export", "/export/external/v1/export", "/export/nope"]) {
      const res = await fetch(origin + path, { method: "POST", headers: { Authorization: `Bearer ${emu.token}` }, body: "{}" })
      expect(res.status).toBe(404)
      expect(errorOf(await res.json()).code).toBe("NOT_FOUND")
    }
    const get = await fetch(`${emu.baseUrl}/external/v2/objects`, { headers: { Authorization: `Bearer ${emu.token}` } })
    expect(get.status).toBe(405)
    errorOf(await get.json())
  })

  it("400 INVALID_REQUEST_ARGUMENT for a body that is not JSON", async () => {
    for (const ep of ["objects", "export"] as const) {
      const a = await callApi(emu, ep, "{not json")
      expect(a.status).toBe(400)
      expect(errorOf(a.json).code).toBe("INVALID_REQUEST_ARGUMENT")
    }
  })
})

describe("objects", () => {
  it("lists the nine core objects and tenant ones, 4 a page, with paginationToken", async () => {
    const ids: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const a = await callApi(emu, "objects", token === undefined ? {} : { paginationToken: token })
      expect(a.status).toBe(200)
      const body = a.json as { objects: Array<{ id: string; name: string; description: string }>; paginationToken?: string }
      expect(body.objects.length).toBeLessThanOrEqual(4)
      for (const o of body.objects) {
        expect(o.name).not.toBe("")
        expect(o.description).not.toBe("")
      }
      ids.push(...body.objects.map((o) => o.id))
      token = body.paginationToken
      pages++
    } while (token !== undefined)
    expect(pages).toBe(3)
    expect(ids).toEqual(emu.objects().map((o) => o.id))
    for (const core of [
      "feedback_record",
      "feedback_summary",
      "product_feedback_envelope",
      "product_taxonomy_hierarchy",
      "product_taxonomy_l1",
      "product_taxonomy_l2",
      "product_taxonomy_l3",
      "theme",
      "subtheme"
    ])
      expect(ids).toContain(core)
    expect(ids).toContain("nps_response")
    expect(ids).toContain("support_ticket_tag")
  })

  it("accepts no body at all, and refuses a forged paginationToken", async () => {
    const res = await fetch(`${emu.baseUrl}/external/v2/objects`, { method: "POST", headers: { Authorization: `Bearer ${emu.token}` } })
    expect(res.status).toBe(200)
    const bad = await callApi(emu, "objects", { paginationToken: Buffer.from('{"offset":1,"t":"x"}').toString("base64url") })
    expect(bad.status).toBe(400)
    expect(errorOf(bad.json).code).toBe("INVALID_REQUEST_ARGUMENT")
  })
})

describe("export arguments", () => {
  it("404 NOT_FOUND for an unknown objectID", async () => {
    const a = await callApi(emu, "export", { objectID: "feedback", startTime: "2025-12-12T00:00Z" })
    expect(a.status).toBe(404)
    expect(errorOf(a.json).code).toBe("NOT_FOUND")
  })

  it("400 naming the field for a missing or malformed startTime or endTime", async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ objectID: "theme" }, "startTime"],
      [{ startTime: "2025-12-12T00:00Z" }, "objectID"],
      [{ objectID: "theme", startTime: "2025-12-12" }, "startTime"],
      [{ objectID: "theme", startTime: "2025-12-12T00:00" }, "startTime"],
      [{ objectID: "theme", startTime: "2025-12-12 00:00Z" }, "startTime"],
      [{ objectID: "theme", startTime: "2025-12-12T00:00+01:00" }, "startTime"],
      [{ objectID: "theme", startTime: "2025-13-12T00:00Z" }, "startTime"],
      [{ objectID: "theme", startTime: "2025-02-30T00:00Z" }, "startTime"],
      [{ objectID: "theme", startTime: 1765497600 }, "startTime"],
      [{ objectID: "theme", startTime: "2025-12-12T00:00Z", endTime: "tomorrow" }, "endTime"],
      [{ objectID: "theme", startTime: "2025-12-13T00:00Z", endTime: "2025-12-12T00:00Z" }, "startTime"]
    ]
    for (const [body, field] of cases) {
      const a = await callApi(emu, "export", body)
      expect(a.status, JSON.stringify(body)).toBe(400)
      const e = errorOf(a.json)
      expect(e.code).toBe("INVALID_REQUEST_ARGUMENT")
      expect(e.message).toContain(field)
    }
  })

  it("accepts both time forms and fractional seconds, with identical results", async () => {
    const forms = [
      ["2025-12-13T00:00Z", "2025-12-14T00:00Z"],
      ["2025-12-13T00:00:00Z", "2025-12-14T00:00:00Z"],
      ["2025-12-13T00:00:00.000Z", "2025-12-14T00:00:00.000Z"]
    ] as const
    const paths = await Promise.all(
      forms.map(async ([s, e]) => (await exportAll(emu, "feedback_record", s, e)).map((u) => new URL(u).pathname))
    )
    expect(paths[0]?.length).toBeGreaterThan(0)
    expect(paths[1]).toEqual(paths[0])
    expect(paths[2]).toEqual(paths[0])
  })

  it("rounds window bounds down to the hour", async () => {
    const exact = (await exportAll(emu, "feedback_record", "2025-12-13T05:00Z", "2025-12-13T20:00Z")).map((u) => new URL(u).pathname)
    const odd = (await exportAll(emu, "feedback_record", "2025-12-13T05:59Z", "2025-12-13T20:45:10Z")).map((u) => new URL(u).pathname)
    expect(odd).toEqual(exact)
    const t = emu.groundTruth("feedback_record", "2025-12-13T05:00Z", "2025-12-13T20:00Z")
    expect(emu.groundTruth("feedback_record", "2025-12-13T05:59Z", "2025-12-13T20:45Z")).toEqual(t)
  })

  it("equal bounds give no files; endTime defaults to the clock's now", async () => {
    const same = await callApi(emu, "export", { objectID: "feedback_record", startTime: "2025-12-13T05:10Z", endTime: "2025-12-13T05:50Z" })
    expect(same.json).toEqual({ files: [] })
    const dflt = await exportAll(emu, "feedback_record", "2025-12-12T00:00Z")
    const explicit = await exportAll(emu, "feedback_record", "2025-12-12T00:00Z", "2025-12-15T10:00Z")
    expect(dflt.map((u) => new URL(u).pathname)).toEqual(explicit.map((u) => new URL(u).pathname))
  })
})

describe("export cursors", () => {
  it("pages files 2 at a time with an opaque cursor, and no cursor on the last page", async () => {
    const body = { objectID: "feedback_record", startTime: "2025-12-12T00:00Z", endTime: "2025-12-15T10:00Z" }
    const first = asPage((await callApi(emu, "export", body)).json)
    expect(first.files).toHaveLength(2)
    expect(first.cursor).toBeTypeOf("string")
    const all = await exportAll(emu, body.objectID, body.startTime, body.endTime)
    expect(all.length).toBeGreaterThan(10)
    const wide = await startEmulator({ seed: "api", now: NOW, filesPerPage: 1000, rateLimits: NO_LIMITS })
    try {
      const one = asPage((await callApi(wide, "export", body)).json)
      expect(one.cursor).toBeUndefined()
      expect(one.files.map((u) => new URL(u).pathname.split("/").pop()?.split(".")[0])).toEqual(
        all.map((u) => new URL(u).pathname.split("/").pop()?.split(".")[0])
      )
    } finally {
      await wide.close()
    }
  })

  it("refuses a cursor of another request, a forged one, and the document's example cursor", async () => {
    const body = { objectID: "feedback_record", startTime: "2025-12-12T00:00Z", endTime: "2025-12-15T10:00Z" }
    const cursor = asPage((await callApi(emu, "export", body)).json).cursor
    const others = [
      { ...body, objectID: "feedback_summary", cursor },
      { ...body, startTime: "2025-12-12T01:00Z", cursor },
      { ...body, cursor: `${cursor ?? ""}x` },
      { ...body, cursor: "eyJsYXN0S2V5IjoiMjAyNS0xMi0xNCJ9" }
    ]
    for (const b of others) {
      const a = await callApi(emu, "export", b)
      expect(a.status).toBe(400)
      expect(errorOf(a.json).code).toBe("INVALID_REQUEST_ARGUMENT")
    }
  })
})
