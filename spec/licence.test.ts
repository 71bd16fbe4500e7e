// The licence travels with the code: LICENSE (MIT) names the holder package.json names as its
// author, the npm package includes it, and the image's build copies it into the package it
// installs (the Dockerfile's COPY and .dockerignore's allow-list).
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { dockerfileInstructions } from "../integration_tests/acceptance/dockerfile.js"

const root = resolve(import.meta.dirname, "..")
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { license: string; author: string; files: string[] }
const licence = readFileSync(join(root, "LICENSE"), "utf8")

describe("LICENSE", () => {
  it("is the MIT licence, held by package.json's author", () => {
    expect(pkg.license).toBe("MIT")
    expect(licence.split("\n")[0]).toBe("MIT License")
    expect(licence).toContain("Permission is hereby granted, free of charge, to any person obtaining a copy")
    expect(licence).toContain('THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND')
    expect(pkg.author).toMatch(/\S/)
    expect(licence).toMatch(new RegExp(`^Copyright \\(c\\) \\d{4}(?:-\\d{4})? ${pkg.author.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"))
  })

  it("is in the npm package", () => {
    expect(pkg.files).toContain("LICENSE")
    const [packed] = JSON.parse(
      execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: root, encoding: "utf8" })
    ) as Array<{
      files: Array<{ path: string }>
    }>
    expect(packed!.files.map((f) => f.path)).toContain("LICENSE")
  })

  it("is in the image: in the build context, copied into the build stage that packs the package", () => {
    const allowed = readFileSync(join(root, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
    // The last rule that matches LICENSE wins: everything is ignored, then LICENSE is allowed back.
    expect(allowed[0]).toBe("**")
    expect(allowed.filter((l) => l === "LICENSE" || l === "!LICENSE").at(-1)).toBe("!LICENSE")
    const instructions = dockerfileInstructions()
    const stages = instructions.map((i, n) => (i.keyword === "FROM" ? n : -1)).filter((n) => n >= 0)
    const build = instructions.slice(stages[0]!, stages[1])
    const copies = build.filter((i) => i.keyword === "COPY" && !i.args.startsWith("--from"))
    const pack = build.findIndex((i) => i.keyword === "RUN" && /npm pack\b/.test(i.args))
    const copiesLicence = build.findIndex((i) => copies.includes(i) && i.args.split(/\s+/).slice(0, -1).includes("LICENSE"))
    expect(copiesLicence).toBeGreaterThan(-1)
    expect(copiesLicence).toBeLessThan(pack)
  })
})
