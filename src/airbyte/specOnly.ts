import { connectorSpecification } from "../config/spec.js"

/** `spec` without loading the HTTP client, the CLI parser or the sync: Airbyte calls it often. */
export const printSpec = (): void => {
  process.stdout.write(`${JSON.stringify({ type: "SPEC", spec: connectorSpecification() })}\n`)
}
