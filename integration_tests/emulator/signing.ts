// S3-style presigned URLs: an HMAC over path, date and lifetime; expiry measured in real time.
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto"
import { amzDate, parseAmzDate } from "./timeFormat.js"

export type Verdict =
  | { ok: true }
  | { ok: false; code: "SignatureDoesNotMatch" | "AccessDenied"; message: string; details: Record<string, string> }

export class Signer {
  private readonly secret = randomBytes(32)

  constructor(private readonly ttlSeconds: number) {}

  mac(text: string): string {
    return createHmac("sha256", this.secret).update(text).digest("hex")
  }

  private stringToSign(path: string, date: string, expires: string): string {
    return `AWS4-HMAC-SHA256\n${date}\n${expires}\n${path}`
  }

  /** The query string (without "?") that signs `path` now. */
  sign(path: string, nowMs: number = Date.now()): string {
    // X-Amz-Date has whole seconds: round up, so that a URL lives at least its TTL
    const date = amzDate(Math.ceil(nowMs / 1000) * 1000)
    const expires = String(this.ttlSeconds)
    const q = new URLSearchParams({
      "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
      "X-Amz-Credential": `EMULATORKEY/${date.slice(0, 8)}/us-east-1/s3/aws4_request`,
      "X-Amz-Date": date,
      "X-Amz-Expires": expires,
      "X-Amz-SignedHeaders": "host",
      "X-Amz-Signature": this.mac(this.stringToSign(path, date, expires))
    })
    return q.toString()
  }

  verify(path: string, query: URLSearchParams, nowMs: number = Date.now()): Verdict {
    const date = query.get("X-Amz-Date")
    const expires = query.get("X-Amz-Expires")
    const signature = query.get("X-Amz-Signature")
    if (date === null || expires === null || signature === null) {
      return {
        ok: false,
        code: "AccessDenied",
        message: "Query-string authentication requires the X-Amz-Signature, X-Amz-Date and X-Amz-Expires parameters",
        details: {}
      }
    }
    const expected = Buffer.from(this.mac(this.stringToSign(path, date, expires)), "utf8")
    const given = Buffer.from(signature, "utf8")
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return {
        ok: false,
        code: "SignatureDoesNotMatch",
        message: "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
        details: { SignatureProvided: signature }
      }
    }
    const issued = parseAmzDate(date)
    const ttl = Number(expires)
    if (issued === undefined || !Number.isInteger(ttl)) {
      return { ok: false, code: "AccessDenied", message: "X-Amz-Date or X-Amz-Expires is malformed", details: {} }
    }
    const expiresAt = issued + ttl * 1000
    if (nowMs >= expiresAt) {
      return {
        ok: false,
        code: "AccessDenied",
        message: "Request has expired",
        details: {
          "X-Amz-Expires": expires,
          Expires: new Date(expiresAt).toISOString(),
          ServerTime: new Date(nowMs).toISOString()
        }
      }
    }
    return { ok: true }
  }
}
