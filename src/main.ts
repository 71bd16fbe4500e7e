#!/usr/bin/env node
// The entry point loads only what the command needs: the bundle splits at these imports, so a
// bare `spec` starts without parsing the HTTP client and the command-line parser.
const args = process.argv.slice(2)
if (args.length === 1 && args[0] === "spec") {
  const { printSpec } = await import("./airbyte/specOnly.js")
  printSpec()
} else {
  const { runCli } = await import("./airbyte/run.js")
  runCli(process.argv)
}
