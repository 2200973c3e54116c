// The permission documents a resource carries (a Role's inline policies, a policy resource's `policy`) and
// their statements, read on their known parts.

import { PolicyDocumentError, readStatements, Statement } from "./policy-document";
import { T } from "./types";
import { UnknownValues } from "./unknowns";

type Props = Record<string, any>;

/** A permission policy document carried by a resource, with how messages name it. */
export interface DocumentSource {
  label: string;
  read: () => unknown;
}

/** The permission documents of a Role (its inline policies) or of a standalone policy resource. */
export function permissionDocuments(type: string, props: Props, unknowns: UnknownValues): DocumentSource[] {
  if (type !== T.role) return [{ label: "Policy", read: () => props.policy }];
  const inline = unknowns.attempt(() => {
    const list = props.inlinePolicies;
    return Array.isArray(list) ? list.length : 0;
  });
  const out: DocumentSource[] = [];
  for (let i = 0; i < (inline ?? 0); i++) {
    const name = unknowns.attempt(() => props.inlinePolicies[i].name) ?? String(i);
    out.push({ label: `Inline policy "${name}"`, read: () => props.inlinePolicies[i].policy });
  }
  return out;
}

/**
 * The statements of the given documents, each with where it is ("Policy statement 2"). Unknown documents or
 * values are skipped and recorded in `unknowns`; a malformed document goes to `onMalformed`.
 */
export function statementsOf(
  sources: DocumentSource[],
  unknowns: UnknownValues,
  onMalformed: (message: string) => void,
): { where: string; st: Statement }[] {
  const out: { where: string; st: Statement }[] = [];
  for (const source of sources) {
    const doc = unknowns.attempt(source.read);
    if (doc === undefined || doc === null || doc === "") continue;
    try {
      for (const st of readStatements(doc, unknowns)) out.push({ where: `${source.label} statement ${st.index}`, st });
    } catch (e) {
      if (!(e instanceof PolicyDocumentError)) throw e;
      onMalformed(`${source.label} is not a valid policy document: ${e.message}.`);
    }
  }
  return out;
}
