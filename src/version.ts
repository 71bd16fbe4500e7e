/** The package's version, shown by `--version` of both bins and by the tap's `--about`. */
export const VERSION = "0.1.0"
