import { Context } from "effect"
import type { Settings as SettingsShape } from "./settings.js"

/** The validated configuration, provided to every service once it has been loaded. */
export class Settings extends Context.Tag("source-enterpret/Settings")<Settings, SettingsShape>() {}
