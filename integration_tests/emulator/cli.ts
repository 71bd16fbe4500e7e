#!/usr/bin/env node
// `npm run emulator -- --port 8080 --seed demo`: serves the emulator until SIGINT/SIGTERM.
import { parseCliArgs, USAGE } from "./cliArgs.js"
import { startEmulator } from "./index.js"
import { isoMinutes } from "./timeFormat.js"

async function main(): Promise<void> {
  const cfg = parseCliArgs(process.argv.slice(2))
  if (cfg.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const emu = await startEmulator({
    ...cfg.options,
    onRequest: cfg.quiet
      ? undefined
      : (e) =>
          process.stderr.write(
            `${new Date(e.at).toISOString()} ${e.listener} ${e.method} ${e.path} -> ${e.status}${e.fault ? ` (fault: ${e.fault})` : ""}\n`
          )
  })
  if (cfg.randomFaults) emu.faults.random(cfg.randomFaults)
  const start = isoMinutes(emu.dataSpan.start.getTime())
  const end = isoMinutes(emu.dataSpan.end.getTime())
  const q = (s: string): string => `'${s}'`
  process.stdout.write(
    [
      `Enterpret Export API emulator (seed ${JSON.stringify(cfg.options.seed ?? "demo")}, scale ${String(cfg.options.scale ?? "demo")})`,
      `  base URL:        ${emu.baseUrl}`,
      `  token:           ${emu.token}`,
      `  read-only token: ${emu.readOnlyToken}   (403 FORBIDDEN)`,
      `  signed URLs:     ${emu.storageUrl}`,
      `  data:            ${start} .. ${end} (clock now ${emu.clock.now().toISOString()})`,
      `  objects:         ${emu
        .objects()
        .map((o) => o.id)
        .join(", ")}`,
      "",
      "Try:",
      `  curl -X POST "${emu.baseUrl}/external/v2/objects" \\`,
      `    -H "Authorization: Bearer ${emu.token}" -H "Content-Type: application/json" -d '{}'`,
      `  curl -X POST "${emu.baseUrl}/external/v2/export" \\`,
      `    -H "Authorization: Bearer ${emu.token}" -H "Content-Type: application/json" \\`,
      `    -d ${q(JSON.stringify({ objectID: "feedback_record", startTime: start, endTime: end }))}`,
      "",
      "Serving until Ctrl+C.",
      ""
    ].join("\n")
  )
  const stop = (): void => {
    emu.close().then(
      () => process.exit(0),
      () => process.exit(1)
    )
  }
  process.once("SIGINT", stop)
  process.once("SIGTERM", stop)
}

main().catch((e: unknown) => {
  process.stderr.write(`emulator: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(2)
})
