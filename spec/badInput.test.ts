// Every broken config, catalog and state of integration_tests/support/badInput.ts through the
// Airbyte command line in process (spec/support/commandLine.ts): one clear config_error from
// `read`, a FAILED status from `check`. The e2e test runs a sample of each kind through the built CLI.
import { describe, it } from "vitest"
import {
  badCatalogs,
  badConfigs,
  badStates,
  checkCases,
  checkFails,
  GOOD_CATALOG,
  GOOD_CONFIG,
  readFails
} from "../integration_tests/support/badInput.js"
import { runCommandInProcess as run } from "./support/commandLine.js"

describe("a broken config", () => {
  it.each(badConfigs)("%s: read fails with a config_error", (_, config, says) =>
    readFails(run, { config, catalog: { json: GOOD_CATALOG } }, says))
  it.each(checkCases())("%s: check reports FAILED", (_, config, says) => checkFails(run, config, says))
})

describe("a broken catalog", () => {
  it.each(badCatalogs)("%s: read fails with a config_error", (_, catalog, says) =>
    readFails(run, { config: { json: GOOD_CONFIG }, catalog }, says))
})

describe("a broken state", () => {
  it.each(badStates)("%s: read fails with a config_error", (_, state, says) =>
    readFails(run, { config: { json: GOOD_CONFIG }, catalog: { json: GOOD_CATALOG }, state }, says))
})
