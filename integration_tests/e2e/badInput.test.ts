// Issue #4: broken configs, catalogs and states through the built CLI. Each gives one clear
// message naming the problem (the field, or the file and what is wrong with it) and a non-zero
// exit from `read`, or a FAILED status from `check`; never a bare stack trace, never the token.
// No emulator is needed: every one of these is caught before the first request. Every case of
// support/badInput.ts runs in process (spec/badInput.test.ts, the same code unbundled); here a
// sample of each kind, each a process of its own, proves the bundle answers alike.
import { describe, expect, it } from "vitest"
import {
  badCatalogs,
  badConfigs,
  badStates,
  checkCases,
  checkFails,
  GOOD_CATALOG,
  GOOD_CONFIG,
  type RunCommand,
  readFails
} from "../support/badInput.js"
import { runCli } from "../support/cli.js"
import { expectNoStackTrace } from "../support/reads.js"

const cli: RunCommand = (args) => runCli(args)
const named = <Case extends readonly [string, ...Array<unknown>]>(cases: ReadonlyArray<Case>, names: ReadonlyArray<string>) => {
  const picked = cases.filter(([name]) => names.includes(name))
  if (picked.length !== names.length) throw new Error(`no such case among ${names.join(", ")}`)
  return picked
}

describe.concurrent("a broken config", () => {
  it.each(
    named(badConfigs, ["config is not JSON", "start_date is year 0", "base_url is plain http to a remote host"])
  )("%s: read fails with a config_error", (_, config, says) => readFails(cli, { config, catalog: { json: GOOD_CATALOG } }, says))

  it.each(named(checkCases(), ["start_date is huge"]))("%s: check reports FAILED", (_, config, says) => checkFails(cli, config, says))
})

describe.concurrent("a broken catalog", () => {
  it.each(named(badCatalogs, ["catalog is a directory", "a stream twice"]))("%s: read fails with a config_error", (_, catalog, says) =>
    readFails(cli, { config: { json: GOOD_CONFIG }, catalog }, says))
})

describe.concurrent("a broken state", () => {
  it.each(named(badStates, ["a huge cursor"]))("%s: read fails with a config_error", (_, state, says) =>
    readFails(cli, { config: { json: GOOD_CONFIG }, catalog: { json: GOOD_CATALOG }, state }, says))
})

describe.concurrent("a broken command line", () => {
  it.each([
    ["an unknown command", ["sync"]],
    ["read without --catalog", ["read", "--config", "config.json"]],
    ["check without --config", ["check"]]
  ])("%s: a usage message on stderr, nothing on stdout, a non-zero exit", async (_, args) => {
    const run = await runCli(args)
    expect(run.code).not.toBe(0)
    expect(run.stdout).toBe("")
    expect(run.stderr.trim().length).toBeGreaterThan(0)
    expectNoStackTrace(run.stderr)
  })
})
