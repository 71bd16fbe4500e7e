/**
 * Stands in for `undici` in the bundle. @effect/platform-node's NodeHttpClient module imports
 * undici for its optional undici client, which this connector does not use (it uses node:http,
 * which needs less memory); loading it anyway cost 20 MB of RSS and 500 KB of bundle.
 */
const absent = (): never => {
  throw new Error("undici is not part of the source-enterpret bundle")
}

export default {}
export const Agent = absent
export const getGlobalDispatcher = absent
