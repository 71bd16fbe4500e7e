// Opaque tokens: export cursors, objects pagination tokens and file references in signed URL paths.
// All are base64url JSON; cursors and pagination tokens carry a MAC so tampering is refused.
import type { Snapshot } from "./files.js"

export type FileRef = { k: "w"; snap: Snapshot; i: number } | { k: "b"; o: string; i: number } | { k: "r"; o: string; h: number; i: number }

export function b64(value: unknown): string {
  return Buffer.from(JSON.stringify(value), "utf8").toString("base64url")
}

export function unb64(token: string): unknown {
  try {
    return JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as unknown
  } catch {
    return undefined
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
}

function isSnapshot(v: unknown): v is Snapshot {
  return (
    isRecord(v) &&
    typeof v.objectId === "string" &&
    typeof v.startMs === "number" &&
    typeof v.endMs === "number" &&
    typeof v.nowMs === "number" &&
    typeof v.revision === "number" &&
    (v.malformed === 0 || v.malformed === 1)
  )
}

export interface ExportCursor {
  snap: Snapshot
  /** index of the next file */
  p: number
}

export function encodeCursor(c: ExportCursor, mac: (s: string) => string): string {
  const body = JSON.stringify(c)
  return b64({ c, t: mac(`cursor:${body}`).slice(0, 16) })
}

export function decodeCursor(token: string, mac: (s: string) => string): ExportCursor | undefined {
  const v = unb64(token)
  if (!isRecord(v) || !isRecord(v.c) || typeof v.t !== "string") return undefined
  const c = v.c
  if (!isSnapshot(c.snap) || typeof c.p !== "number") return undefined
  const cursor: ExportCursor = { snap: c.snap, p: c.p }
  return mac(`cursor:${JSON.stringify(cursor)}`).slice(0, 16) === v.t ? cursor : undefined
}

export function encodePageToken(offset: number, mac: (s: string) => string): string {
  return b64({ offset, t: mac(`objects:${offset}`).slice(0, 16) })
}

export function decodePageToken(token: string, mac: (s: string) => string): number | undefined {
  const v = unb64(token)
  if (!isRecord(v) || typeof v.offset !== "number" || typeof v.t !== "string") return undefined
  return mac(`objects:${v.offset}`).slice(0, 16) === v.t ? v.offset : undefined
}

/** `/enterpret-exports/org-x/feedback_record/2025-12-12T10-part-0.<ref>.csv` */
export function filePath(org: string, objectId: string, label: string, ref: FileRef): string {
  return `/enterpret-exports/${org}/${encodeURIComponent(objectId)}/${label}.${b64(ref)}.csv`
}

export function parseFilePath(path: string): FileRef | undefined {
  const last = path.slice(path.lastIndexOf("/") + 1)
  const m = /\.([A-Za-z0-9_-]+)\.csv$/.exec(last)
  if (m === null || m[1] === undefined) return undefined
  const v = unb64(m[1])
  if (!isRecord(v) || typeof v.i !== "number") return undefined
  if (v.k === "w" && isSnapshot(v.snap)) return { k: "w", snap: v.snap, i: v.i }
  if (v.k === "b" && typeof v.o === "string") return { k: "b", o: v.o, i: v.i }
  if (v.k === "r" && typeof v.o === "string" && typeof v.h === "number") return { k: "r", o: v.o, h: v.h, i: v.i }
  return undefined
}
