#!/usr/bin/env node
// The release notes: `node .github/scripts/changelog-section.mjs 1.2.3 [CHANGELOG.md]` prints the
// body of the `## [1.2.3]` section of the changelog (Keep a Changelog: `## [1.2.3] - 2026-12-03`),
// up to the next `## ` heading or the link definitions at the end, trimmed. Exits 1 with a message
// when the section is missing or empty, so a release never goes out without its notes.
import { readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

/** The body of the version's section, or undefined when there is none. */
export const section = (changelog, version) => {
  const lines = changelog.split(/\r?\n/)
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")
  const start = lines.findIndex((line) => new RegExp(`^## \\[${escaped}\\](?:\\s|$)`).test(line))
  if (start === -1) return undefined
  const rest = lines.slice(start + 1)
  const end = rest.findIndex((line) => /^## /.test(line) || /^\[[^\]]+\]:\s/.test(line))
  return (end === -1 ? rest : rest.slice(0, end)).join("\n").trim()
}

const main = () => {
  const [version, file] = process.argv.slice(2)
  if (version === undefined || version === "") {
    process.stderr.write("usage: changelog-section.mjs VERSION [CHANGELOG.md]\n")
    process.exit(2)
  }
  const path = file ?? join(dirname(fileURLToPath(import.meta.url)), "..", "..", "CHANGELOG.md")
  const body = section(readFileSync(path, "utf8"), version.replace(/^v/, ""))
  if (body === undefined || body === "") {
    process.stderr.write(`changelog-section: ${path} has ${body === undefined ? "no" : "an empty"} section ## [${version}]\n`)
    process.exit(1)
  }
  process.stdout.write(`${body}\n`)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) main()
