// `spec` as Airbyte calls it: one valid SPEC whose schema accepts what the connector accepts.
import { Ajv } from "ajv"
import { describe, expect, it } from "vitest"
import { connectorSpecification } from "../../src/config/spec.js"
import { runCli } from "../support/cli.js"

describe("spec", () => {
  it("prints one SPEC message with the contract's connectionSpecification", async () => {
    const run = await runCli(["spec"])
    expect(run.code).toBe(0)
    expect(run.messages).toHaveLength(1)
    // The schema's content (fields, titles, order, secrets, defaults) is spec/config.test.ts's
    // concern; here: the built CLI prints exactly it, and Airbyte's form would accept a config.
    const spec = run.messages[0]!.spec as ReturnType<typeof connectorSpecification>
    expect(spec).toEqual(connectorSpecification())
    const schema = spec.connectionSpecification
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
