/**
 * An exception thrown outside every Effect (in a Node callback) would end the process with the
 * bundle's minified source line on stderr (40 KB of it, once) and a stack. One short line
 * instead, then exit 1: what went wrong, never the source.
 */
export const installLastResort = (name: string): void => {
  const report = (error: unknown) => {
    const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error)
    process.stderr.write(`${name}: internal error: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}\n`)
    process.exit(1)
  }
  process.on("uncaughtException", report)
  process.on("unhandledRejection", report)
}
