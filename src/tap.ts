#!/usr/bin/env node
// `tap-enterpret`: the Singer tap, on the same engine as `source-enterpret read`.
import { runTap } from "./singer/cli.js"

runTap(process.argv)
