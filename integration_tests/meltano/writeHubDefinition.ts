// `npm run hub:meltano`: writes the MeltanoHub definition (see hubDefinition.ts) from the built
// tap (dist/tap.js, so `npm run build` first; the npm script does) and metadata.yaml.
import { execFileSync } from "node:child_process"
import { mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { parse } from "yaml"
import { type About, HUB_FILE, hubYaml } from "./hubDefinition.js"

/** The repository, from build/integration_tests/meltano/ (or integration_tests/meltano/). */
const root = [new URL("../../../", import.meta.url), new URL("../../", import.meta.url)]
  .map((url) => fileURLToPath(url))
  .find((dir) => {
    try {
      return (JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string }).name === "source-enterpret"
    } catch {
      return false
    }
  })!

/** The tap's --about and metadata.yaml's suggested streams, the generator's inputs. */
export const hubInputs = (dir: string = root) => {
  const about = JSON.parse(
    execFileSync(process.execPath, [join(dir, "dist", "tap.js"), "--about", "--format=json"], { encoding: "utf8" })
  ) as About
  const metadata = parse(readFileSync(join(dir, "metadata.yaml"), "utf8")) as { data: { suggestedStreams: { streams: string[] } } }
  return { about, suggestedStreams: metadata.data.suggestedStreams.streams }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { about, suggestedStreams } = hubInputs()
  const file = join(root, HUB_FILE)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, hubYaml(about, suggestedStreams))
  console.log(file)
}
