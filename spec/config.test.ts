import { Ajv } from "ajv"
import { Effect, Either, Redacted } from "effect"
import { describe, expect, it } from "vitest"
import { InputError } from "../src/config/inputFile.js"
import { decodeSettings, type SettingsShape as Settings } from "../src/config/settings.js"
import { HOUR_PATTERN_DESCRIPTOR, connectionSpecification, connectorSpecification } from "../src/config/spec.js"

const TOKEN = "tok_VerySecretValue_8c1f"
const FILE = "secrets/config.json"
const base = { api_token: TOKEN, start_date: "2025-12-01" }

const decode = (value: unknown): Either.Either<Settings, InputError> => Effect.runSync(Effect.either(decodeSettings(value, FILE)))

const decodeError = (value: unknown): InputError => {
  const result = decode(value)
  if (Either.isRight(result)) throw new Error(`expected ${JSON.stringify(value)} to be rejected`)
  return result.left
}

const decodeOk = (value: unknown): Settings => {
  const result = decode(value)
  if (Either.isLeft(result)) throw new Error(`expected ${JSON.stringify(value)} to be accepted: ${result.left.message}`)
  return result.right
}

/** [field the message must name, config] — every one of these must be rejected. */
const invalid: ReadonlyArray<readonly [string, Record<string, unknown>]> = [
  ["api_token", { start_date: "2025-12-01" }],
  ["api_token", { ...base, api_token: "" }],
  ["api_token", { ...base, api_token: "   " }],
  ["api_token", { ...base, api_token: 12345 }],
  ["api_token", { ...base, api_token: null }],
  ["api_token", { ...base, api_token: [TOKEN] }],
  // Cannot go into an HTTP header: Node would throw at the first request.
  ["api_token", { ...base, api_token: "tok_Secret✓_8c1f" }],
  ["api_token", { ...base, api_token: "tok_Secrét_8c1f" }],
  ["api_token", { ...base, api_token: "tok_Secret 8c1f" }],
  ["api_token", { ...base, api_token: "tok_Secret\n8c1f" }],
  ["start_date", { api_token: TOKEN }],
  ["start_date", { ...base, start_date: 20251201 }],
  ["start_date", { ...base, start_date: "2025-02-30" }],
  ["start_date", { ...base, start_date: "2025-12-01T10:30Z" }],
  ["start_date", { ...base, start_date: "2025-12-01T10:00:30Z" }],
  ["start_date", { ...base, start_date: "2025-12-01T24:00Z" }],
  ["start_date", { ...base, start_date: "2025-13-01" }],
  ["start_date", { ...base, start_date: "2025-12-01T10:00+02:00" }],
  ["start_date", { ...base, start_date: "01/12/2025" }],
  ["start_date", { ...base, start_date: "" }],
  // Years before 2000 are typos (0202 for 2020); 0.1.0 accepted them and ran out of memory.
  ["start_date", { ...base, start_date: "0202-01-01" }],
  ["start_date", { ...base, start_date: "0000-01-01" }],
  ["start_date", { ...base, start_date: "1999-12-31T23:00Z" }],
  ["end_date", { ...base, end_date: "2025-04-31" }],
  ["end_date", { ...base, end_date: "2026-01-01T00:15Z" }],
  ["end_date", { ...base, end_date: 1 }],
  ["end_date", { ...base, end_date: null }],
  ["base_url", { ...base, base_url: "http://api.enterpret.com/export" }],
  ["base_url", { ...base, base_url: "http://localhost.evil.example/export" }],
  ["base_url", { ...base, base_url: "http://10.0.0.1:8080" }],
  ["base_url", { ...base, base_url: "ftp://api.enterpret.com/export" }],
  ["base_url", { ...base, base_url: "api.enterpret.com/export" }],
  ["base_url", { ...base, base_url: "not a url" }],
  ["base_url", { ...base, base_url: "https://" }],
  ["base_url", { ...base, base_url: 443 }],
  // The API paths are appended to base_url: a query or fragment would swallow them.
  ["base_url", { ...base, base_url: "https://api.enterpret.com/export?tenant=1" }],
  ["base_url", { ...base, base_url: "https://api.enterpret.com/export#x" }],
  ["base_url", { ...base, base_url: "https://api.enterpret.com/export?" }],
  ["base_url", { ...base, base_url: "http://localhost:8080/export?x" }],
  ["base_url", { ...base, base_url: "https://user:pass@api.enterpret.com/export" }],
  ["objects", { ...base, objects: "feedback_record" }],
  ["objects", { ...base, objects: [""] }],
  ["objects", { ...base, objects: ["feedback_record", "  "] }],
  ["objects", { ...base, objects: [7] }],
  ["window_hours", { ...base, window_hours: 0 }],
  ["window_hours", { ...base, window_hours: 8761 }],
  ["window_hours", { ...base, window_hours: -1 }],
  ["window_hours", { ...base, window_hours: 1.5 }],
  ["window_hours", { ...base, window_hours: "24" }],
  ["window_hours", { ...base, window_hours: null }],
  ["lookback_hours", { ...base, lookback_hours: -1 }],
  ["lookback_hours", { ...base, lookback_hours: 169 }],
  ["lookback_hours", { ...base, lookback_hours: 0.5 }],
  ["settle_minutes", { ...base, settle_minutes: -1 }],
  ["settle_minutes", { ...base, settle_minutes: 1441 }],
  ["lookback_hours", { ...base, lookback_hours: true }],
  ["export_requests_per_minute", { ...base, export_requests_per_minute: 0 }],
  ["export_requests_per_minute", { ...base, export_requests_per_minute: 601 }],
  ["export_requests_per_minute", { ...base, export_requests_per_minute: 2.5 }],
  ["export_requests_per_minute", { ...base, export_requests_per_minute: "10" }],
  ["objects_requests_per_minute", { ...base, objects_requests_per_minute: 0 }],
  ["objects_requests_per_minute", { ...base, objects_requests_per_minute: 601 }],
  ["objects_requests_per_minute", { ...base, objects_requests_per_minute: 59.9 }],
  ["max_concurrent_downloads", { ...base, max_concurrent_downloads: 0 }],
  ["max_concurrent_downloads", { ...base, max_concurrent_downloads: 33 }],
  ["max_concurrent_downloads", { ...base, max_concurrent_downloads: 3.1 }],
  ["max_concurrent_downloads", { ...base, max_concurrent_downloads: [4] }],
  ["max_retries", { ...base, max_retries: -1 }],
  ["max_retries", { ...base, max_retries: 51 }],
  ["request_timeout_seconds", { ...base, request_timeout_seconds: 4 }],
  ["request_timeout_seconds", { ...base, request_timeout_seconds: 3601 }]
]

