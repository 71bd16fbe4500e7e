// The GitHub workflows and Dependabot's config, checked as far as they can be without GitHub: the
// YAML parses, the triggers and permissions are what CONTRIBUTING.md says, every action is pinned
// to a version tag or a commit, CI runs .ci/run, and the release checks the tag against the
// version before it tests, and tests before it publishes anything.
import { readFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"

const root = resolve(import.meta.dirname, "..")

type Step = { uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string>; id?: string }
type Job = {
  needs?: string | string[]
  permissions?: Record<string, string> | string
  steps: Step[]
  environment?: { name: string; url?: string }
  outputs?: Record<string, string>
}
type Workflow = { name: string; on: Record<string, unknown>; permissions?: Record<string, string>; jobs: Record<string, Job> }

/** A GitHub Actions expression, `${{ inner }}`, written without a template-looking string literal. */
const gh = (inner: string): string => ["$", "{{ ", inner, " }}"].join("")
const load = <T>(file: string): T => parse(readFileSync(join(root, file), "utf8"), { strict: true, uniqueKeys: true }) as T
const ci = load<Workflow>(".github/workflows/ci.yml")
const release = load<Workflow>(".github/workflows/release.yml")
const metadata = load<{ data: { dockerRepository: string } }>("metadata.yaml")

const needsOf = (job: Job): string[] => (job.needs === undefined ? [] : typeof job.needs === "string" ? [job.needs] : job.needs)
/** Every job this one waits for, directly or through others. */
const upstream = (workflow: Workflow, name: string): Set<string> => {
  const seen = new Set<string>()
  const visit = (n: string) => {
    for (const need of needsOf(workflow.jobs[n]!)) {
      if (!seen.has(need)) {
        seen.add(need)
        visit(need)
      }
    }
  }
  visit(name)
  return seen
}
const steps = (workflow: Workflow): Step[] => Object.values(workflow.jobs).flatMap((j) => j.steps)
const step = (job: Job, uses: string): Step => {
  const found = job.steps.find((s) => s.uses?.split("@")[0] === uses)
  expect(found, uses).toBeDefined()
  return found!
}
const runIndex = (job: Job, pattern: RegExp): number => job.steps.findIndex((s) => s.run !== undefined && pattern.test(s.run))

describe("every workflow", () => {
  for (const [file, workflow] of [
    ["ci.yml", ci],
    ["release.yml", release]
  ] as const) {
    it(`${file}: pins every action to a version tag (vX.Y.Z) or a full commit digest`, () => {
      const uses = steps(workflow).flatMap((s) => (s.uses === undefined ? [] : [s.uses]))
      expect(uses.length).toBeGreaterThan(0)
      for (const u of uses) expect(u, u).toMatch(/^[\w.-]+\/[\w./-]+@(?:v\d+\.\d+\.\d+|[0-9a-f]{40})$/)
    })

    it(`${file}: grants read-only contents by default, more only to the job that needs it`, () => {
      expect(workflow.permissions).toEqual({ contents: "read" })
      for (const [name, job] of Object.entries(workflow.jobs)) {
        expect(job.permissions, name).not.toBe("write-all")
        for (const [scope, level] of Object.entries(job.permissions ?? {})) {
          if (level === "write")
            expect(`${name}: ${scope}`).toMatch(/^(image: packages|npm: id-token|pypi: id-token|github-release: contents)$/)
        }
      }
    })

    it(`${file}: tests on Node 20 through setup-node`, () => {
      const setups = steps(workflow).filter((s) => s.uses?.startsWith("actions/setup-node@"))
      expect(setups.length).toBeGreaterThan(0)
      for (const s of setups) expect(s.with?.["node-version"]).toBe(20)
    })
  }
})

describe("ci.yml", () => {
  it("runs on every push and pull request", () => {
    expect(Object.keys(ci.on).sort()).toEqual(["pull_request", "push"])
    expect(ci.on.push).toBeNull()
    expect(ci.on.pull_request).toBeNull()
  })

  it("checks out and runs .ci/run, the script a fresh clone passes", () => {
    const job = ci.jobs.test!
    expect(job.steps[0]!.uses).toMatch(/^actions\/checkout@/)
    expect(job.steps.filter((s) => s.run !== undefined).map((s) => s.run!.trim())).toEqual(["bash .ci/run"])
    expect(readFileSync(join(root, ".ci", "run"), "utf8")).toMatch(/\nnpm test\n/)
  })
})

describe("release.yml", () => {
  const test = release.jobs.test!

  it("runs on a v* tag only", () => {
    expect(release.on).toEqual({ push: { tags: ["v*"] } })
  })

  it("checks the tag against the version, and the CHANGELOG section, before the tests", () => {
    const check = runIndex(test, /node \.github\/scripts\/release-version\.mjs "\$GITHUB_REF_NAME"/)
    const notes = runIndex(test, /node \.github\/scripts\/changelog-section\.mjs/)
    const tests = runIndex(test, /^bash \.ci\/run$/)
    expect(check).toBeGreaterThan(-1)
    expect(notes).toBeGreaterThan(check)
    expect(tests).toBeGreaterThan(notes)
    expect(test.outputs?.version).toBe(gh("steps.version.outputs.version"))
    expect(test.steps[check]!.id).toBe("version")
  })

  it("publishes nothing until the tests pass", () => {
    for (const name of Object.keys(release.jobs).filter((n) => n !== "test")) expect(upstream(release, name), name).toContain("test")
    expect(upstream(release, "github-release")).toEqual(new Set(["test", "image", "npm", "pypi"]))
  })

  it("builds the image for amd64 and arm64 with buildx and QEMU, and pushes the version and latest with SBOM and provenance", () => {
    const image = release.jobs.image!
    const order = ["docker/setup-qemu-action", "docker/setup-buildx-action", "docker/login-action", "docker/build-push-action"].map((u) =>
      image.steps.indexOf(step(image, u))
    )
    expect(order).toEqual([...order].sort((a, b) => a - b))
    expect(step(image, "docker/login-action").with).toEqual({
      registry: "ghcr.io",
      username: gh("github.actor"),
      password: gh("secrets.GITHUB_TOKEN")
    })
    const build = step(image, "docker/build-push-action").with!
    expect(String(build.platforms).split(",").sort()).toEqual(["linux/amd64", "linux/arm64"])
    expect(build.push).toBe(true)
    expect(build.sbom).toBe(true)
    expect(build.provenance).toBe("mode=max")
    expect((release as unknown as { env: Record<string, string> }).env.IMAGE).toBe(metadata.data.dockerRepository)
    expect(
      String(build.tags)
        .trim()
        .split("\n")
        .map((t) => t.trim())
    ).toEqual([`${gh("env.IMAGE")}:${gh("needs.test.outputs.version")}`, `${gh("env.IMAGE")}:latest`])
    expect(image.permissions).toEqual({ contents: "read", packages: "write" })
  })

  it("publishes to npm with provenance, from a package whose repository is the one the image names", () => {
    // npm refuses a provenance bundle unless package.json's repository.url names the repository
    // that built it (E422 "repository.url is \"\", expected to match ..." otherwise).
    const pkg = load<{ repository: { type: string; url: string } }>("package.json")
    const source = readFileSync(join(root, "Dockerfile"), "utf8").match(/org\.opencontainers\.image\.source="([^"]+)"/)![1]!
    expect(pkg.repository).toEqual({ type: "git", url: `git+${source}.git` })
    const npm = release.jobs.npm!
    expect(step(npm, "actions/setup-node").with?.["registry-url"]).toBe("https://registry.npmjs.org")
    const publish = npm.steps.find((s) => s.run?.startsWith("npm publish"))!
    expect(publish.run).toMatch(/^npm publish --provenance\b/)
    expect(publish.env).toEqual({ NODE_AUTH_TOKEN: gh("secrets.NPM_TOKEN") })
    expect(runIndex(npm, /^npm run build$/)).toBeGreaterThan(runIndex(npm, /^npm ci\b/))
    expect(runIndex(npm, /^npm publish/)).toBeGreaterThan(runIndex(npm, /^npm run build$/))
    expect(npm.permissions).toEqual({ contents: "read", "id-token": "write" })
  })

  it("publishes the wheel built by npm run build:wheel to PyPI by trusted publishing", () => {
    const pypi = release.jobs.pypi!
    const publish = step(pypi, "pypa/gh-action-pypi-publish")
    expect(publish.with).toEqual({ "packages-dir": "dist-python/" })
    expect(runIndex(pypi, /^npm run build:wheel$/)).toBeGreaterThan(-1)
    expect(runIndex(pypi, /^npm run build:wheel$/)).toBeLessThan(pypi.steps.indexOf(publish))
    // Trusted publishing: an OIDC token, no password.
    expect(pypi.permissions).toEqual({ contents: "read", "id-token": "write" })
    expect(JSON.stringify(pypi)).not.toMatch(/password|PYPI_TOKEN/i)
    expect(pypi.environment?.name).toBe("pypi")
  })

  it("opens a GitHub release for the tag with the version's CHANGELOG section as its notes", () => {
    const job = release.jobs["github-release"]!
    const notes = runIndex(
      job,
      /node \.github\/scripts\/changelog-section\.mjs "\$\{\{ needs\.test\.outputs\.version \}\}" > release-notes\.md/
    )
    const create = runIndex(job, /^gh release create "\$GITHUB_REF_NAME" .*--notes-file release-notes\.md/)
    expect(notes).toBeGreaterThan(-1)
    expect(create).toBeGreaterThan(notes)
    expect(job.steps[create]!.env).toEqual({ GH_TOKEN: gh("github.token") })
    expect(job.permissions).toEqual({ contents: "write" })
  })
})

describe("dependabot.yml", () => {
  it("updates npm packages, the Docker base image and the workflows' actions", () => {
    const config = load<{
      version: number
      updates: Array<{ "package-ecosystem": string; directory: string; schedule: { interval: string } }>
    }>(".github/dependabot.yml")
    expect(config.version).toBe(2)
    const ecosystems = config.updates.map((u) => u["package-ecosystem"])
    for (const e of ["npm", "docker", "github-actions"]) expect(ecosystems).toContain(e)
    for (const u of config.updates) expect(u.schedule.interval).toMatch(/^(daily|weekly|monthly)$/)
  })
})
