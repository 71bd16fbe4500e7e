// Every relative link of the project's Markdown pages (README.md, docs/, CHANGELOG.md,
// CONTRIBUTING.md) resolves: the file or folder exists, and an anchor names a heading of the target
// page, slugged as GitHub slugs it.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs"
import { dirname, join, relative, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { anchors, links, slug } from "./support/markdown.js"

const root = resolve(import.meta.dirname, "..")

const pages = (): string[] => [
  "README.md",
  "CHANGELOG.md",
  "CONTRIBUTING.md",
  ...readdirSync(join(root, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => join("docs", f))
]

const isRelative = (target: string): boolean => !/^[a-z][a-z0-9+.-]*:/i.test(target) && !target.startsWith("//")

describe("the slugger and the link reader", () => {
  it("slug headings as GitHub does", () => {
    expect(slug("The native Singer tap `tap-enterpret`")).toBe("the-native-singer-tap-tap-enterpret")
    expect(slug("The demo (`npm start`)")).toBe("the-demo-npm-start")
    expect(slug("HTTP behaviour and limits")).toBe("http-behaviour-and-limits")
    expect(slug("[0.1.0] - 2026-11-26")).toBe("010---2026-11-26")
    expect([...anchors("# A\n## A\n```sh\n# not a heading\n```\n### B c")]).toEqual(["a", "a-1", "b-c"])
  })

  it("finds inline and reference links outside code", () => {
    expect(links('See [a](x.md#y), ![i](img.png "t") and `[no](code.md)`.\n```\n[no](block.md)\n```\n[ref]: ../z.md\n')).toEqual([
      "x.md#y",
      "img.png",
      "../z.md"
    ])
  })
})

describe("relative links in the project's pages", () => {
  it("covers README.md, CHANGELOG.md, CONTRIBUTING.md and at least four pages in docs/", () => {
    const all = pages()
    for (const page of all) expect(existsSync(join(root, page)), page).toBe(true)
    expect(all.filter((p) => p.startsWith("docs")).length).toBeGreaterThanOrEqual(4)
  })

  for (const page of pages()) {
    it(`${page}: every relative link names a file that exists, and a heading that exists`, () => {
      const text = readFileSync(join(root, page), "utf8")
      const broken: string[] = []
      for (const target of links(text).filter(isRelative)) {
        const [path, anchor] = target.split("#", 2) as [string, string | undefined]
        const file = path === "" ? join(root, page) : resolve(dirname(join(root, page)), decodeURIComponent(path))
        if (!file.startsWith(root) || !existsSync(file)) {
          broken.push(`${target}: no ${relative(root, file)}`)
          continue
        }
        if (anchor === undefined || anchor === "") continue
        if (statSync(file).isDirectory() || !file.endsWith(".md")) {
          broken.push(`${target}: an anchor into a file that is not Markdown`)
          continue
        }
        if (!anchors(readFileSync(file, "utf8")).has(decodeURIComponent(anchor))) broken.push(`${target}: no heading #${anchor}`)
      }
      expect(broken).toEqual([])
    })
  }
})
