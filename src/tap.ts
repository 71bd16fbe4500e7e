#!/usr/bin/env node
// `tap-enterpret`: the Singer tap, on the same engine as `source-enterpret read`.
import { holdYoungGeneration } from "./youngGeneration.js"

holdYoungGeneration()
const { runTap } = await import("./singer/cli.js")
runTap(process.argv)
