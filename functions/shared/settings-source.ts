// The effective breaker settings of a running function: the deployed settings (sent with each event) with the
// overrides of a parameter (SSM Parameter Store in Lambda) merged over them, read at most once per refresh
// interval and cached. A read that fails or a document that is invalid changes nothing: the last good settings
// (at first the deployed ones) stay in force and one warning names the problem. current() never rejects.
//
// The parameter and its refresh interval come with each event (core/definition/breaker-context.ts); one source
// per breaker lives in ./breaker-settings.ts.
// This file does no I/O itself: the parameter is read through the injected ParameterFetcher.

import { BreakerSettings, SettingsError } from "../../core/settings";
import { errorAttributes, Log } from "./logging";
import { applyOverrides, changedSettings, refreshDue } from "../../core/settings-overrides";

/** The parameter's current text; rejects when it cannot be read (missing, access denied, timeout, ...). */
export type ParameterFetcher = (name: string) => Promise<string>;

export interface SettingsSourceConfig {
  parameter: string;
  refreshSeconds: number;
}

export interface SettingsSourceOptions extends SettingsSourceConfig {
  /** The deployed settings: in force until the parameter is read, and the base every override is merged over. */
  deployed: BreakerSettings;
  fetch: ParameterFetcher;
  /** Epoch ms; Date.now in Lambda. */
  now: () => number;
}

function problem(err: unknown): string {
  const { errorName, errorMessage } = errorAttributes(err);
  return errorMessage ? `${errorName}: ${errorMessage}` : String(errorName);
}

export class SettingsSource {
  private effective: BreakerSettings;
  /** The parameter text the effective settings come from (null: none applied yet). */
  private appliedText: string | null = null;
  private lastAttemptAt: number | null = null;
  private refreshing: Promise<BreakerSettings> | null = null;

  constructor(private readonly o: SettingsSourceOptions) {
    this.effective = o.deployed;
  }

  /** The settings in force now; reads the parameter first when a refresh is due (callers meanwhile share that read). */
  current(log: Log): Promise<BreakerSettings> {
    if (this.refreshing) return this.refreshing;
    const now = this.o.now();
    if (!refreshDue(this.lastAttemptAt, now, this.o.refreshSeconds * 1000)) return Promise.resolve(this.effective);
    this.lastAttemptAt = now;
    this.refreshing = this.refresh(log).finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  private async refresh(log: Log): Promise<BreakerSettings> {
    const { parameter } = this.o;
    const keeping = this.appliedText === null ? "the deployed settings" : "the last good settings";
    let text: string;
    try {
      text = await this.o.fetch(parameter);
    } catch (err) {
      log.warn(`settings parameter ${parameter} could not be read, keeping ${keeping}: ${problem(err)}`, {
        parameter,
        nextAttemptInSeconds: this.o.refreshSeconds,
        ...errorAttributes(err),
      });
      return this.effective;
    }
    if (text === this.appliedText) return this.effective;
    let next: BreakerSettings;
    try {
      next = applyOverrides(this.o.deployed, text, parameter);
    } catch (err) {
      log.warn(`settings parameter ${parameter} is not applied, keeping ${keeping}: ${problem(err)}`, {
        parameter,
        ...(err instanceof SettingsError ? { setting: err.setting } : {}),
        nextAttemptInSeconds: this.o.refreshSeconds,
        ...errorAttributes(err),
      });
      return this.effective;
    }
    const changes = changedSettings(this.effective, next);
    this.effective = next;
    this.appliedText = text;
    if (changes.length > 0) log.info(`settings parameter ${parameter} applied`, { parameter, changes });
    return next;
  }
}
