// Breaker settings: the schema (core/schema/settings.ts) is the one definition of every tunable, its default
// and its allowed range; this module keeps the entry points the rest of the code uses.
import { parseWith } from "./schema/format";
import {
  BreakerSettings,
  defaultSettings,
  NUMBER_RULES,
  ON_STORE_ERROR,
  SETTING_NAMES,
  settingsSchema,
  TRIP_RULES,
} from "./schema/settings";

export type { BreakerSettings, OnStoreError, TripRule } from "./schema/settings";
export { NUMBER_RULES, ON_STORE_ERROR, SETTING_NAMES, TRIP_RULES };

export const DEFAULT_SETTINGS: Readonly<BreakerSettings> = Object.freeze(defaultSettings());

/** A setting that is unknown, of the wrong type or out of range. */
export class SettingsError extends Error {
  constructor(
    public readonly setting: string,
    message: string,
  ) {
    super(message);
    this.name = "SettingsError";
  }
}

/**
 * Validates and completes settings. Unknown keys (Object.prototype names included), wrong types (a string is
 * not a number) and values out of range throw a SettingsError naming the setting (prefixed by `where`), the
 * value and what is allowed.
 */
export function loadSettings(raw: unknown, where = "settings"): BreakerSettings {
  return parseWith(
    settingsSchema,
    raw === null ? undefined : raw,
    where,
    (path, message) => new SettingsError(path, message),
  ) as BreakerSettings;
}
