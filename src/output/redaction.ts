/**
 * Masks secrets (the configured API token) in everything the connector writes, whatever its
 * source: an API or proxy error body that repeats the Authorization header, a file host's
 * answer, a record. Messages are masked value by value, so the JSON around them stays intact.
 */

const MASK = "****"
const STAR = 0x2a

/**
 * Below this length a "secret" is no real token (Enterpret's are far longer) and could equal
 * ordinary text (`RECORD`, a stream name), so it is masked only in the messages meant for
 * people, never in protocol fields or record data.
 */
const MIN_EVERYWHERE = 8

const HUMAN_FIELDS = new Set(["message", "internal_message"])

/**
 * Shorter values are not masked at all: a placeholder such as `x` is no token Enterpret could
 * accept, and masking every `x` would garble every message.
 */
const MIN_MASKED = 4

interface Secret {
  readonly text: string
  /**
   * The secret as it appears inside a JSON string (a record's data): the same text, unless it
   * holds `"` or `\`, which JSON escapes. A token is visible ASCII (config/schema.ts), so these
   * are the only characters that change.
   */
  readonly inJson: string
  /** `inJson`'s UTF-8. */
  readonly bytes: Buffer
  readonly everywhere: boolean
}

/** A secret's text inside a JSON string. */
const jsonForm = (secret: string): string => JSON.stringify(secret).slice(1, -1)

/**
 * `text` with `secret` masked, as it is and as it appears inside a JSON string (an API's error
 * body quotes the header it rejected, and an echoed JSON body escapes it), by the redactor's
 * rules: `forPeople` text (a message) from 4 characters, anything else from 8. For text cut
 * before it is shown (an error body cut to 200 characters): masked first, so that the cut
 * never leaves a token's first characters standing where the whole would have been masked.
 */
export const maskSecret = (text: string, secret: string, forPeople: boolean): string => {
  if (secret.length < (forPeople ? MIN_MASKED : MIN_EVERYWHERE)) return text
  // The escaped form first: a token ending in `\` is a prefix of its own escaped form's text.
  const inJson = jsonForm(secret)
  let out = inJson !== secret && text.includes(inJson) ? text.replaceAll(inJson, MASK) : text
  if (out.includes(secret)) out = out.replaceAll(secret, MASK)
  return out
}

/** HTML's character references a page may write a token's characters with (`&#47;`, `&#x2F;`, `&sol;`). */
const REFERENCES: Readonly<Record<string, string>> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", sol: "/", plus: "+", equals: "=" }
const readReferences = (text: string): string =>
  text.replace(/&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]{2,6});/gi, (reference, body: string) => {
    if (!body.startsWith("#")) return REFERENCES[body.toLowerCase()] ?? reference
    const code = body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1))
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : reference
  })

/**
 * An answer from elsewhere (the API's error body) as a message may quote it, `secret` masked in
 * every form it may be written in: a JSON body read (its escapes `\/` and `\u0061` decoded) with
 * every string masked and written again, any other body with HTML's character references read.
 * Masked before the message cuts it, so that no cut leaves the token's first characters.
 */
export const maskAnswer = (text: string, secret: string): string => {
  if (secret.length < MIN_MASKED) return text
  let shown: string
  try {
    shown = JSON.stringify(
      JSON.parse(text, (_key, value: unknown) => (typeof value === "string" ? maskSecret(value, secret, true) : value))
    )
  } catch {
    shown = readReferences(text)
  }
  return maskSecret(shown, secret, true)
}

/**
 * `text` cut to at most `max` characters for a message that is masked only later (an internal
 * error's, which the output's redactor masks when it is written), at a character no token holds:
 * a space, a control character or anything past ASCII (a token is visible ASCII,
 * config/schema.ts). A cut inside a token would keep its first characters where the whole token
 * would have been masked, so the word the cut falls in is left out whole; a first word longer
 * than `max` leaves only the ellipsis.
 */
export const cutBetweenWords = (text: string, max: number): string => {
  if (text.length <= max) return text
  for (let at = max; at > 0; at--) {
    const code = text.charCodeAt(at)
    // Not before a low surrogate: that would keep its high surrogate alone, half a character.
    if (code <= 0x20 || (code >= 0x7f && (code < 0xdc00 || code > 0xdfff))) return `${text.slice(0, at)}…`
  }
  return "…"
}

export const makeRedactor = () => {
  const secrets: Array<Secret> = []
  let recordSecrets: Array<Secret> = []

  const maskText = (text: string, key: string): string => {
    let out = text
    for (const secret of secrets) out = maskSecret(out, secret.text, HUMAN_FIELDS.has(key))
    return out
  }
  const replacer = (key: string, value: unknown) => (typeof value === "string" ? maskText(value, key) : value)

  return {
    add: (secret: string): void => {
      if (secret.length < MIN_MASKED || secrets.some((s) => s.text === secret)) return
      const inJson = jsonForm(secret)
      secrets.push({ text: secret, inJson, bytes: Buffer.from(inJson, "utf8"), everywhere: secret.length >= MIN_EVERYWHERE })
      recordSecrets = secrets.filter((s) => s.everywhere)
    },
    /** Free text for people (a stderr line): every secret masked. */
    text: (text: string): string => maskText(text, "message"),
    /** The message as one JSON line (without the newline), every secret masked. */
    message: (message: unknown): string => (secrets.length === 0 ? JSON.stringify(message) : JSON.stringify(message, replacer)),
    /**
     * Serialised record lines, masked in place with as many `*` as the secret has bytes, so that
     * the hot path neither copies nor re-encodes: one `indexOf` pass a batch (about 6 GB/s on
     * this machine against records written at a few hundred MB/s).
     */
    lines: <T extends string | Uint8Array>(lines: T): T => {
      if (recordSecrets.length === 0) return lines
      if (typeof lines === "string") {
        let out: string = lines
        for (const secret of recordSecrets)
          if (out.includes(secret.inJson)) out = out.replaceAll(secret.inJson, "*".repeat(secret.inJson.length))
        return out as T
      }
      const view = Buffer.from(lines.buffer, lines.byteOffset, lines.byteLength)
      for (const secret of recordSecrets) {
        const bytes = secret.bytes
        for (let at = view.indexOf(bytes); at !== -1; at = view.indexOf(bytes, at + bytes.length)) view.fill(STAR, at, at + bytes.length)
      }
      return lines
    }
  }
}
