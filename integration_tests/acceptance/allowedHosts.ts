// How the Airbyte platform turns metadata.yaml's `allowedHosts` into the hosts a sync may reach,
// transcribed from airbyte-platform's ConfigReplacer.getAllowedHosts (io.airbyte.commons.converters):
// every string or number in the config, keyed by its dotted path, replaces `${path}`; a value is
// reduced to its host first (a URL's host, or the part before any path); an entry that still holds
// `${` after replacement is dropped. (The platform then adds its own always-allowed monitoring
// hosts, which do not matter here.)

const hostOf = (value: string): string => {
  try {
    return new URL(value.includes("://") ? value : `x://${value}`).hostname
  } catch {
    const afterScheme = value.split("://").at(-1) ?? value
    return (afterScheme.split("/")[0] ?? "").split("@").at(-1) ?? ""
  }
}

const configValues = (config: unknown, prefix: string, out: Map<string, string>): Map<string, string> => {
  if (typeof config === "object" && config !== null && !Array.isArray(config)) {
    for (const [key, value] of Object.entries(config)) {
      const path = prefix === "" ? key : `${prefix}.${key}`
      if (typeof value === "string") out.set(path, hostOf(value))
      else if (typeof value === "number") out.set(path, hostOf(String(value)))
      else configValues(value, path, out)
    }
  }
  return out
}

/** The hosts Airbyte allows for a sync with this config. */
export const allowedHostsFor = (patterns: ReadonlyArray<string>, config: unknown): string[] => {
  const values = configValues(config, "", new Map())
  return patterns
    .map((pattern) => pattern.replace(/\$\{([^}]+)\}/g, (whole, key: string) => values.get(key) ?? whole))
    .filter((host) => !host.includes("${"))
}
