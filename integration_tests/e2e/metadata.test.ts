// metadata.yaml is Airbyte's connector metadata: its fields agree with package.json, the
// Dockerfile (labels, base image, entrypoint, user), .ci/run (the Node the tests run on) and the
// connector's own spec.
import { execFileSync } from "node:child_process"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { parse } from "yaml"
import { integrationFile, readJsonFile, repoRoot } from "../acceptance/acceptance.js"
import { allowedHostsFor } from "../acceptance/allowedHosts.js"
import { imageFacts } from "../acceptance/dockerfile.js"
import { DEFAULT_RATE_MINUTE_MS } from "../../src/config/timing.js"
import { MAX_WAIT_MS } from "../../src/enterpret/retryAfter.js"
import { runCli } from "../support/cli.js"

const root = repoRoot()
const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  name: string
  version: string
  license: string
  bin: Record<string, string>
}
const metadata = parse(readFileSync(join(root, "metadata.yaml"), "utf8")) as { metadataSpecVersion: unknown; data: Record<string, unknown> }
const data = metadata.data
const image = imageFacts()

/** `docker.io/library/node:…` and `node:…` name the same image. */
const canonicalImage = (name: string) => name.replace(/^docker\.io\//, "").replace(/^library\//, "")

describe("metadata.yaml", () => {
  it("has the fields of Airbyte's ConnectorMetadataDefinitionV0, with valid values", () => {
    expect(metadata.metadataSpecVersion).toBe("1.0")
    // The required fields of the schema, and the ones this connector promises to set.
    for (const field of [
      "name",
      "definitionId",
      "connectorType",
      "dockerRepository",
      "dockerImageTag",
      "license",
      "documentationUrl",
      "githubIssueLabel",
      "connectorSubtype",
      "releaseStage",
      "supportLevel",
      "tags",
      "allowedHosts",
      "connectorBuildOptions"
    ]) {
      expect(data[field], field).toBeDefined()
    }
    expect(data.definitionId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/)
    expect(data.connectorType).toBe("source")
    expect(data.connectorSubtype).toBe("api")
    expect(["alpha", "beta", "generally_available", "custom"]).toContain(data.releaseStage)
    expect(["community", "certified", "archived"]).toContain(data.supportLevel)
    expect(data.tags).toContain("language:typescript")
    expect(data.dockerRepository).toMatch(new RegExp(`^[a-z0-9.-]+(?:/[a-z0-9._-]+)+/${pkg.name}$`))
    expect(data.githubIssueLabel).toBe(pkg.name)
    expect(data.dockerImageTag).toBe(pkg.version)
    expect(data.license).toBe(pkg.license)
  })

  it("documentationUrl is the spec's; allowedHosts cover the default API host, a custom base_url's host and the signed-URL host", async () => {
    const run = await runCli(["spec"])
    const spec = run.messages[0]!.spec as {
      documentationUrl: string
      connectionSpecification: { properties: { base_url: { default: string } } }
    }
    expect(data.documentationUrl).toBe(spec.documentationUrl)
    const patterns = (data.allowedHosts as { hosts: string[] }).hosts
    const covers = (hosts: string[], host: string) =>
      hosts.some((pattern) => (pattern.startsWith("*.") ? host.endsWith(pattern.slice(1)) : host === pattern))
    // A config without base_url (the default applies): Airbyte drops the unresolved ${base_url}.
    const plain = allowedHostsFor(patterns, { api_token: "t", start_date: "2025-12-01" })
    expect(plain).not.toContainEqual(expect.stringContaining("${"))
    expect(covers(plain, new URL(spec.connectionSpecification.properties.base_url.default).hostname)).toBe(true)
    // Enterpret's signed CSV URLs are S3's (the export document's examples).
    expect(covers(plain, "s3.amazonaws.com")).toBe(true)
    expect(covers(plain, "proxy.example.com")).toBe(false)
    // A proxy in base_url is allowed by its host, whatever its path and port.
    const proxied = allowedHostsFor(patterns, {
      api_token: "t",
      start_date: "2025-12-01",
      base_url: "https://proxy.example.com:8443/enterpret/export"
    })
    expect(covers(proxied, "proxy.example.com")).toBe(true)
    expect(covers(proxied, "s3.amazonaws.com")).toBe(true)
  })

  it("maxSecondsBetweenMessages outlasts the longest silence of a patient read: a capped rate-limit wait, the limiter's minute and the request after it", async () => {
    const run = await runCli(["spec"])
    const properties = (run.messages[0]!.spec as { connectionSpecification: { properties: Record<string, { default?: number }> } })
      .connectionSpecification.properties
    const requestTimeoutSeconds = properties.request_timeout_seconds!.default!
    const silence = MAX_WAIT_MS / 1000 + DEFAULT_RATE_MINUTE_MS / 1000 + requestTimeoutSeconds
    const allowed = data.maxSecondsBetweenMessages as number
    expect(Number.isInteger(allowed)).toBe(true)
    expect(allowed).toBeGreaterThanOrEqual(silence)
    // ...and not so long that a hung source goes unnoticed for hours.
    expect(allowed).toBeLessThanOrEqual(2 * silence)
  })

  it("suggestedStreams are core objects that discover offers", () => {
    const suggested = (data.suggestedStreams as { streams: string[] }).streams
    expect(suggested).toEqual(expect.arrayContaining(["feedback_record", "feedback_summary", "product_feedback_envelope"]))
    const discovered = (
      readJsonFile(integrationFile("configured_catalog.json")) as { streams: Array<{ stream: { name: string } }> }
    ).streams.map((s) => s.stream.name)
    for (const name of suggested) expect(discovered, name).toContain(name)
    expect(suggested.length).toBeLessThan(discovered.length)
  })

  it("connectorBuildOptions.baseImage is the Dockerfile's base image: an official Node 24 LTS image pinned by version and digest", () => {
    const baseImage = (data.connectorBuildOptions as { baseImage: string }).baseImage
    expect(image.stages.length).toBeGreaterThanOrEqual(2)
    for (const stage of image.stages) expect(canonicalImage(stage.image)).toBe(canonicalImage(baseImage))
    expect(canonicalImage(baseImage)).toMatch(/^node:24\.\d+\.\d+-bookworm-slim@sha256:[0-9a-f]{64}$/)
  })

  it("CI runs the end-to-end tests on the image's Node version", () => {
    const version = /^node:(\d+\.\d+\.\d+)-/.exec(canonicalImage(image.stages[0]!.image))![1]!
    // .ci/run's own line that reads the version, run as .ci/run runs it.
    const ci = readFileSync(join(root, ".ci", "run"), "utf8")
    const line = ci.split("\n").find((l) => l.startsWith("IMAGE_NODE="))
    expect(line).toBeDefined()
    expect(execFileSync("bash", ["-c", `${line}; printf %s "$IMAGE_NODE"`], { cwd: root, encoding: "utf8" })).toBe(version)
    expect(ci).toMatch(/npx -y -p "node@\$IMAGE_NODE" node node_modules\/vitest\/vitest\.mjs run integration_tests\/e2e /)
    // In that run (SOURCE_ENTERPRET_EXPECT_NODE set), this very test and the CLI it spawns run on it.
    const expected = process.env.SOURCE_ENTERPRET_EXPECT_NODE
    if (expected !== undefined) {
      expect(expected).toBe(version)
      expect(process.version).toBe(`v${version}`)
      expect(execFileSync(process.execPath, ["--version"], { encoding: "utf8" }).trim()).toBe(`v${version}`)
    }
  })
})

describe("the project's Docker namespace", () => {
  it("is used everywhere an image is named, never Airbyte's own organisation", () => {
    const repository = data.dockerRepository as string
    expect(repository).not.toMatch(/^(?:docker\.io\/)?airbyte\//)
    const docs = readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .map((f) => join("docs", f))
    expect(docs).toContain(join("docs", "airbyte.md"))
    for (const file of ["README.md", ...docs, "Dockerfile", "acceptance-test-config.yml", "metadata.yaml", "package.json"]) {
      const text = readFileSync(join(root, file), "utf8")
      expect(text, file).not.toMatch(/(?<![\w.-])airbyte\/source-enterpret/)
      // Every image reference names the project's repository, or is the docs' private-registry example.
      for (const m of text.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)+source-enterpret):[\w.${}-]+/g)) {
        if (m[1]!.startsWith("registry.example.com/")) continue
        expect(m[1], `${file}: ${m[0]}`).toBe(repository)
      }
    }
  })
})

