import { Console, Effect } from "effect"
import { Console as NodeConsole } from "node:console"
import { stripVTControlCharacters } from "node:util"

/**
 * An Effect Console bound to stderr (in tests, a stream standing in for it). stdout carries
 * Airbyte messages only, so the help and usage errors that @effect/cli prints through Console must
 * go here instead. @effect/cli writes its help in ANSI colours whatever the stream is; unless the
 * stream is a terminal, they are taken out (Node's documented `util.stripVTControlCharacters`),
 * so that a help read in a log, a pipe or Airbyte's job log is plain text.
 */
export const stderrConsole = (
  mask: (text: string) => string = (text) => text,
  stderr: NodeJS.WritableStream = process.stderr
): Console.Console => {
  const unsafe = new NodeConsole({ stdout: stderr, stderr })
  const terminal = (stderr as { readonly isTTY?: boolean }).isTTY === true
  // Colours out before the mask: a token split by an escape code would be missed by the mask, then joined.
  const shown = terminal ? mask : (text: string) => mask(stripVTControlCharacters(text))
  // Text is masked on the way out (the token, see MessageOutput.mask); other values go as they are.
  const lift =
    <Args extends ReadonlyArray<unknown>>(f: (...args: Args) => void) =>
    (...args: Args) =>
      Effect.sync(() => f(...(args.map((arg) => (typeof arg === "string" ? shown(arg) : arg)) as unknown as Args)))
  return {
    [Console.TypeId]: Console.TypeId,
    assert: lift((condition: boolean, ...args: ReadonlyArray<unknown>) =>
      unsafe.assert(condition, args[0] as string | undefined, ...args.slice(1))
    ),
    clear: Effect.sync(() => unsafe.clear()),
    count: lift((label?: string) => unsafe.count(label)),
    countReset: lift((label?: string) => unsafe.countReset(label)),
    debug: lift((...args: ReadonlyArray<unknown>) => unsafe.debug(...args)),
    dir: lift((item: unknown, options?: unknown) => unsafe.dir(item, options as object)),
    dirxml: lift((...args: ReadonlyArray<unknown>) => unsafe.dirxml(...args)),
    error: lift((...args: ReadonlyArray<unknown>) => unsafe.error(...args)),
    group: lift((options?: { readonly label?: string | undefined; readonly collapsed?: boolean | undefined }) =>
      options?.collapsed ? unsafe.groupCollapsed(options.label) : unsafe.group(options?.label)
    ),
    groupEnd: Effect.sync(() => unsafe.groupEnd()),
    info: lift((...args: ReadonlyArray<unknown>) => unsafe.info(...args)),
    log: lift((...args: ReadonlyArray<unknown>) => unsafe.log(...args)),
    table: lift((data: unknown, properties?: ReadonlyArray<string>) => unsafe.table(data, properties as Array<string>)),
    time: lift((label?: string) => unsafe.time(label)),
    timeEnd: lift((label?: string) => unsafe.timeEnd(label)),
    timeLog: lift((label?: string, ...args: ReadonlyArray<unknown>) => unsafe.timeLog(label, ...args)),
    trace: lift((...args: ReadonlyArray<unknown>) => unsafe.trace(...args)),
    warn: lift((...args: ReadonlyArray<unknown>) => unsafe.warn(...args)),
    unsafe
  }
}