/** Configs that must be accepted, both by decodeSettings and by the published JSON schema. */
const valid: ReadonlyArray<Record<string, unknown>> = [
  base,
  { ...base, start_date: "2025-12-01T05:00Z" },
  { ...base, start_date: "2025-12-01T05:00:00Z" },
  { ...base, start_date: "2025-12-01T05:00:00.000Z" },
  { ...base, start_date: "2024-02-29" },
  { ...base, start_date: "2000-02-29T23:00Z" },
  { ...base, end_date: "2025-12-01T01:00Z" },
  { ...base, end_date: "2026-01-01" },
  { ...base, base_url: "https://api.enterpret.com/export" },
  { ...base, base_url: "https://proxy.example.com:8443/enterpret/" },
  { ...base, base_url: "http://localhost:8080" },
  { ...base, base_url: "http://localhost/export" },
  { ...base, base_url: "http://127.0.0.1:9000/export" },
  { ...base, base_url: "http://[::1]:9000" },
  { ...base, objects: [] },
  { ...base, objects: ["feedback_record", "account"] },
  {
    ...base,
    window_hours: 1,
    lookback_hours: 0,
    export_requests_per_minute: 1,
    objects_requests_per_minute: 1,
    max_concurrent_downloads: 1,
    max_retries: 0,
    request_timeout_seconds: 5
  },
  {
    ...base,
    window_hours: 8760,
    lookback_hours: 168,
    export_requests_per_minute: 600,
    objects_requests_per_minute: 600,
    max_concurrent_downloads: 32,
    max_retries: 50,
    request_timeout_seconds: 3600
  },
  // Airbyte adds fields of its own; they are ignored.
  { ...base, __injected_declarative_manifest: { version: 1 }, unknown_field: "whatever", window_hours: 6 },
  // A JSON number with a zero fraction is an integer.
  { ...base, window_hours: 12.0 }
]

