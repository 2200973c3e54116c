// The settings of the breaker an event is for. One handler plane serves every breaker of a stack: each state
// machine sends its breaker's deployed settings (and, when enabled, its settings parameter) in every payload
// (core/definition/breaker-context.ts). They are validated once per settings fingerprint (the settings' JSON
// text, as sent) and cached for the container's life, never per call; settings that do not validate refuse the
// event with an InvalidEventError naming the setting, the value and what is allowed, before any state is touched.
// With a settings parameter, a SettingsSource per breaker (./settings-source.ts) merges its overrides over the
// deployed settings, read at most once per refresh interval.

import { BreakerContextEvent, InvalidEventError } from "../../core/contracts";
import { BreakerSettings, loadSettings, SettingsError } from "../../core/settings";
import { Log } from "./logging";
import { ParameterFetcher, SettingsSource } from "./settings-source";

/** Distinct settings a container keeps validated; a stack has one entry per breaker (more only across deploys). */
export const MAX_CACHED_SETTINGS = 1000;

export interface BreakerSettingsOptions {
  /** Settings for events that carry none (tests and local tools serving one breaker); null: refuse such events. */
  fallback: BreakerSettings | null;
  /** Reads a settings parameter (SSM in Lambda); absent: a settingsParameter in an event is refused. */
  fetchParameter?: ParameterFetcher;
  /** Applied to the validated settings (the local runtime's time-lapse). */
  adjust?: (s: BreakerSettings) => BreakerSettings;
  /** Epoch ms: the settings parameter's refresh clock. */
  now: () => number;
}

type Validated = { settings: BreakerSettings } | { error: string };

/** Validated settings per fingerprint, and a settings source per breaker parameter. */
export class BreakerSettingsCache {
  private readonly validated = new Map<string, Validated>();
  private readonly sources = new Map<string, SettingsSource>();
  /** How many times settings were validated (a test proves it is once per fingerprint). */
  validations = 0;

  constructor(private readonly o: BreakerSettingsOptions) {}

  /** The deployed settings the event carries (validated once per fingerprint). Throws InvalidEventError. */
  deployed(event: BreakerContextEvent, what: string): BreakerSettings {
    if (event.settings === undefined) {
      if (this.o.fallback) return this.o.fallback;
      throw new InvalidEventError(
        `${what}.settings is missing; allowed: the breaker's deployed settings (a JSON object), which every state machine of the stack sends`,
      );
    }
    const fingerprint = JSON.stringify(event.settings);
    let entry = this.validated.get(fingerprint);
    if (!entry) {
      this.validations += 1;
      try {
        const valid = loadSettings(event.settings, "settings");
        entry = { settings: Object.freeze(this.o.adjust ? this.o.adjust(valid) : valid) };
      } catch (e) {
        if (!(e instanceof SettingsError)) throw e;
        entry = { error: e.message };
      }
      if (this.validated.size >= MAX_CACHED_SETTINGS) this.validated.clear();
      this.validated.set(fingerprint, entry);
    }
    if ("error" in entry) throw new InvalidEventError(`${what}.${entry.error}`);
    return entry.settings;
  }

  /** The settings in force now: the deployed ones, with the breaker's settings parameter applied when it has one. */
  async current(event: BreakerContextEvent, what: string, log: Log): Promise<BreakerSettings> {
    const deployed = this.deployed(event, what);
    const ref = event.settingsParameter;
    if (!ref) return deployed;
    if (!this.o.fetchParameter) {
      throw new InvalidEventError(
        `${what}.settingsParameter is ${JSON.stringify(ref)}; allowed: none for this handler (it does not read settings parameters)`,
      );
    }
    const key = `${event.breaker}\u0000${ref.name}\u0000${ref.refreshSeconds}\u0000${JSON.stringify(event.settings ?? null)}`;
    let source = this.sources.get(key);
    if (!source) {
      if (this.sources.size >= MAX_CACHED_SETTINGS) this.sources.clear();
      source = new SettingsSource({
        parameter: ref.name,
        refreshSeconds: ref.refreshSeconds,
        deployed,
        fetch: this.o.fetchParameter,
        now: this.o.now,
      });
      this.sources.set(key, source);
    }
    return source.current(log);
  }
}
