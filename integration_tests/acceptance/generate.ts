#!/usr/bin/env node
// Regenerates the acceptance files that follow from the connector and the emulated tenant:
//   npm run build && node build/integration_tests/acceptance/generate.js
// writes integration_tests/spec.json (the SPEC's spec), configured_catalog.json (every discovered
// stream, incremental), abnormal_state.json (a far-future state for each of them) and
// expected_records.jsonl (a full-refresh read of sample_config.json's range). e2e/acceptance.test.ts
// fails when any of them differs from what the connector now produces.
import { mkdtempSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import {
  type DiscoveredStream,
  type Message,
  asFullRefresh,
  configuredCatalogFrom,
  expectedRecordsText,
  futureState,
  integrationFile,
  jsonText,
  pointAt,
  readJsonFile,
  runConnector,
  startAcceptanceEmulator
} from "./acceptance.js"

const only = (messages: ReadonlyArray<Message>, type: string): Message => {
  const found = messages.filter((m) => m.type === type)
  if (found.length !== 1) throw new Error(`expected one ${type} message, got ${found.length}`)
  return found[0]!
}

async function main(): Promise<void> {
  const emulator = await startAcceptanceEmulator()
  try {
    const dir = mkdtempSync(join(tmpdir(), "source-enterpret-acceptance-"))
    const configPath = join(dir, "config.json")
    writeFileSync(configPath, JSON.stringify(pointAt(readJsonFile(integrationFile("sample_config.json")), emulator)))

    const spec = await runConnector(["spec"])
    const discover = await runConnector(["discover", "--config", configPath])
    if (discover.code !== 0) throw new Error(`discover failed: ${discover.stderr}`)
    const catalog = only(discover.messages, "CATALOG").catalog as { streams: DiscoveredStream[] }
    const configured = configuredCatalogFrom(catalog)

    const catalogPath = join(dir, "catalog.json")
    writeFileSync(catalogPath, JSON.stringify(asFullRefresh(configured)))
    const read = await runConnector(["read", "--config", configPath, "--catalog", catalogPath])
    if (read.code !== 0) throw new Error(`read failed: ${read.stderr}`)

    const files: Record<string, string> = {
      "spec.json": jsonText(only(spec.messages, "SPEC").spec),
      "configured_catalog.json": jsonText(configured),
      "abnormal_state.json": jsonText(futureState(configured)),
      "expected_records.jsonl": expectedRecordsText(read.messages, emulator.storageUrl)
    }
    for (const [name, text] of Object.entries(files)) {
      writeFileSync(integrationFile(name), text)
      process.stderr.write(`wrote integration_tests/${name} (${text.split("\n").length - 1} lines)\n`)
    }
  } finally {
    await emulator.close()
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`generate: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
