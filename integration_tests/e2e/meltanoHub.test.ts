// Issue 23: the MeltanoHub definition of tap-enterpret (meltano/extractors/tap-enterpret/
// source-enterpret.yml) is what integration_tests/meltano/hubDefinition.ts generates from the
// built tap's --about and metadata.yaml, it validates against MeltanoHub's extractor schema
// (vendored in integration_tests/support/meltano-hub/), and it agrees with the connector's spec.
import { Ajv, type ValidateFunction } from "ajv"
import addFormatsModule from "ajv-formats"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import {
  HUB_FILE,
  type hubDefinition,
  hubKind,
  hubSetting,
  hubYaml,
  MELTANO_DATE_FORMAT,
  MELTANO_ISO8601
} from "../meltano/hubDefinition.js"
import { hubInputs } from "../meltano/writeHubDefinition.js"
import { MAIN } from "../support/cli.js"

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv

const ROOT = fileURLToPath(new URL("../../", import.meta.url))
const SCHEMAS = join(ROOT, "integration_tests", "support", "meltano-hub", "schemas")

/**
 * MeltanoHub's extractor schema with the schemas it references. Their `$id`s are relative
 * ("extractors.schema.json" refers to "../common/common.schema.json"), which Python's resolver
 * joins the Hub's way and Ajv's does not; each is given its file's own URL under one base instead,
 * so every relative $ref resolves to the file it names in the Hub's folder layout.
 */
const hubValidator = (): ValidateFunction => {
  const ajv = new Ajv({ strict: false, allErrors: true })
  addFormats(ajv)
  const base = "https://hub.meltano.invalid/schemas/"
  for (const file of [
    "common/common",
    "common/extractors_specific",
    "common/base_setting",
    "plugin_definitions/hub_metadata",
    "plugin_definitions/extractors"
  ]) {
    const schema = JSON.parse(readFileSync(join(SCHEMAS, `${file}.schema.json`), "utf8")) as object
    ajv.addSchema({ ...schema, $id: `${base}${file}.schema.json` })
  }
  return ajv.getSchema(`${base}plugin_definitions/extractors.schema.json`)!
}

const checkedIn = () => readFileSync(join(ROOT, HUB_FILE), "utf8")

