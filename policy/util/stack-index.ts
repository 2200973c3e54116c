// Stack policies follow references between resources: a function's role, a state machine's role, a role
// policy's role. The engine gives `propertyDependencies` (which resources fed which input, known even at
// preview); values are matched as well (a role ARN equal to a Role's `arn`), which also works for resources
// built by other means (offline checks, imported state).

import { PolicyResource } from "@pulumi/policy";
import { UnknownValues } from "./unknowns";

export class StackIndex {
  private readonly byType = new Map<string, PolicyResource[]>();

  constructor(readonly resources: PolicyResource[]) {
    for (const r of resources) this.byType.set(r.type, [...(this.byType.get(r.type) ?? []), r]);
  }

  ofType(type: string): PolicyResource[] {
    return this.byType.get(type) ?? [];
  }
}

export interface Ref {
  /** The referring value, when known and a string. */
  value?: string;
  /** The resources of the target type it refers to. */
  resources: PolicyResource[];
}

/**
 * The resources of `targetType` that `from.props[prop]` refers to, through propertyDependencies or because the
 * value equals one of the target's `matchProps`. Unknown values are skipped and recorded in `unknowns`.
 */
export function refsTo(
  stack: StackIndex,
  from: PolicyResource,
  prop: string,
  targetType: string,
  matchProps: string[],
  unknowns: UnknownValues,
): Ref {
  const deps = (from.propertyDependencies?.[prop] ?? []).filter((r) => r.type === targetType);
  // With the engine's dependencies in hand the value is only a label: an unknown one is no reason to skip.
  const raw = (deps.length > 0 ? new UnknownValues() : unknowns).attempt(() => from.props[prop]);
  const value = typeof raw === "string" ? raw : undefined;
  if (deps.length > 0 || value === undefined) return { value, resources: deps };
  const found = stack.ofType(targetType).filter((target) => matchProps.some((key) => unknowns.attempt(() => target.props[key]) === value));
  return { value, resources: found };
}

/** The known values of a function's environment (each unknown one left out). */
export function knownEnv(f: PolicyResource): string[] {
  const probe = new UnknownValues();
  const vars = probe.attempt(() => f.props.environment?.variables) as Record<string, unknown> | undefined;
  if (!vars || typeof vars !== "object") return [];
  const out: string[] = [];
  for (const k of Object.keys(vars)) {
    const v = probe.attempt(() => vars[k]);
    if (v !== undefined) out.push(String(v));
  }
  return out;
}
