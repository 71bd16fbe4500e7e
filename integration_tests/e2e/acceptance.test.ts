// What Airbyte's Connector Acceptance Tests check at `test_strictness_level: high`, made here
// against the built CLI (the suite needs a Docker engine): spec, connection, discovery, basic read
// with schema validation and expected records, full refresh twice, incremental sequential reads and
// reads from each checkpoint, and a future state. Also: acceptance-test-config.yml loads under the
// suite's current rules, and integration_tests/'s acceptance files are still exactly what the
// connector produces (regenerate them with generate.js when this fails).
import { Ajv } from "ajv"
import addFormatsModule from "ajv-formats"
import { Either } from "effect"
import { existsSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parse } from "yaml"
import {
  ACCEPTANCE_TENANT,
  type ConfiguredStream,
  DOCUMENTED_API_URL,
  type DiscoveredStream,
  EMPTY_STREAM,
  FUTURE_CURSOR,
  type RecordMessage,
  asFullRefresh,
  canonicalOrder,
  configuredCatalogFrom,
  expectedRecordsText,
  futureState,
  integrationFile,
  jsonText,
  pointAt,
  readJsonFile,
  repoRoot,
  startAcceptanceEmulator
} from "../acceptance/acceptance.js"
import { type AcceptanceTestConfig, namedPaths, parseAcceptanceTestConfig, pathProblems } from "../acceptance/catConfig.js"
import { type Emulator, defaultToken } from "../emulator/index.js"
import { type CliRun, ofType, runCli, writeInputs } from "../support/cli.js"
import { expectNoSecret, expectReadInvariants, stateOf } from "../support/invariants.js"
import type { AirbyteMessage } from "../support/protocol.js"

const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv
const REGENERATE = "stale acceptance file: run `npm run build && node build/integration_tests/acceptance/generate.js` and review the diff"

type Catalog = { streams: ConfiguredStream[] }
const sampleConfig = readJsonFile<Record<string, unknown>>(integrationFile("sample_config.json"))
const invalidConfig = readJsonFile<Record<string, unknown>>(integrationFile("invalid_config.json"))
const configuredCatalog = readJsonFile<Catalog>(integrationFile("configured_catalog.json"))

let emulator: Emulator
let config: Record<string, unknown>
beforeAll(async () => {
  // The tests run the connector with a one-second rate-limit minute (FAST_ENV); the emulator counts alike.
  emulator = await startAcceptanceEmulator(1000)
  config = pointAt(sampleConfig, emulator)
})
afterAll(() => emulator.close())

const records = (run: CliRun): RecordMessage[] => ofType(run.messages, "RECORD").map((m) => m.record as RecordMessage)
/** A read's records without emitted_at, in canonical order (concurrent files interleave differently each run). */
const canonical = (list: ReadonlyArray<RecordMessage>) => canonicalOrder(list).map(({ stream, data }) => ({ stream, data }))

const read = async (catalog: unknown, state?: unknown): Promise<CliRun> => {
  const inputs = writeInputs(state === undefined ? { config, catalog } : { config, catalog, state })
  const args = ["read", "--config", inputs.config!, "--catalog", inputs.catalog!]
  const run = await runCli(state === undefined ? args : [...args, "--state", inputs.state!])
  expect(run.code, run.stderr).toBe(0)
  expect(ofType(run.messages, "TRACE").filter((m) => (m.trace as { type: string }).type === "ERROR")).toEqual([])
  expectReadInvariants(run.messages)
  expectNoSecret(emulator.token, run.stdout, run.stderr)
  return run
}

/** Per stream, the state messages of a read in order. */
const statesByStream = (run: CliRun): Map<string, AirbyteMessage[]> => {
  const out = new Map<string, AirbyteMessage[]>()
  for (const m of ofType(run.messages, "STATE")) {
    const list = out.get(stateOf(m).stream) ?? []
    list.push(m)
    out.set(stateOf(m).stream, list)
  }
  return out
}

const root = repoRoot()
const acceptanceDocument = (): Record<string, unknown> =>
  parse(readFileSync(join(root, "acceptance-test-config.yml"), "utf8")) as Record<string, unknown>
const loaded = (document: unknown): AcceptanceTestConfig => {
  const result = parseAcceptanceTestConfig(document)
  if (Either.isLeft(result)) throw new Error(`acceptance-test-config.yml does not load:\n${result.left}`)
  return result.right
}
/** The loader's complaint about a document, or "" when it loads. */
const complaint = (document: unknown): string => Either.match(parseAcceptanceTestConfig(document), { onLeft: (e) => e, onRight: () => "" })