describe("the MeltanoHub definition", () => {
  it("is what the generator writes from the built tap's --about and metadata.yaml (else: npm run hub:meltano)", () => {
    const { about, suggestedStreams } = hubInputs(ROOT)
    expect(checkedIn(), `${HUB_FILE} is stale: run npm run hub:meltano`).toBe(hubYaml(about, suggestedStreams))
  })

  it("validates against MeltanoHub's extractor schema, which rejects an unknown key, a wrong kind and a missing quality", () => {
    const validate = hubValidator()
    const definition = parse(checkedIn()) as Record<string, unknown> & { settings: Array<Record<string, unknown>> }
    expect(validate(definition), JSON.stringify(validate.errors)).toBe(true)
    expect(validate({ ...definition, pipUrl: "tap-enterpret" })).toBe(false)
    expect(validate({ ...definition, settings: [{ ...definition.settings[0], kind: "secret" }] })).toBe(false)
    expect(validate({ ...definition, domain_url: "not a url" })).toBe(false)
    const { quality: _quality, ...unrated } = definition
    expect(validate(unrated)).toBe(false)
  })

  it("agrees with the spec: a setting per property in its order, Hub kinds, defaults, the token alone sensitive, the required set", () => {
    const definition = parse(checkedIn()) as ReturnType<typeof hubDefinition>
    const spec = JSON.parse(execFileSync(process.execPath, [MAIN, "spec"], { encoding: "utf8" })).spec.connectionSpecification as {
      required: string[]
      properties: Record<string, { type: string; default?: unknown; airbyte_secret?: boolean; pattern_descriptor?: string; title: string }>
    }
    expect(definition.settings.map((s) => s.name)).toEqual(Object.keys(spec.properties))
    const kinds = Object.fromEntries(definition.settings.map((s) => [s.name, s.kind]))
    expect(kinds).toEqual({
      api_token: "password",
      start_date: "date_iso8601",
      end_date: "date_iso8601",
      base_url: "string",
      objects: "array",
      window_hours: "integer",
      lookback_hours: "integer",
      settle_minutes: "integer",
      export_requests_per_minute: "integer",
      objects_requests_per_minute: "integer",
      max_concurrent_downloads: "integer",
      max_retries: "integer",
      request_timeout_seconds: "integer"
    })
    for (const setting of definition.settings) {
      const property = spec.properties[setting.name]!
      expect(setting.value, setting.name).toEqual(property.default)
      expect(setting.label, setting.name).toBe(property.title)
      expect(setting.sensitive === true, setting.name).toBe(property.airbyte_secret === true)
      if (property.type === "integer") expect(setting.kind).toBe("integer")
    }
    // A date setting's forms, as the Hub definition shows them, are ones Meltano passes on unchanged
    // and the spec accepts; the tap's own short form is not (Meltano would rewrite it).
    const dates = definition.settings.filter((s) => s.kind === "date_iso8601")
    expect(dates.map((s) => s.name)).toEqual(["start_date", "end_date"])
    for (const setting of dates) {
      const pattern = new RegExp((spec.properties[setting.name] as unknown as { pattern: string }).pattern)
      expect(setting.description).toContain(MELTANO_DATE_FORMAT)
      for (const value of ["2025-12-12", "2025-12-12T05:00:00Z", setting.placeholder!.replace(/^Ex\. /, "")]) {
        expect(MELTANO_ISO8601.test(value) && pattern.test(value), `${setting.name} ${value}`).toBe(true)
      }
      expect(MELTANO_ISO8601.test("2025-12-12T05:00Z")).toBe(false)
      // What Meltano rewrites that short form to (Python's isoformat) is the same hour, accepted.
      expect(pattern.test("2025-12-12T05:00:00+00:00")).toBe(true)
    }
    expect(definition.settings_group_validation).toEqual([spec.required])
    expect(definition).toMatchObject({
      name: "tap-enterpret",
      namespace: "tap_enterpret",
      pip_url: "tap-enterpret",
      executable: "tap-enterpret",
      capabilities: ["about", "catalog", "discover", "state"]
    })
    expect(definition.select).toContain("feedback_record.*")
  })

  it("docs/meltano.md's complete meltano.yml declares the plugin as the definition does: pip_url, executable, capabilities, settings and their kinds and defaults, select", () => {
    const page = readFileSync(join(ROOT, "docs", "meltano.md"), "utf8")
    const block = /<!-- meltano-yml -->\n```yaml\n([\s\S]*?)```\n<!-- \/meltano-yml -->/.exec(page)
    expect(block, "docs/meltano.md has no meltano-yml block").not.toBeNull()
    const project = parse(block![1]!) as { plugins: { extractors: Array<Record<string, unknown>> } }
    const plugin = project.plugins.extractors.find((p) => p.name === "tap-enterpret")!
    const definition = parse(checkedIn()) as ReturnType<typeof hubDefinition>
    for (const key of ["namespace", "variant", "pip_url", "executable", "capabilities", "settings_group_validation", "select"] as const) {
      expect(plugin[key], key).toEqual(definition[key])
    }
    const declared = (settings: ReadonlyArray<{ name: string; kind: string; value?: unknown; sensitive?: boolean }>) =>
      settings.map(({ name, kind, value, sensitive }) => ({ name, kind, value, sensitive }))
    expect(declared(plugin.settings as Array<{ name: string; kind: string }>)).toEqual(declared(definition.settings))
    // A date that Meltano passes on unchanged and the tap accepts.
    expect(MELTANO_ISO8601.test(String((plugin.config as { start_date: string }).start_date))).toBe(true)
  })

  it("README and docs/meltano.md add it with --from-ref from this very file on main", () => {
    const url = `https://raw.githubusercontent.com/source-enterpret/source-enterpret/main/${HUB_FILE}`
    for (const page of ["README.md", "docs/meltano.md"]) {
      const text = readFileSync(join(ROOT, page), "utf8")
      const refs = [...text.matchAll(/--from-ref (\S+)/g)].map((m) => m[1])
      expect(refs.length, page).toBeGreaterThan(0)
      for (const ref of refs) expect(ref, page).toBe(url)
    }
  })

  it("maps JSON schema to Hub kinds: options for an enum with each value, decimal, boolean, object", () => {
    expect(hubSetting("mode", { type: "string", title: "Mode", enum: ["fast", "safe"], default: "safe" })).toEqual({
      name: "mode",
      label: "Mode",
      kind: "options",
      value: "safe",
      options: [
        { label: "fast", value: "fast" },
        { label: "safe", value: "safe" }
      ]
    })
    expect(hubKind({ type: "number" })).toBe("decimal")
    expect(hubKind({ type: "boolean" })).toBe("boolean")
    expect(hubKind({ type: "object" })).toBe("object")
    expect(hubKind({ type: "string", secret: true })).toBe("password")
  })
})
