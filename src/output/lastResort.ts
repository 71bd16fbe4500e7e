/**
 * An exception thrown outside every Effect (in a Node callback) would end the process with the
 * bundle's minified source line on stderr (40 KB of it, once) and a stack. One short line
 * instead, then exit 1: what went wrong, never the source. The line goes through `mask`, the
 * token redactor of the command's output, like every other line the connector writes: an
 * error's message may quote a config value or an answer that repeats the token.
 */
export const installLastResort = (name: string, mask: (text: string) => string): void => {
  const report = (error: unknown) => {
    const text = mask(error instanceof Error ? `${error.name}: ${error.message}` : String(error))
    process.stderr.write(`${name}: internal error: ${text.length > 300 ? `${text.slice(0, 300)}…` : text}\n`)
    process.exit(1)
  }
  process.on("uncaughtException", report)
  process.on("unhandledRejection", report)
}
