import { readFileSync } from "node:fs"
import { setFlagsFromString } from "node:v8"; import { runInNewContext } from "node:vm"
import { Effect } from "effect"
import { HttpClient, HttpClientRequest } from "@effect/platform"
import { NodeHttpClient } from "@effect/platform-node"
setFlagsFromString("--expose-gc"); const gc = runInNewContext("gc")
const plan = JSON.parse(readFileSync(process.argv[2]))
let spent = 0, maxAb = 0, total = 0
const iv = setInterval(() => { maxAb = Math.max(maxAb, process.memoryUsage().arrayBuffers) }, 5)
const prog = Effect.gen(function* () {
  const http = yield* HttpClient.HttpClient
  for (const f of plan.files) {
    yield* Effect.scoped(Effect.gen(function* () {
      const r = yield* http.execute(HttpClientRequest.get(f.url))
      const src = r.source; if (!src) { console.error(Object.keys(r), r.constructor.name); process.exit(1) }
      yield* Effect.async((resume) => {
        src.on("readable", () => { let c; while ((c = src.read()) !== null) { total += c.length; spent += c.length; if (spent > 2 << 20) { spent = 0; gc({ type: "minor" }) } } })
        src.on("end", () => resume(Effect.void))
      })
    }))
  }
})
await Effect.runPromise(prog.pipe(Effect.provide(NodeHttpClient.layer)))
clearInterval(iv)
console.error("bytes", total, "max arrayBuffers MB", (maxAb / 1e6).toFixed(1), "rss MB", (process.memoryUsage().rss / 1e6).toFixed(0))
