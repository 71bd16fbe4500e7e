// The sync layer's own error (a file's content), and how every failure a command meets is reported.
import { Duration, Effect, Schema } from "effect"
import type { InputError } from "../config/inputFile.js"
import type { ApiError, DownloadError } from "../enterpret/errors.js"
import { MAX_WAIT_MS } from "../enterpret/retryAfter.js"
import { cutBetweenWords } from "../output/redaction.js"
import { OutputClosed } from "../output/writer.js"

/** A file whose content is not the CSV the header promises; fails its window, names the line. */
export class FileContentError extends Schema.TaggedError<FileContentError>()("FileContentError", {
  stream: Schema.String,
  file: Schema.String,
  line: Schema.Number,
  detail: Schema.String
}) {
  override get message() {
    return `Stream ${this.stream}: file ${this.file}, line ${this.line}: ${this.detail}`
  }
}

/**
 * A defect (a bug, or a fault no error type foresaw) turned into a failure, so that it is
 * reported like any other instead of ending the process without a word.
 */
export class InternalError extends Schema.TaggedError<InternalError>()("InternalError", {
  message: Schema.String
}) {}

/**
 * A defect as an InternalError, its message cut to 300 characters between words (the output masks
 * the token only when the message is written, and a cut inside it would keep its first
 * characters) and never a stack. A closed stdout stays a defect: nothing can be reported any more
 * and the command must stop.
 */
export const defectAsFailure = (defect: unknown): Effect.Effect<never, InternalError> => {
  if (defect instanceof OutputClosed) return Effect.die(defect)
  const text = defect instanceof Error ? `${defect.name}: ${defect.message}` : String(defect)
  return Effect.fail(new InternalError({ message: cutBetweenWords(text, 300) }))
}

/** Every failure a command can meet: the API's, the file host's, a file's content, an input file. */
export type SyncError = ApiError | DownloadError | FileContentError | InputError | InternalError

/**
 * Who can mend a failure: the user's config (or input), the connector or the API, or time (a
 * retry later). The words are Airbyte's `failure_type`, which the Singer tap prints as they are.
 */
export type FailureType = "config_error" | "system_error" | "transient_error"

export interface FailureReport {
  readonly failureType: FailureType
  /** For a person: what happened and what to do. */
  readonly message: string
  readonly internal: string
}

/** Maps each failure to Airbyte's `failure_type` and a message a user can act on. */
export const describeFailure = (error: SyncError): FailureReport => {
  switch (error._tag) {
    case "InputError":
      return { failureType: "config_error", message: error.message, internal: error.file }
    case "ApiAuthError":
      return {
        failureType: "config_error",
        message:
          error.status === 401
            ? "Enterpret rejected the API token (401 UNAUTHORIZED). Check api_token: it may be wrong or expired."
            : "The API token lacks export rights (403 FORBIDDEN). Ask an Enterpret admin for a token with Export API access.",
        internal: error.message
      }
    case "ObjectRefused": {
      const said = `${error.status} ${error.code ?? (error.status === 403 ? "FORBIDDEN" : "NOT_FOUND")}: ${error.detail}`
      return {
        failureType: "config_error",
        message:
          error.status === 403
            ? `Enterpret refused to export ${error.objectId} (${said}). The API token has no rights to this object: ask an Enterpret admin for access, or remove the stream ${error.objectId} from the connection. The other streams go on.`
            : `Enterpret has no exportable object ${error.objectId} (${said}). Refresh the source schema and remove the stream if it is gone. The other streams go on.`,
        internal: error.message
      }
    }
    case "ApiRequestError":
      return { failureType: "system_error", message: `Enterpret rejected a request: ${error.message}`, internal: error.message }
    case "InvalidResponse":
      return { failureType: "system_error", message: `While ${error.what}, ${error.message}`, internal: error.message }
    case "WaitTooLong":
      return {
        failureType: "transient_error",
        message: `While ${error.what}, the server answered 429 asking to wait ${Number.isFinite(error.waitMs) ? Duration.format(Duration.millis(error.waitMs)) : "forever"} (Retry-After: ${error.retryAfter}), longer than the ${MAX_WAIT_MS / 60_000} minutes one wait may take. The stream stops; the next sync resumes from its last checkpoint.`,
        internal: `429 Retry-After ${error.retryAfter} while ${error.what}`
      }
    case "RateLimited":
      return {
        failureType: "transient_error",
        message: `Still rate limited (429) after every retry while ${error.what}. Lower export_requests_per_minute or sync later.`,
        internal: `429 while ${error.what}`
      }
    case "TransientError":
      return {
        failureType: "transient_error",
        message: `Gave up after retries while ${error.what}: ${error.message}. The next sync resumes from the last checkpoint.`,
        internal: error.message
      }
    case "CertificateRejected":
      return {
        failureType: "config_error",
        message: `While ${error.what}, the host's TLS certificate could not be verified (${error.message}); retrying would not change it. If a proxy between this machine and that host intercepts TLS, give Node its CA certificate: NODE_EXTRA_CA_CERTS=/path/to/ca.pem.`,
        internal: `${error.code} while ${error.what}`
      }
    case "UrlExpired": {
      const answer = `HTTP ${error.status ?? 403}${error.code === undefined ? "" : ` ${error.code}`}`
      return {
        failureType: "transient_error",
        message: `The signed URL of ${error.file} kept expiring (${answer} from the file host) although fresh URLs were requested.`,
        internal: `${answer} for ${error.file}`
      }
    }
    case "DownloadRejected": {
      const answer = `HTTP ${error.status}${error.code === undefined ? "" : ` ${error.code}`}${error.detail === undefined ? "" : ` (${error.detail})`}`
      return {
        failureType: "system_error",
        message: `The file host answered ${answer} for ${error.file}.`,
        internal: `${answer} for ${error.file}`
      }
    }
    case "UnreadableBody":
      return {
        failureType: "system_error",
        message: `The file host sent ${error.detail} for ${error.file}; no record of it was emitted and the stream's state stays before its window. A proxy or firewall between this host and the file host may answer in its place.`,
        internal: `unreadable body for ${error.file}`
      }
    case "FileContentError":
      return { failureType: "system_error", message: error.message, internal: error.detail }
    case "InternalError":
      return {
        failureType: "system_error",
        message: `The connector met an internal error (${error.message}). Please report it with this message; the next sync resumes from the last checkpoint.`,
        internal: error.message
      }
  }
}