describe("Dockerfile", () => {
  it("labels the image with metadata.yaml's repository and tag, and links it to the project's repository", () => {
    expect(image.labels["io.airbyte.name"]).toBe(data.dockerRepository)
    expect(image.labels["io.airbyte.version"]).toBe(data.dockerImageTag)
    expect(image.labels["org.opencontainers.image.version"]).toBe(data.dockerImageTag)
    expect(image.labels["org.opencontainers.image.source"]).toBe((data.documentationUrl as string).replace(/#.*$/, ""))
  })

  it("has an absolute exec-form ENTRYPOINT equal to AIRBYTE_ENTRYPOINT, and runs as airbyte in a writable /airbyte", () => {
    expect(image.entrypoint.length).toBeGreaterThan(0)
    expect(image.entrypoint[0]).toMatch(/^\//)
    expect(image.env.AIRBYTE_ENTRYPOINT).toBe(image.entrypoint.join(" "))
    expect(image.user).toBe("airbyte")
    expect(image.workdir).toBe("/airbyte")
    const run = image.final
      .filter((i) => i.keyword === "RUN")
      .map((i) => i.args)
      .join(" && ")
    expect(run).toMatch(/useradd [^&]*\bairbyte\b/)
    expect(run).toMatch(/chown [^&]*airbyte:airbyte \/airbyte\b/)
    // Production only: the packed package, no dev dependencies.
    expect(run).toMatch(/npm install [^&]*--omit=dev/)
    // The entrypoint is the package's bin, installed under /airbyte.
    expect(image.entrypoint[0]).toBe(`/airbyte/integration_code/bin/${Object.keys(pkg.bin)[0]}`)
  })

  it(".dockerignore keeps dist/, node_modules/, build/ and tests out of the build context", () => {
    const lines = readFileSync(join(root, ".dockerignore"), "utf8")
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "" && !l.startsWith("#"))
    expect(lines[0]).toBe("**")
    const included = lines.filter((l) => l.startsWith("!")).map((l) => l.slice(1))
    for (const kept of included)
      expect(["node_modules", "dist", "build", "integration_tests", "spec", "demo-output"]).not.toContain(kept.split("/")[0])
    // ...and in everything the build stage copies.
    const copied =
      image.stages.length > 0
        ? readFileSync(join(root, "Dockerfile"), "utf8")
            .split("\n")
            .filter((l) => /^COPY (?!--from)/.test(l))
            .flatMap((l) => l.split(/\s+/).slice(1, -1))
        : []
    for (const file of copied) expect(included, `${file} is copied but excluded by .dockerignore`).toContain(file.replace(/^\.\//, ""))
  })
})
