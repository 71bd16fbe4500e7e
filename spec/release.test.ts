// The release's two scripts: the version is written the same in every place the tag is checked
// against (package.json, src/version.ts, metadata.yaml, the Dockerfile's labels), and the release
// notes are the version's CHANGELOG.md section.
import { spawnSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

const root = resolve(import.meta.dirname, "..")
const script = (name: string) => join(root, ".github", "scripts", name)
const node = (name: string, args: string[]) => {
  const r = spawnSync(process.execPath, [script(name), ...args], { encoding: "utf8" })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}
const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version
const work = mkdtempSync(join(tmpdir(), "source-enterpret-release-"))
afterAll(() => rmSync(work, { recursive: true, force: true }))

describe("the version, in one place", () => {
  it("package.json, src/version.ts, metadata.yaml's dockerImageTag and the Dockerfile's labels agree", () => {
    expect(node("release-version.mjs", [])).toEqual({ status: 0, stdout: `${version}\n`, stderr: "" })
  })

  it("the release's check accepts the tag v + that version, and prints the version", () => {
    expect(node("release-version.mjs", [`v${version}`])).toEqual({ status: 0, stdout: `${version}\n`, stderr: "" })
    expect(node("release-version.mjs", [`refs/tags/v${version}`]).stdout).toBe(`${version}\n`)
  })

  it("refuses another version's tag, naming all five places, and a tag that is not v + a version", () => {
    const other = node("release-version.mjs", ["v99.0.0"])
    expect(other.status).toBe(1)
    expect(other.stdout).toBe("")
    for (const place of [
      "package.json version",
      "src/version.ts VERSION",
      "metadata.yaml dockerImageTag",
      "Dockerfile label io.airbyte.version",
      "Dockerfile label org.opencontainers.image.version"
    ]) {
      expect(other.stderr).toContain(`${place} is "${version}", not "99.0.0"`)
    }
    const bare = node("release-version.mjs", [version])
    expect(bare.status).toBe(1)
    expect(bare.stderr).toContain(`the tag "${version}" is not v followed by a semantic version`)
  })
})

describe("the release notes", () => {
  const changelog = [
    "# Changelog",
    "",
    "## [Unreleased]",
    "",
    "### Added",
    "",
    "- next",
    "",
    "## [1.10.0] - 2026-12-03",
    "",
    "### Fixed",
    "",
    "- ten",
    "",
    "## [1.1.0] - 2026-12-01",
    "",
    "### Added",
    "",
    "- one, with [a link](docs/x.md)",
    "",
    "## [1.0.0] - 2026-11-01",
    "",
    "[Unreleased]: https://example.com/compare/v1.10.0...HEAD",
    "[1.0.0]: https://example.com/releases/tag/v1.0.0",
    ""
  ].join("\n")
  const file = join(work, "CHANGELOG.md")
  writeFileSync(file, changelog)

  it("are the version's section, up to the next version (1.1.0 is not 1.10.0)", () => {
    expect(node("changelog-section.mjs", ["1.1.0", file])).toEqual({
      status: 0,
      stdout: "### Added\n\n- one, with [a link](docs/x.md)\n",
      stderr: ""
    })
    expect(node("changelog-section.mjs", ["v1.10.0", file]).stdout).toBe("### Fixed\n\n- ten\n")
    expect(node("changelog-section.mjs", ["Unreleased", file]).stdout).toBe("### Added\n\n- next\n")
  })

  it("fail when the section is missing or empty", () => {
    const missing = node("changelog-section.mjs", ["2.0.0", file])
    expect(missing.status).toBe(1)
    expect(missing.stderr).toContain("has no section ## [2.0.0]")
    const empty = node("changelog-section.mjs", ["1.0.0", file])
    expect(empty.status).toBe(1)
    expect(empty.stderr).toContain("has an empty section ## [1.0.0]")
  })

  it("exist for the current version and for Unreleased in CHANGELOG.md", () => {
    for (const v of [version, "Unreleased"]) {
      const r = node("changelog-section.mjs", [v])
      expect(r.status, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^### (Added|Changed|Deprecated|Removed|Fixed|Security)\n/)
    }
  })
})
