#!/usr/bin/env node
// The release's version check: `node .github/scripts/release-version.mjs v1.2.3` prints 1.2.3 when
// the tag is `v` + the version written in package.json, src/version.ts, metadata.yaml's
// dockerImageTag and the Dockerfile's io.airbyte.version and org.opencontainers.image.version
// labels; otherwise it names every place that differs and exits 1. Without a tag it checks that
// those places agree with package.json. No dependency: the release runs it before npm ci.
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..")
const read = (file) => readFileSync(join(root, file), "utf8")

/** Every place the version is written, with what it holds there (undefined: not found). */
export const versions = () => {
  const dockerfile = read("Dockerfile")
  const label = (name) => new RegExp(`\\b${name.replace(/\./g, "\\.")}="([^"]*)"`).exec(dockerfile)?.[1]
  return {
    "package.json version": JSON.parse(read("package.json")).version,
    "src/version.ts VERSION": /export const VERSION = "([^"]*)"/.exec(read("src/version.ts"))?.[1],
    "metadata.yaml dockerImageTag": /^\s+dockerImageTag:\s*"?([^"\s#]+)"?/m.exec(read("metadata.yaml"))?.[1],
    "Dockerfile label io.airbyte.version": label("io.airbyte.version"),
    "Dockerfile label org.opencontainers.image.version": label("org.opencontainers.image.version")
  }
}

const main = () => {
  const tag = process.argv[2]
  const found = versions()
  const expected = tag === undefined ? found["package.json version"] : tag.replace(/^refs\/tags\//, "")
  const problems = []
  if (tag !== undefined && !/^v\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(expected)) {
    problems.push(`the tag ${JSON.stringify(expected)} is not v followed by a semantic version`)
  }
  const version = tag === undefined ? expected : expected.slice(1)
  for (const [place, value] of Object.entries(found)) {
    if (value !== version)
      problems.push(`${place} is ${value === undefined ? "missing" : JSON.stringify(value)}, not ${JSON.stringify(version)}`)
  }
  if (problems.length > 0) {
    process.stderr.write(
      `release-version: ${tag === undefined ? "the version differs" : `tag ${expected}`}:\n${problems.map((p) => `  - ${p}\n`).join("")}`
    )
    process.exit(1)
  }
  process.stdout.write(`${version}\n`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