describe("decodeSettings: invalid values", () => {
  it.each(
    invalid.map(([field, config]) => [field, JSON.stringify(config), config] as const)
  )("rejects a bad %s: %s", (field, _shown, config) => {
    const error = decodeError(config)
    expect(error).toBeInstanceOf(InputError)
    expect(error._tag).toBe("InputError")
    expect(error.file).toBe(FILE)
    // The message names the field as the start of its entry, e.g. "Config file secrets/config.json is invalid: window_hours: ...".
    expect(error.message).toMatch(new RegExp(`(: |; )${field}(\\.\\d+)?: `))
  })

  it("never shows the api_token value in any error message", () => {
    for (const [, config] of invalid) {
      const error = decodeError(config)
      expect(error.message).not.toContain(TOKEN)
      expect(error.message).not.toContain("VerySecret")
    }
    // Not even when the token itself is what is wrong (whitespace-only, wrong type).
    for (const token of ["          ", [TOKEN], { value: TOKEN }, 987654321]) {
      const error = decodeError({ ...base, api_token: token })
      expect(error.message).not.toContain(TOKEN)
      expect(error.message).not.toContain("987654321")
      expect(error.message).toContain("api_token")
    }
  })

  it("says why a token cannot be used, by position, never showing it", () => {
    const message = decodeError({ ...base, api_token: "tok_Secret✓_8c1f" }).message
    expect(message).toBe(
      `Config file ${FILE} is invalid: api_token: must hold only visible ASCII characters, as it is sent in an HTTP header; character 11 of 16 is not (value not shown: it is a secret)`
    )
  })

  it("never echoes a long rejected value in any field: it may be the token pasted in the wrong place", () => {
    for (const field of ["start_date", "end_date", "base_url", "objects", "window_hours", "max_retries", "lookback_hours"]) {
      for (const value of [TOKEN, `https://example.com/${TOKEN}`, [TOKEN, ""], { token: TOKEN }]) {
        const error = decode({ ...base, [field]: value })
        if (Either.isRight(error)) continue
        expect(error.left.message, `${field}: ${JSON.stringify(value)}`).not.toContain("VerySecret")
        expect(error.left.message).toContain(field)
      }
    }
    // Short values and mistyped dates are still shown: they help and cannot be a token.
    expect(decodeError({ ...base, window_hours: "24" }).message).toContain('got "24"')
    expect(decodeError({ ...base, start_date: "2025-12-01T10:30Z" }).message).toContain('got "2025-12-01T10:30Z"')
    expect(decodeError({ ...base, base_url: `http://example.com/${TOKEN}` }).message).toContain('got "http://example.com"…')
  })

  it("refuses a base_url with a query string or fragment, saying why", () => {
    expect(decodeError({ ...base, base_url: "https://api.enterpret.com/export?tenant=1" }).message).toBe(
      `Config file ${FILE} is invalid: base_url: must not have a query string or fragment (? or #): the API paths are appended to it`
    )
  })

  it("keeps a message short however many values are bad", () => {
    const message = decodeError({ ...base, objects: Array.from({ length: 100_000 }, () => "") }).message
    expect(message.length).toBeLessThan(1_000)
    expect(message).toContain("objects.0: must be a non-empty object ID")
    expect(message).toContain("and 99990 more problems")
  })

  it("reports every bad field at once", () => {
    const error = decodeError({ api_token: TOKEN, start_date: "nope", window_hours: 0, lookback_hours: 500 })
    expect(error.message).toContain("start_date: ")
    expect(error.message).toContain("window_hours: ")
    expect(error.message).toContain("lookback_hours: ")
  })

  it("says in words what a list must be, not the name of its type", () => {
    expect(decodeError({ ...base, objects: "obj" }).message).toBe(
      `Config file ${FILE} is invalid: objects: Expected a list of object IDs such as ["feedback_record"], got "obj"`
    )
    expect(decodeError({ ...base, objects: [1, "ok"] }).message).toBe(`Config file ${FILE} is invalid: objects.0: Expected string, got 1`)
  })

  it("says what range a number must be in and what it got", () => {
    expect(decodeError({ ...base, window_hours: 0 }).message).toBe(
      `Config file ${FILE} is invalid: window_hours: must be a whole number from 1 to 8760, got 0`
    )
  })

  it("rejects a start_date before 2000 as a typo, naming the field", () => {
    expect(decodeError({ ...base, start_date: "0202-01-01" }).message).toBe(
      `Config file ${FILE} is invalid: start_date: must be 2000-01-01 or later ("0202-01-01" looks like a typo of the year)`
    )
    expect(decodeOk({ ...base, start_date: "2000-01-01" }).startMs).toBe(Date.parse("2000-01-01T00:00:00Z"))
  })

  it("reports a bad item of objects only by its index, without a misleading second entry", () => {
    expect(decodeError({ ...base, objects: ["a", ""] }).message).toBe(
      `Config file ${FILE} is invalid: objects.1: must be a non-empty object ID`
    )
  })

  it("rejects an end_date equal to or before start_date, naming end_date", () => {
    for (const end_date of ["2025-12-01", "2025-12-01T00:00Z", "2025-11-30T23:00Z"]) {
      const error = decodeError({ ...base, end_date })
      expect(error.message).toContain("end_date")
      expect(error.message).toContain("start_date")
    }
  })

  it.each([
    ["an array", []],
    ["null", null],
    ["a string", TOKEN],
    ["a number", 42],
    ["a boolean", true]
  ])("rejects a config that is %s, naming the file and never echoing it", (_what, value) => {
    const error = decodeError(value)
    expect(error.file).toBe(FILE)
    expect(error.message).toContain(FILE)
    expect(error.message).toContain("JSON object")
    expect(error.message).not.toContain(TOKEN)
  })
})

