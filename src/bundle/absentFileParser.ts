/**
 * Stands in for `yaml`, `toml` and `ini` in the bundle. @effect/cli imports them to read option
 * values from YAML, TOML and INI files, which no option of this connector does (its files are
 * JSON, read by src/config); loading them anyway cost memory on every command.
 */
export const parse = (): never => {
  throw new Error("only JSON files are read by source-enterpret")
}
