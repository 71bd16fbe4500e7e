// Validates every message a test sees against the official Airbyte protocol schema, vendored in
// ./airbyte-protocol (MIT, airbytehq/airbyte-protocol v0.18.0; see its README.md) so that a fresh
// clone tests alone.
import { Ajv, type ValidateFunction } from "ajv"
import addFormatsModule from "ajv-formats"
import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"

// Only the tests (run by vitest from source) validate; the compiled copy in build/ never does.
const schemaPath = fileURLToPath(new URL("./airbyte-protocol/airbyte_protocol.yaml", import.meta.url))

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

let validator: ValidateFunction | undefined

const airbyteMessageValidator = (): ValidateFunction => {
  if (validator !== undefined) return validator
  const document = parse(readFileSync(schemaPath, "utf8")) as Record<string, unknown>
  // The protocol schema uses Java codegen keywords (existingJavaType) that Ajv does not know.
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  ajv.addSchema({ ...document, $id: "airbyte_protocol.yaml" })
  validator = ajv.compile({ $ref: "airbyte_protocol.yaml#/definitions/AirbyteMessage" })
  return validator
}

export type AirbyteMessage = { type: string } & Record<string, unknown>

/** Parses one stdout line and throws, naming the line, unless it is a valid AirbyteMessage. */
export const parseMessage = (line: string): AirbyteMessage => {
  let value: unknown
  try {
    value = JSON.parse(line)
  } catch {
    throw new Error(`stdout line is not JSON: ${line.slice(0, 300)}`)
  }
  const validate = airbyteMessageValidator()
  if (!validate(value)) {
    throw new Error(`stdout line is not a valid AirbyteMessage (${JSON.stringify(validate.errors)}): ${line.slice(0, 300)}`)
  }
  const message = value as AirbyteMessage
  // The schema leaves the payload optional; a message of a type must carry that type's payload.
  const payload: Record<string, string> = {
    RECORD: "record",
    STATE: "state",
    LOG: "log",
    SPEC: "spec",
    CONNECTION_STATUS: "connectionStatus",
    CATALOG: "catalog",
    TRACE: "trace"
  }
  const key = payload[message.type]
  if (key === undefined || typeof message[key] !== "object" || message[key] === null) {
    throw new Error(`stdout ${message.type} message lacks its "${key}" payload: ${line.slice(0, 300)}`)
  }
  return message
}
