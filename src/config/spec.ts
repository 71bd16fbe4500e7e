import { JSONSchema } from "effect"
import { ConfigSchema } from "./schema.js"

export const DOCUMENTATION_URL = "https://github.com/source-enterpret/source-enterpret#readme"

const SECRET_FIELDS = new Set(["api_token"])

type JsonObject = { [key: string]: unknown }

/**
 * Derives the Airbyte `connectionSpecification` from the config schema: Effect's JSON Schema,
 * plus what Airbyte's form needs (`order`, `airbyte_secret`) and `additionalProperties: true`,
 * since Airbyte adds fields of its own to a config.
 */
export const connectionSpecification = (): JsonObject => {
  const schema = JSONSchema.make(ConfigSchema) as unknown as JsonObject
  const properties = schema["properties"] as Record<string, JsonObject>
  Object.entries(properties).forEach(([name, property], order) => {
    property["order"] = order
    if (SECRET_FIELDS.has(name)) property["airbyte_secret"] = true
  })
  return { ...schema, additionalProperties: true }
}

export const connectorSpecification = () => ({
  documentationUrl: DOCUMENTATION_URL,
  connectionSpecification: connectionSpecification(),
  supportsIncremental: true,
  supported_destination_sync_modes: ["append", "append_dedup", "overwrite"]
})
