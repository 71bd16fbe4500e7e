import { connectionSpecification } from "../config/spec.js"
import { VERSION } from "../version.js"

/**
 * What `--about` says (the Meltano Singer SDK's `--about` shape, which Meltano reads with
 * `--format=json`): name, description, version, the Singer capabilities this tap has, and its
 * settings as a JSON schema, the token marked `secret` and `writeOnly`.
 */

export const TAP_NAME = "tap-enterpret"
const DESCRIPTION =
  "Singer tap for the Enterpret Knowledge Graph Export API: incremental in hour-aligned export windows, rate-limited, fault-tolerant"

/** `catalog`: reads `--catalog`; `discover`: `--discover`; `state`: `--state` and STATE; `about`: this. */
export const CAPABILITIES = ["catalog", "discover", "state", "about"] as const

const SECRET_FIELDS = new Set(["api_token"])

type JsonObject = { [key: string]: unknown }

/** The config's JSON schema without Airbyte's form keys, secrets marked the Singer SDK's way. */
const settingsSchema = (): JsonObject => {
  const { $schema: _schema, ...spec } = connectionSpecification()
  const properties = Object.fromEntries(
    Object.entries(spec.properties as Record<string, JsonObject>).map(([name, { order: _order, airbyte_secret: _secret, ...rest }]) => [
      name,
      SECRET_FIELDS.has(name) ? { ...rest, secret: true, writeOnly: true } : rest
    ])
  )
  return { ...spec, properties }
}

export const aboutJson = () => ({
  name: TAP_NAME,
  description: DESCRIPTION,
  version: VERSION,
  capabilities: [...CAPABILITIES],
  settings: settingsSchema()
})

const cell = (value: unknown) =>
  value === undefined ? "" : String(typeof value === "string" ? value : JSON.stringify(value)).replaceAll("|", "\\|")

export const aboutMarkdown = (): string => {
  const settings = settingsSchema()
  const required = new Set(settings.required as ReadonlyArray<string>)
  const rows = Object.entries(settings.properties as Record<string, JsonObject>).map(
    ([name, p]) =>
      `| ${name} | ${cell(p.type)} | ${required.has(name) ? "yes" : "no"} | ${p.secret === true ? "yes" : "no"} | ${cell(p.default)} | ${cell(p.description)} |`
  )
  return [
    `# \`${TAP_NAME}\``,
    "",
    DESCRIPTION,
    "",
    `Version: ${VERSION}`,
    "",
    "## Capabilities",
    "",
    ...CAPABILITIES.map((c) => `* \`${c}\``),
    "",
    "## Settings",
    "",
    "| Setting | Type | Required | Secret | Default | Description |",
    "|:--------|:-----|:--------:|:------:|:--------|:------------|",
    ...rows,
    ""
  ].join("\n")
}