describe("decodeSettings: valid configs", () => {
  it("applies the documented defaults", () => {
    const settings = decodeOk(base)
    expect(Redacted.value(settings.apiToken)).toBe(TOKEN)
    expect(settings.startMs).toBe(Date.parse("2025-12-01T00:00:00Z"))
    expect(settings.endMs).toBeUndefined()
    expect(settings.baseUrl).toBe("https://api.enterpret.com/export")
    expect(settings.objects).toBeUndefined()
    // No window_hours: adaptive windows (sync/cursor.ts), and the form publishes no default.
    expect(settings.windowHours).toBeUndefined()
    expect(settings.lookbackHours).toBe(0)
    // An hour is exported once 15 minutes have passed since it ended (issue 22).
    expect(settings.settleMs).toBe(15 * 60_000)
    expect(settings.exportRequestsPerMinute).toBe(10)
    expect(settings.objectsRequestsPerMinute).toBe(60)
    expect(settings.maxConcurrentDownloads).toBe(4)
    expect(settings.maxRetries).toBe(8)
    expect(settings.requestTimeoutMs).toBe(120_000)
  })

  it("keeps the token out of the settings' printed form", () => {
    const settings = decodeOk(base)
    expect(String(settings.apiToken)).not.toContain(TOKEN)
    expect(JSON.stringify(settings)).not.toContain(TOKEN)
  })

  it("reads every given value", () => {
    const settings = decodeOk({
      api_token: `  ${TOKEN}\n`,
      start_date: "2025-12-01T05:00:00Z",
      end_date: "2025-12-10T17:00Z",
      base_url: "http://localhost:8080/export///",
      objects: ["feedback_record"],
      window_hours: 6,
      lookback_hours: 3,
      export_requests_per_minute: 20,
      objects_requests_per_minute: 30,
      max_concurrent_downloads: 2,
      max_retries: 1,
      request_timeout_seconds: 10
    })
    expect(Redacted.value(settings.apiToken)).toBe(TOKEN)
    expect(settings.startMs).toBe(Date.parse("2025-12-01T05:00:00Z"))
    expect(settings.endMs).toBe(Date.parse("2025-12-10T17:00:00Z"))
    expect(settings.baseUrl).toBe("http://localhost:8080/export")
    expect(settings.objects).toEqual(["feedback_record"])
    expect(settings.windowHours).toBe(6)
    expect(settings.lookbackHours).toBe(3)
    expect(settings.exportRequestsPerMinute).toBe(20)
    expect(settings.objectsRequestsPerMinute).toBe(30)
    expect(settings.maxConcurrentDownloads).toBe(2)
    expect(settings.maxRetries).toBe(1)
    expect(settings.requestTimeoutMs).toBe(10_000)
  })

  it("reads Meltano's isoformat of a whole hour (+00:00 for Z) as that hour", () => {
    const settings = decodeOk({ api_token: TOKEN, start_date: "2025-12-01T05:00:00+00:00", end_date: "2025-12-10T00:00:00-00:00" })
    expect(settings.startMs).toBe(Date.UTC(2025, 11, 1, 5))
    expect(settings.endMs).toBe(Date.UTC(2025, 11, 10))
  })

  it("treats an empty objects list as all objects", () => {
    expect(decodeOk({ ...base, objects: [] }).objects).toBeUndefined()
  })

  it.each(valid.map((config) => [JSON.stringify(config), config] as const))("accepts %s", (_shown, config) => {
    decodeOk(config)
  })
})

