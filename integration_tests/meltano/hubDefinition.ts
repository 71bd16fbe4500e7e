// The MeltanoHub definition of tap-enterpret (issue 23), generated so that it cannot drift: the
// name, capabilities and settings come from the tap's own `--about --format=json` (whose settings
// are the connector's spec, src/config/spec.ts), the default selection from metadata.yaml's
// suggested streams; only what neither says (namespace, variant, label, links, keywords, quality)
// is written here. `npm run hub:meltano` writes it to meltano/extractors/tap-enterpret/
// source-enterpret.yml, the path MeltanoHub keeps it at (_data/meltano/extractors/<name>/<variant>.yml);
// integration_tests/e2e/meltanoHub.test.ts regenerates it, compares and validates it against the
// Hub's schema.
import { stringify } from "yaml"

export const HUB_FILE = "meltano/extractors/tap-enterpret/source-enterpret.yml"

const REPO = "https://github.com/source-enterpret/source-enterpret"

type JsonObject = { [key: string]: unknown }

/** What `tap-enterpret --about --format=json` prints (the Singer SDK's shape). */
export interface About {
  readonly name: string
  readonly description: string
  readonly capabilities: ReadonlyArray<string>
  readonly settings: { readonly required?: ReadonlyArray<string>; readonly properties: Record<string, JsonObject> }
}

export interface HubSetting {
  name: string
  label?: string
  description?: string
  kind: string
  value?: unknown
  placeholder?: string
  options?: Array<{ label: string; value: string }>
  sensitive?: boolean
}

/**
 * A setting's Hub kind (base_setting.schema.json's enum) from its JSON schema: `password` for a
 * secret, `options` for an enum, `date_iso8601` for a date (the spec gives every whole-hour date
 * field a pattern_descriptor that starts YYYY-MM-DD), else the JSON type's kind.
 */
export const hubKind = (property: JsonObject): string => {
  if (property.secret === true) return "password"
  if (Array.isArray(property.enum)) return "options"
  if (typeof property.pattern_descriptor === "string" && property.pattern_descriptor.startsWith("YYYY-MM-DD")) return "date_iso8601"
  switch (property.type) {
    case "integer":
      return "integer"
    case "number":
      return "decimal"
    case "boolean":
      return "boolean"
    case "array":
      return "array"
    case "object":
      return "object"
    default:
      return "string"
  }
}

/**
 * Meltano's REGEX_ISO8601 (meltano/meltano src/meltano/core/utils/__init__.py, commit c139d24b):
 * Meltano passes a `date_iso8601` setting that matches it to the plugin unchanged and rewrites any
 * other through dateparser into Python's isoformat(), e.g. 2025-12-12T00:00Z into
 * 2025-12-12T00:00:00+00:00, which the tap takes as Z (docs/meltano.md). The Hub definition shows
 * the forms Meltano passes as written, so that what the tap receives is what the user wrote.
 */
export const MELTANO_ISO8601 =
  /^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])(?:[ T]([01]\d|2[0-3]):([0-5]\d):([0-5]\d)(?:\.(\d+))?)?(Z|[+-](?:0\d|1[0-2]):(?:00|30))?$/

/** How a date setting is written in Meltano: the forms both Meltano and the tap keep as they are. */
export const MELTANO_DATE_FORMAT =
  "YYYY-MM-DD or YYYY-MM-DDTHH:00:00Z, a whole UTC hour (Meltano passes these as written; it rewrites other forms, such as YYYY-MM-DDTHH:00Z, to YYYY-MM-DDTHH:00:00+00:00, which the tap also takes as UTC)"

/** One Hub setting from one property of the settings schema, in the spec's order. */
export const hubSetting = (name: string, property: JsonObject): HubSetting => {
  const kind = hubKind(property)
  const examples = (Array.isArray(property.examples) ? property.examples : []).filter(
    (example) => kind !== "date_iso8601" || MELTANO_ISO8601.test(String(example))
  )
  const format =
    kind === "date_iso8601"
      ? `Format: ${MELTANO_DATE_FORMAT}.`
      : property.pattern_descriptor === undefined
        ? undefined
        : `Format: ${property.pattern_descriptor}.`
  const description = [property.description, format].filter((part): part is string => typeof part === "string").join(" ")
  return {
    name,
    ...(typeof property.title === "string" ? { label: property.title } : {}),
    ...(description === "" ? {} : { description }),
    kind,
    ...(property.default === undefined ? {} : { value: property.default }),
    ...(examples.length > 0 ? { placeholder: `Ex. ${String(examples[0])}` } : {}),
    ...(kind === "options"
      ? { options: (property.enum as ReadonlyArray<unknown>).map((v) => ({ label: String(v), value: String(v) })) }
      : {}),
    ...(property.secret === true ? { sensitive: true } : {})
  }
}

export const hubDefinition = (about: About, suggestedStreams: ReadonlyArray<string>) => ({
  name: about.name,
  namespace: about.name.replaceAll("-", "_"),
  variant: "source-enterpret",
  label: "Enterpret",
  description: "Customer feedback intelligence platform",
  domain_url: "https://www.enterpret.com/",
  repo: REPO,
  docs: `${REPO}/blob/main/docs/meltano.md`,
  pip_url: about.name,
  executable: about.name,
  capabilities: [...about.capabilities].sort(),
  keywords: ["api", "customer feedback", "nodejs"],
  maintenance_status: "active",
  // MeltanoHub's maintainers rate a connector's quality; until they do, it is unknown.
  quality: "unknown",
  settings_group_validation: [[...(about.settings.required ?? [])]],
  settings: Object.entries(about.settings.properties).map(([name, property]) => hubSetting(name, property)),
  // Meltano selects these by default, as Airbyte suggests them (metadata.yaml suggestedStreams).
  select: suggestedStreams.map((stream) => `${stream}.*`)
})

export const hubYaml = (about: About, suggestedStreams: ReadonlyArray<string>): string =>
  `# Generated by \`npm run hub:meltano\` (integration_tests/meltano/hubDefinition.ts) from\n# \`tap-enterpret --about --format=json\` and metadata.yaml; do not edit.\n${stringify(
    hubDefinition(about, suggestedStreams),
    { lineWidth: 0 }
  )}`
