// Unknown values at preview. The engine wraps every resource's props in `unknownCheckingProxy`:
// reading a value that is not known yet throws `UnknownValueError`, and the server turns that error
// into an advisory "can't run policy ... during preview" instead of a violation.
// @pulumi/policy 1.21 exports both at runtime, but its `proxy.d.ts` ships empty, hence the typed require.

interface ProxyModule {
  unknownCheckingProxy<T extends object>(props: T): T;
  UnknownValueError: new (sentinel: string, props: string[]) => Error;
}

const proxyModule: ProxyModule = require("@pulumi/policy");

/** Wraps props exactly as the policy server does. */
export const unknownCheckingProxy = proxyModule.unknownCheckingProxy;

/**
 * True for the error a proxied read of an unknown value throws. Duck-typed as well as `instanceof`, so that
 * it also holds when the pack and its caller load different copies of @pulumi/policy.
 */
export function isUnknownValueError(e: unknown): e is Error & { props: string[] } {
  if (e instanceof proxyModule.UnknownValueError) return true;
  const o = e as { props?: unknown; unknownTypeSentinel?: unknown } | null;
  return e instanceof Error && Array.isArray(o?.props) && typeof o?.unknownTypeSentinel === "string";
}

/**
 * Lets a policy check every part it can and still end the way the engine expects: each `attempt` that reads an
 * unknown value is skipped, the violations found elsewhere are reported, and `finish()` rethrows the first
 * unknown-value error so the server adds its advisory "can't run ... during preview" note.
 */
export class UnknownValues {
  private first: Error | undefined;

  attempt<T>(read: () => T): T | undefined {
    try {
      return read();
    } catch (e) {
      if (!isUnknownValueError(e)) throw e;
      this.first ??= e;
      return undefined;
    }
  }

  finish(): void {
    if (this.first) throw this.first;
  }
}