type JsonObject = Record<string, unknown>
const properties = (spec: JsonObject) => spec.properties as Record<string, JsonObject>

describe("connectionSpecification", () => {
  const spec = connectionSpecification()

  it("is a draft-07 object schema that allows additional properties", () => {
    expect(spec.$schema).toBe("http://json-schema.org/draft-07/schema#")
    expect(spec.type).toBe("object")
    expect(spec.additionalProperties).toBe(true)
    expect(spec.required).toEqual(["api_token", "start_date"])
  })

  it("offers every documented field", () => {
    expect(Object.keys(properties(spec))).toEqual(
      expect.arrayContaining([
        "api_token",
        "start_date",
        "end_date",
        "base_url",
        "objects",
        "window_hours",
        "lookback_hours",
        "export_requests_per_minute",
        "objects_requests_per_minute",
        "max_concurrent_downloads"
      ])
    )
  })

  it("marks api_token, and only api_token, as airbyte_secret", () => {
    for (const [name, property] of Object.entries(properties(spec))) {
      if (name === "api_token") expect(property.airbyte_secret).toBe(true)
      else expect(property).not.toHaveProperty("airbyte_secret")
    }
  })

  it("gives every property a distinct order, 0.. in form order", () => {
    const orders = Object.values(properties(spec)).map((property) => property.order)
    expect(orders).toEqual(orders.map((_, i) => i))
    expect(properties(spec).api_token!.order).toBe(0)
    expect(properties(spec).start_date!.order).toBe(1)
  })

  it("publishes the same defaults decodeSettings applies", () => {
    const props = properties(spec)
    const settings = decodeOk(base)
    expect(props.base_url!.default).toBe(settings.baseUrl)
    expect(props.window_hours!.default).toBeUndefined()
    expect(props.window_hours!.description).toMatch(/^Leave empty \(recommended\) for adaptive windows/)
    expect(props.lookback_hours!.default).toBe(settings.lookbackHours)
    expect((props.settle_minutes!.default as number) * 60_000).toBe(settings.settleMs)
    expect(props.export_requests_per_minute!.default).toBe(settings.exportRequestsPerMinute)
    expect(props.objects_requests_per_minute!.default).toBe(settings.objectsRequestsPerMinute)
    expect(props.max_concurrent_downloads!.default).toBe(settings.maxConcurrentDownloads)
    expect(props.max_retries!.default).toBe(settings.maxRetries)
    expect((props.request_timeout_seconds!.default as number) * 1000).toBe(settings.requestTimeoutMs)
    // And a config made of nothing but the published defaults decodes to the same settings.
    const fromDefaults: JsonObject = { ...base }
    for (const [name, property] of Object.entries(props)) if ("default" in property) fromDefaults[name] = property.default
    expect(decodeOk(fromDefaults)).toEqual(settings)
  })

  it("describes integers as integers with the decoded bounds", () => {
    const props = properties(spec)
    expect(props.window_hours).toMatchObject({ type: "integer", minimum: 1, maximum: 8760 })
    expect(props.lookback_hours).toMatchObject({ type: "integer", minimum: 0, maximum: 168 })
    expect(props.settle_minutes).toMatchObject({ type: "integer", minimum: 0, maximum: 1440 })
    expect(props.export_requests_per_minute).toMatchObject({ type: "integer", minimum: 1, maximum: 600 })
    expect(props.objects_requests_per_minute).toMatchObject({ type: "integer", minimum: 1, maximum: 600 })
    expect(props.max_concurrent_downloads).toMatchObject({ type: "integer", minimum: 1, maximum: 32 })
  })

  it("is wrapped in a connector specification without deprecated or destination-only keys", () => {
    const full = connectorSpecification()
    expect(Object.keys(full).sort()).toEqual(["connectionSpecification", "documentationUrl"])
    expect(full).not.toHaveProperty("supportsIncremental")
    expect(full).not.toHaveProperty("supported_destination_sync_modes")
    expect(full.connectionSpecification).toEqual(spec)
    expect(typeof full.documentationUrl).toBe("string")
  })

  it("gives the whole-hour fields, and only them, a pattern_descriptor for Airbyte's form", () => {
    const described = Object.entries(properties(spec))
      .filter(([, p]) => "pattern_descriptor" in p)
      .map(([name]) => name)
    expect(described.sort()).toEqual(["end_date", "start_date"])
    for (const name of described) {
      const property = properties(spec)[name]!
      expect(property.pattern_descriptor).toBe(HOUR_PATTERN_DESCRIPTOR)
      // Every form the descriptor names is one the pattern accepts.
      const pattern = new RegExp(property.pattern as string)
      for (const example of ["2025-12-12", "2025-12-12T06:00Z"]) expect(pattern.test(example), `${name}: ${example}`).toBe(true)
    }
  })

  it("returns a fresh object each time (callers may not corrupt it for others)", () => {
    const first = connectionSpecification()
    properties(first).api_token!.order = 99
    expect(properties(connectionSpecification()).api_token!.order).toBe(0)
  })
})

