import { IConstruct } from 'constructs';

/**
 * The one error berth throws for bad input. Its message lists every problem found,
 * one per line, each naming the construct path, the prop and the value received:
 * `[giia-prod/auth] 'replicas' must be >= 1, received 0`.
 */
export class ValidationError extends Error {
  public readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ValidationError';
    this.problems = problems;
  }
}

/** Renders a received value the same way in every message. */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  if (typeof value === 'function') return `<function ${value.name || '(anonymous)'}>`;
  // A construct (a store passed where a service belongs) is a cycle: name it by its path.
  const path = (value as { node?: { path?: unknown } }).node?.path;
  if (typeof path === 'string') return `<${value.constructor?.name ?? 'construct'} ${path}>`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return `<${value.constructor?.name ?? typeof value}>`;
  }
}

/**
 * Collects problems for one construct so that all of them are reported at once.
 * Validate everything, then call `throwIfAny()` before building children.
 */
export class Problems {
  private readonly list: string[] = [];
  private readonly path: string;

  constructor(scope: IConstruct | string) {
    this.path = typeof scope === 'string' ? scope : scope.node.path;
  }

  /** Records a problem: `'<prop>' <message>, received <value>`. */
  public add(prop: string, message: string, received: unknown): void {
    this.list.push(`[${this.path}] '${prop}' ${message}, received ${formatValue(received)}`);
  }

  /** Records a problem whose value says nothing more: `'<prop>' <message>`. */
  public addPlain(prop: string, message: string): void {
    this.list.push(`[${this.path}] '${prop}' ${message}`);
  }

  /** Records a problem when `ok` is false. Returns `ok`. */
  public check(ok: boolean, prop: string, message: string, received: unknown): boolean {
    if (!ok) this.add(prop, message, received);
    return ok;
  }

  public get count(): number {
    return this.list.length;
  }

  /** The problems recorded so far, formatted. */
  public get messages(): readonly string[] {
    return [...this.list];
  }

  public throwIfAny(): void {
    if (this.list.length > 0) throw new ValidationError([...this.list]);
  }
}
