// `spec` as Airbyte calls it: one valid SPEC whose schema accepts what the connector accepts.
import { Ajv } from "ajv"
import { describe, expect, it } from "vitest"
import { runCli } from "../support/cli.js"

describe("spec", () => {
  it("prints one SPEC message with the contract's connectionSpecification", async () => {
    const run = await runCli(["spec"])
    expect(run.code).toBe(0)
    expect(run.messages).toHaveLength(1)
    const spec = run.messages[0]!["spec"] as {
      documentationUrl: string
      supportsIncremental: boolean
      connectionSpecification: { $schema: string; required: string[]; properties: Record<string, Record<string, unknown>> }
    }
    expect(spec.supportsIncremental).toBe(true)
    expect(spec.documentationUrl).toMatch(/^https:\/\//)
    const schema = spec.connectionSpecification
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#")
    expect(schema.required.sort()).toEqual(["api_token", "start_date"])
    expect(Object.keys(schema.properties)).toEqual(
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
    expect(schema.properties["api_token"]!["airbyte_secret"]).toBe(true)
    expect(schema.properties["window_hours"]).toMatchObject({ type: "integer", minimum: 1, maximum: 8760, default: 24 })
    expect(schema.properties["base_url"]!["default"]).toBe("https://api.enterpret.com/export")
    for (const [name, property] of Object.entries(schema.properties)) {
      expect(property["title"], name).toEqual(expect.any(String))
      expect(property["description"], name).toEqual(expect.any(String))
      expect(property["order"], name).toEqual(expect.any(Number))
    }

    const validate = new Ajv({ strict: false }).compile(schema)
    expect(validate({ api_token: "t", start_date: "2025-12-12T00:00Z", airbyte_extra: 1 })).toBe(true)
    expect(validate({ api_token: "t", start_date: "2025-12-12" })).toBe(true)
    expect(validate({ api_token: "t", start_date: "2025-12-12T00:00:00Z", window_hours: 0 })).toBe(false)
    expect(validate({ api_token: "t", start_date: "12/12/2025" })).toBe(false)
  })

  it("a bare spec and one through the full command line print the same message", async () => {
    const fast = await runCli(["spec"])
    const parsed = await runCli(["spec", "--log-level", "error"])
    expect(parsed.code).toBe(0)
    expect(parsed.messages).toEqual(fast.messages)
  })
})