describe("connectionSpecification agrees with decodeSettings (checked with ajv)", () => {
  const ajv = new Ajv({ strict: false, allErrors: true })
  const validate = ajv.compile(connectionSpecification())

  it("is itself a valid draft-07 schema", () => {
    expect(ajv.validateSchema(connectionSpecification())).toBe(true)
  })

  it.each(valid.map((config) => [JSON.stringify(config), config] as const))("JSON schema accepts %s", (_shown, config) => {
    const ok = validate(config)
    expect(ok, ajv.errorsText(validate.errors)).toBe(true)
  })

  // end_date <= start_date is a rule between two fields that draft-07 cannot express; decodeSettings
  // alone rejects it (tested above). Every single-field rule must be in the JSON schema too.
  it.each(
    invalid.map(([field, config]) => [field, JSON.stringify(config), config] as const)
  )("JSON schema rejects a bad %s: %s", (field, _shown, config) => {
    expect(validate(config)).toBe(false)
    const paths = (validate.errors ?? []).map((e) => e.instancePath || `/${String(e.params.missingProperty ?? "")}`)
    expect(paths.some((path) => path.split("/")[1] === field)).toBe(true)
  })

  it("examples in the schema are valid values of their property", () => {
    for (const [name, property] of Object.entries(properties(connectionSpecification()))) {
      for (const example of (property.examples as ReadonlyArray<unknown> | undefined) ?? []) {
        expect(validate({ ...base, [name]: example }), `${name}: ${JSON.stringify(example)}`).toBe(true)
        decodeOk({ ...base, [name]: example, ...(name === "end_date" ? { start_date: "2000-01-01" } : {}) })
      }
    }
  })
})