describe("acceptance-test-config.yml", () => {
  it("sits at the connector's root and loads under the suite's current rules, every path a file from the root", () => {
    expect(existsSync(integrationFile("acceptance-test-config.yml")), "the old copy in integration_tests/").toBe(false)
    const config = loaded(acceptanceDocument())
    expect(pathProblems(config, root)).toEqual([])
    const paths = namedPaths(config).map((p) => p.path)
    expect(paths.length).toBeGreaterThanOrEqual(10)
    for (const path of paths) expect(path, "the JSON files stay in integration_tests/").toMatch(/^integration_tests\/[\w.-]+$/)

    const metadata = parse(readFileSync(join(root, "metadata.yaml"), "utf8")) as { data: { dockerRepository: string } }
    expect(config.connector_image).toBe(`${metadata.data.dockerRepository}:dev`)
    expect(config.test_strictness_level).toBe("high")
    const tests = config.acceptance_tests
    expect(Object.keys(tests).sort()).toEqual(["basic_read", "connection", "discovery", "full_refresh", "incremental", "spec"])
    for (const [name, section] of Object.entries(tests)) {
      expect(section?.tests?.length, name).toBeGreaterThan(0)
      // Without config_path the suite reads secrets/config.json, which this connector has no use for.
      for (const test of section!.tests!) expect((test as { config_path?: string }).config_path, name).toBeDefined()
    }
    const basic = tests.basic_read!.tests![0]!
    expect(basic.configured_catalog_path, "high strictness builds basic_read's catalog from discover").toBeUndefined()
    expect(basic.empty_streams).toEqual([{ name: EMPTY_STREAM, bypass_reason: expect.stringMatching(/\w/) }])
    expect(basic.expect_records).toEqual({ path: "integration_tests/expected_records.jsonl", exact_order: false })
    expect(tests.incremental!.tests![0]!.future_state).toEqual({ future_state_path: "integration_tests/abnormal_state.json" })
    expect(tests.connection!.tests!.map((t) => [t.config_path, t.status])).toEqual([
      ["integration_tests/sample_config.json", "succeed"],
      ["integration_tests/invalid_config.json", "failed"]
    ])
  })

  it("the rules reject what the suite rejects: removed or unknown keys, paths not from the root", () => {
    const withBasicRead = (change: (test: Record<string, unknown>) => void) => {
      const document = acceptanceDocument()
      const tests = document.acceptance_tests as Record<string, { tests: Array<Record<string, unknown>> }>
      change(tests.basic_read!.tests[0]!)
      return document
    }
    // The keys removed from ExpectedRecordsConfig upstream, which the previous file used.
    expect(complaint(withBasicRead((t) => Object.assign(t.expect_records as object, { extra_fields: false })))).toMatch(
      /acceptance_tests\.basic_read\.tests\.0\.expect_records\.extra_fields: is unexpected/
    )
    expect(complaint(withBasicRead((t) => Object.assign(t.expect_records as object, { extra_records: false })))).toMatch(
      /extra_records: is unexpected/
    )
    expect(
      complaint(
        withBasicRead((t) => {
          t.validate_everything = true
        })
      )
    ).toMatch(/basic_read\.tests\.0\.validate_everything: is unexpected/)
    expect(complaint({ ...acceptanceDocument(), connector_name: "x" })).toMatch(/^connector_name: is unexpected/m)
    expect(complaint(withBasicRead((t) => Object.assign(t.expect_records as object, { bypass_reason: "none" })))).toMatch(
      /bypass_reason if a path is set/
    )
    expect(
      complaint(
        withBasicRead((t) => {
          t.timeout_seconds = -1
        })
      )
    ).toMatch(/timeout_seconds/)
    expect(complaint({ connector_image: "x", tests: { spec: [{ spec_path: "spec.json" }] } })).toMatch(/legacy/)
    // GenericTestConfig alone is lenient in the suite: an unknown key beside `tests` is ignored.
    const lenient = acceptanceDocument()
    Object.assign((lenient.acceptance_tests as Record<string, object>).spec!, { note: "ignored" })
    expect(complaint(lenient)).toBe("")

    // Paths relative to integration_tests/ (the previous layout), absolute or leaving the root.
    const problems = (path: string) =>
      pathProblems(
        loaded(
          withBasicRead((t) => {
            t.config_path = path
          })
        ),
        root
      ).filter((p) => p.startsWith("acceptance_tests.basic_read"))
    expect(problems("sample_config.json")).toEqual([
      "acceptance_tests.basic_read.tests.0.config_path: sample_config.json does not exist relative to the connector's root"
    ])
    expect(problems(integrationFile("sample_config.json"))[0]).toMatch(/is absolute/)
    expect(problems("../packaging/integration_tests/sample_config.json")[0]).toMatch(/leaves the connector's root/)
    expect(problems("integration_tests")[0]).toMatch(/does not exist/)
    expect(problems("integration_tests/sample_config.json")).toEqual([])
  })

  it("point at the documented emulator, and abnormal_state.json is current", () => {
    // `npm run emulator -- --seed acceptance ...` serves exactly what sample_config.json names.
    expect(sampleConfig.base_url).toBe(DOCUMENTED_API_URL)
    expect(invalidConfig.base_url).toBe(DOCUMENTED_API_URL)
    expect(sampleConfig.api_token).toBe(defaultToken(ACCEPTANCE_TENANT.seed))
    expect(invalidConfig.api_token).not.toBe(sampleConfig.api_token)
    expect(readJsonFile(integrationFile("abnormal_state.json")), REGENERATE).toEqual(futureState(configuredCatalog))
  })
})

describe("spec", () => {
  it("is a valid SPEC, equal to spec.json, whose schema accepts both config files", async () => {
    const run = await runCli(["spec"])
    expect(run.code).toBe(0)
    expect(run.messages.map((m) => m.type)).toEqual(["SPEC"])
    const spec = run.messages[0]!.spec as { connectionSpecification: Record<string, unknown> }
    expect(jsonText(spec), REGENERATE).toBe(readFileSync(integrationFile("spec.json"), "utf8"))
    const ajv = new Ajv({ strict: false, allErrors: true })
    addFormats(ajv)
    const validate = ajv.compile(spec.connectionSpecification)
    expect(validate(sampleConfig), JSON.stringify(validate.errors)).toBe(true)
    expect(validate(invalidConfig), JSON.stringify(validate.errors)).toBe(true)
    const properties = spec.connectionSpecification.properties as Record<string, Record<string, unknown>>
    expect(properties.api_token!.airbyte_secret).toBe(true)
  })
})

describe("connection", () => {
  const check = async (cfg: Record<string, unknown>) => {
    const inputs = writeInputs({ config: pointAt(cfg, emulator) })
    const run = await runCli(["check", "--config", inputs.config!])
    expect(run.code, run.stderr).toBe(0)
    expect(run.messages.map((m) => m.type)).toEqual(["CONNECTION_STATUS"])
    expectNoSecret(cfg.api_token as string, run.stdout, run.stderr)
    return (run.messages[0]!.connectionStatus as { status: string }).status
  }
  it("succeeds with sample_config.json and fails with invalid_config.json", async () => {
    expect(await check(sampleConfig)).toBe("SUCCEEDED")
    expect(await check(invalidConfig)).toBe("FAILED")
  })
})

describe("discovery, basic read, full refresh", () => {
  let discovered: DiscoveredStream[]

  it("discovers the streams of configured_catalog.json, with valid draft-07 schemas", async () => {
    const inputs = writeInputs({ config })
    const run = await runCli(["discover", "--config", inputs.config!])
    expect(run.code, run.stderr).toBe(0)
    const catalogs = ofType(run.messages, "CATALOG")
    expect(catalogs).toHaveLength(1)
    discovered = (catalogs[0]!.catalog as { streams: DiscoveredStream[] }).streams
    expect(jsonText(configuredCatalogFrom({ streams: discovered })), REGENERATE).toBe(
      readFileSync(integrationFile("configured_catalog.json"), "utf8")
    )

    const ajv = new Ajv({ strict: false })
    const airbyteTypes = new Set(["string", "number", "integer", "boolean", "object", "array", "null"])
    for (const stream of discovered) {
      expect(ajv.validateSchema(stream.json_schema), `${stream.name}: ${JSON.stringify(ajv.errors)}`).toBe(true)
      expect(stream.json_schema.$schema).toBe("http://json-schema.org/draft-07/schema#")
      expect(stream.json_schema.additionalProperties, stream.name).toBe(true)
      const properties = stream.json_schema.properties ?? {}
      for (const [name, property] of Object.entries(properties)) {
        const types = [(property as { type: string | string[] }).type].flat()
        expect(
          types.every((t) => airbyteTypes.has(t)),
          `${stream.name}.${name}`
        ).toBe(true)
      }
      expect(stream.supported_sync_modes.sort()).toEqual(["full_refresh", "incremental"])
      expect(stream.source_defined_cursor).toBe(true)
      for (const path of [stream.default_cursor_field!, ...(stream.source_defined_primary_key ?? [])]) {
        expect(Object.keys(properties), `${stream.name}: ${path.join(".")} is not in the schema`).toContain(path[0])
      }
    }
  })

  it("basic read: every record valid against its schema, no undeclared column, exactly expected_records.jsonl", async () => {
    // The suite's basic_read: every discovered stream in full refresh.
    const basic = await read(asFullRefresh(configuredCatalogFrom({ streams: discovered })))
    const ajv = new Ajv({ strict: false, allErrors: true })
    addFormats(ajv)
    const validators = new Map(discovered.map((s) => [s.name, ajv.compile(s.json_schema)]))
    const declared = new Map(discovered.map((s) => [s.name, new Set(Object.keys(s.json_schema.properties ?? {}))]))
    for (const record of records(basic)) {
      const validate = validators.get(record.stream)!
      expect(validate(record.data), `${record.stream}: ${JSON.stringify(validate.errors)}`).toBe(true)
      const undeclared = Object.keys(record.data).filter((k) => !declared.get(record.stream)!.has(k))
      expect(undeclared, `${record.stream} has columns its schema does not declare`).toEqual([])
    }
    const seeded = new Set(records(basic).map((r) => r.stream))
    expect([...seeded].sort()).toEqual(
      discovered
        .map((s) => s.name)
        .filter((n) => n !== EMPTY_STREAM)
        .sort()
    )
    expect(expectedRecordsText(basic.messages, emulator.storageUrl), REGENERATE).toBe(
      readFileSync(integrationFile("expected_records.jsonl"), "utf8")
    )

    // The suite's full_refresh: configured_catalog.json in full refresh, twice: the same records.
    const again = await read(asFullRefresh(configuredCatalog))
    expect(canonical(records(again))).toEqual(canonical(records(basic)))
  })
})

describe("incremental", () => {
  it("reads from checkpoints deliver exactly the later windows; from the last, nothing", async () => {
    const first = await read(configuredCatalog)
    expect(records(first).length).toBeGreaterThan(0)
    const states = statesByStream(first)
    expect([...states.keys()].sort()).toEqual(configuredCatalog.streams.map((s) => s.stream.name).sort())
    const checkpoints = Math.max(...[...states.values()].map((list) => list.length))
    expect(checkpoints).toBeGreaterThanOrEqual(4)

    // Checkpoint k of every stream at once, for the first, a middle and the last k (the suite, too,
    // samples the checkpoints it resumes from). From the last one, nothing is left to read.
    for (const k of [...new Set([0, Math.floor(checkpoints / 2), checkpoints - 1])]) {
      const picked = new Map([...states].map(([stream, list]) => [stream, list[Math.min(k, list.length - 1)]!]))
      const resumed = await read(
        configuredCatalog,
        [...picked.values()].map((m) => m.state)
      )
      for (const [stream, state] of picked) {
        const cursor = stateOf(state).cursor
        const got = records(resumed).filter((r) => r.stream === stream)
        for (const r of got)
          expect((r.data._ab_export_window_end as string) > cursor, `${stream} record before its state ${cursor}`).toBe(true)
        const index = first.messages.indexOf(state)
        const rest = records({ ...first, messages: first.messages.slice(index + 1) }).filter((r) => r.stream === stream)
        expect(canonical(got), `${stream} resumed from ${cursor}`).toEqual(canonical(rest))
      }
      if (k === checkpoints - 1) expect(records(resumed)).toEqual([])
    }
  })

  it("a future state (abnormal_state.json) yields no records, and a STATE per stream set back to the read's end (issue 22)", async () => {
    const run = await read(configuredCatalog, readJsonFile(integrationFile("abnormal_state.json")))
    expect(records(run)).toEqual([])
    const cursors = ofType(run.messages, "STATE").map((m) => stateOf(m).cursor)
    expect(cursors.length).toBe(configuredCatalog.streams.length)
    // No cursor runs past the read's end: end_date, not the state's 2099.
    const end = `${new Date(Date.parse(sampleConfig.end_date as string)).toISOString().slice(0, 19)}Z`
    expect(FUTURE_CURSOR > end).toBe(true)
    expect(new Set(cursors)).toEqual(new Set([end]))
  })
})
