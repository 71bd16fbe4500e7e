import { JSONSchema } from "effect"
import { HOUR_PATTERN, START_HOUR_PATTERN } from "./hours.js"
import { ConfigSchema } from "./schema.js"

export const DOCUMENTATION_URL = "https://github.com/source-enterpret/source-enterpret#readme"

const SECRET_FIELDS = new Set(["api_token"])

/**
 * What Airbyte's form shows for a whole-hour field instead of HOUR_PATTERN, a regex of about 250
 * characters that no user reads.
 */
export const HOUR_PATTERN_DESCRIPTOR = "YYYY-MM-DD or YYYY-MM-DDTHH:00Z (a whole UTC hour)"

type JsonObject = { [key: string]: unknown }

/**
 * Derives the Airbyte `connectionSpecification` from the config schema: Effect's JSON Schema,
 * plus what Airbyte's form needs (`order`, `airbyte_secret`, `pattern_descriptor`) and
 * `additionalProperties: true`, since Airbyte adds fields of its own to a config.
 */
export const connectionSpecification = (): JsonObject => {
  const schema = JSONSchema.make(ConfigSchema) as unknown as JsonObject
  const properties = schema.properties as Record<string, JsonObject>
  Object.entries(properties).forEach(([name, property], order) => {
    property.order = order
    if (SECRET_FIELDS.has(name)) property.airbyte_secret = true
    if (property.pattern === HOUR_PATTERN || property.pattern === START_HOUR_PATTERN) property.pattern_descriptor = HOUR_PATTERN_DESCRIPTOR
  })
  return { ...schema, additionalProperties: true }
}

/**
 * The SPEC payload. No `supportsIncremental` (deprecated in the protocol: Airbyte reads
 * incremental support from each stream's `supported_sync_modes`) and no
 * `supported_destination_sync_modes` (a destination's key).
 */
export const connectorSpecification = () => ({
  documentationUrl: DOCUMENTATION_URL,
  connectionSpecification: connectionSpecification()
})
