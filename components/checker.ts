// Collects configuration problems, each worded `<path> is <value>; allowed: <what>`, so a caller can report
// every problem at once. Used by the stack config and by the components' argument checks.

import { checkNumber, describeValue, NumberRule } from "./number-rules";

export type Obj = Record<string, unknown>;

/** Collects problems; every check returns a usable value (the default when the input is invalid). */
export class Checker {
  readonly problems: string[] = [];

  fail(path: string, value: unknown, allowed: string): void {
    this.problems.push(`${path} is ${describeValue(value)}; allowed: ${allowed}`);
  }

  object(path: string, value: unknown, keys: readonly string[]): Obj | undefined {
    if (value === undefined || value === null) return undefined;
    if (typeof value !== "object" || Array.isArray(value)) {
      this.fail(path, value, `an object with ${keys.join(", ")}`);
      return undefined;
    }
    for (const k of Object.keys(value)) {
      if (!keys.includes(k)) this.problems.push(`${path}.${k} is not a known option; allowed: ${keys.join(", ")}`);
    }
    return value as Obj;
  }

  bool(path: string, value: unknown, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (value === true || value === "true") return true;
    if (value === false || value === "false") return false;
    this.fail(path, value, "true, false");
    return fallback;
  }

  string(path: string, value: unknown, pattern: RegExp, doc: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== "string" || !pattern.test(value)) {
      this.fail(path, value, doc);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(path: string, value: unknown, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (typeof value !== "string" || !allowed.includes(value as T)) {
      this.fail(path, value, allowed.join(", "));
      return fallback;
    }
    return value as T;
  }

  number(path: string, value: unknown, rule: NumberRule, fallback: number): number {
    if (value === undefined) return fallback;
    const r = checkNumber(path, value, rule);
    if ("error" in r) {
      this.problems.push(r.error);
      return fallback;
    }
    return r.value;
  }

  list(path: string, value: unknown, doc: string): unknown[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.fail(path, value, doc);
      return undefined;
    }
    return value;
  }
}
