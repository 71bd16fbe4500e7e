// The two API operations: list exportable objects, and export an object's window as signed URLs.
import type { Ctx } from "./context.js"
import type { Snapshot } from "./files.js"
import { replicaFileHours } from "./replicaTenant.js"
import { floorHour, HOUR, isoSeconds, parseApiTime } from "./timeFormat.js"
import { decodeCursor, decodePageToken, encodeCursor, encodePageToken, filePath, type FileRef } from "./tokens.js"

export interface Reply {
  status: number
  body: unknown
}

function bad(message: string): Reply {
  return { status: 400, body: { error: { code: "INVALID_REQUEST_ARGUMENT", message } } }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

export function listObjects(body: unknown, ctx: Ctx): Reply {
  if (body !== undefined && !isRecord(body)) return bad("request body must be a JSON object")
  const token = body?.paginationToken
  let offset = 0
  if (token !== undefined && token !== null && token !== "") {
    if (typeof token !== "string") return bad("paginationToken must be a string")
    const decoded = decodePageToken(token, (s) => ctx.signer.mac(s))
    if (decoded === undefined || decoded < 0 || decoded >= ctx.catalog.length) return bad("paginationToken is invalid")
    offset = decoded
  }
  const page = ctx.catalog.slice(offset, offset + ctx.objectsPageSize)
  const next = offset + ctx.objectsPageSize
  return {
    status: 200,
    body: {
      objects: page.map((d) => ({ id: d.id, name: d.name, description: d.description })),
      ...(next < ctx.catalog.length ? { paginationToken: encodePageToken(next, (s) => ctx.signer.mac(s)) } : {})
    }
  }
}

const TIME_HINT = 'in the format YYYY-MM-DDTHH:MMZ (e.g. "2025-12-12T00:00Z")'

function timeField(body: Record<string, unknown>, field: "startTime" | "endTime"): number | Reply | undefined {
  const v = body[field]
  if (v === undefined || v === null) return field === "startTime" ? bad(`startTime is required, ${TIME_HINT}`) : undefined
  if (typeof v !== "string") return bad(`${field} must be a string ${TIME_HINT}`)
  const ms = parseApiTime(v)
  return ms === undefined ? bad(`${field} must be ${TIME_HINT}; got ${JSON.stringify(v)}`) : ms
}

/** File references of a snapshot: the window's files, or the bench object's files. */
function fileRefs(ctx: Ctx, snap: Snapshot): Array<{ ref: FileRef; label: string }> {
  const def = ctx.catalog.find((d) => d.id === snap.objectId)
  if (def?.kind === "bench") {
    const h = ctx.bench.hour
    if (!(h >= snap.startMs && h < snap.endMs && h <= snap.nowMs)) return []
    return ctx.bench.files
      .filter((f) => f.objectId === snap.objectId)
      .map((_, i) => ({ ref: { k: "b", o: snap.objectId, i }, label: `${isoSeconds(h).slice(0, 13)}-part-${i}` }))
  }
  if (ctx.replica !== undefined) {
    const span = { start: ctx.replica.span.start, end: Math.min(ctx.replica.span.end, floorHour(snap.nowMs) + HOUR) }
    return replicaFileHours(snap.objectId, snap.startMs, snap.endMs, span).map((h) => ({
      ref: { k: "r", o: snap.objectId, h, i: 0 },
      label: `${isoSeconds(h).slice(0, 13)}-part-0`
    }))
  }
  return ctx.files.list(snap).map((f, i) => ({
    ref: { k: "w", snap, i },
    label: `${isoSeconds(f.hour).slice(0, 13)}-part-${f.part}`
  }))
}

export function exportObject(body: unknown, ctx: Ctx): Reply {
  if (!isRecord(body)) return bad("request body must be a JSON object with objectID and startTime")
  const objectID = body.objectID
  if (typeof objectID !== "string" || objectID === "") return bad("objectID is required (a string)")
  const start = timeField(body, "startTime")
  if (typeof start === "object") return start
  const end = timeField(body, "endTime")
  if (typeof end === "object") return end
  if (start === undefined) return bad("startTime is required")
  const cursorRaw = body.cursor
  if (cursorRaw !== undefined && cursorRaw !== null && typeof cursorRaw !== "string") return bad("cursor must be a string")
  if (!ctx.catalog.some((d) => d.id === objectID)) {
    return { status: 404, body: { error: { code: "NOT_FOUND", message: `object ${JSON.stringify(objectID)} not found` } } }
  }
  const s = floorHour(start)
  const now = ctx.clock.nowMs()
  const cursor = typeof cursorRaw === "string" && cursorRaw !== "" ? decodeCursor(cursorRaw, (x) => ctx.signer.mac(x)) : undefined
  if (typeof cursorRaw === "string" && cursorRaw !== "" && cursor === undefined) return bad("cursor is invalid")
  const e = end !== undefined ? floorHour(end) : cursor !== undefined ? cursor.snap.endMs : floorHour(now)
  if (s > e) return bad("startTime must not be after endTime (both are rounded down to the hour)")
  if (cursor !== undefined && (cursor.snap.objectId !== objectID || cursor.snap.startMs !== s || cursor.snap.endMs !== e)) {
    return bad("cursor does not belong to this objectID, startTime and endTime")
  }
  if (s === e) return { status: 200, body: { files: [] } }
  const snap: Snapshot = cursor?.snap ?? {
    objectId: objectID,
    startMs: s,
    endMs: e,
    nowMs: now,
    revision: ctx.ds.rev,
    malformed: ctx.faults.isMalformed(objectID) ? 1 : 0
  }
  const from = cursor?.p ?? 0
  const refs = fileRefs(ctx, snap)
  const page = refs.slice(from, from + ctx.filesPerPage)
  const files = page.map(({ ref, label }) => {
    const path = filePath(ctx.org, objectID, label, ref)
    return `${ctx.storageUrl()}${path}?${ctx.signer.sign(path)}`
  })
  const next = from + ctx.filesPerPage
  return {
    status: 200,
    body: {
      files,
      ...(next < refs.length ? { cursor: encodeCursor({ snap, p: next }, (x) => ctx.signer.mac(x)) } : {})
    }
  }
}
