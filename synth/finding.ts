// What a check reports, and how it reads. Apart from synth/index.ts (the runner), so that the
// safety net and the jest matchers load without the writer: the package ships them alone.
import type { RenderedStack } from './render';

/** One problem found in synthesized output. */
export interface Finding {
  readonly env: string;
  readonly stack: string;
  readonly kind: string;
  readonly name: string;
  /** The construct path that made the object. */
  readonly constructPath: string;
  /** Dotted path of the offending field, such as `spec.template.spec.containers[0].image`. */
  readonly field: string;
  readonly message: string;
  /** How to fix it. */
  readonly hint?: string;
}

/**
 * Checks one synthesized stack (`dist/<env>/<stack>/`), so it can look across its objects.
 * The synth calls it once per stack, right after rendering it.
 */
export type Validator = (stack: RenderedStack) => Finding[];

/** `<env>/<stack> <kind>/<name> [<construct path>] <field>: <message> (hint: <fix>)` */
export function formatFinding(f: Finding): string {
  return `${f.env}/${f.stack} ${f.kind}/${f.name} [${f.constructPath}] ${f.field}: ${f.message}${f.hint ? ` (hint: ${f.hint})` : ''}`;
}
