// What the WebService facets in this folder share: the port bound, the integer check and the
// objects' metadata. The facets: container.ts, config.ts, network.ts, scaling.ts, metrics.ts,
// mesh.ts and rbac.ts; constructs/web-service.ts holds the props and the class that wires them.
import { Problems } from '../core/errors';

export const MAX_PORT = 65535;

/** The name and labels every object of one service carries. */
export interface ServiceMeta {
  readonly name: string;
  readonly labels: Record<string, string>;
}

/** Integer in [min, max]; returns whether it is. */
export function checkInt(problems: Problems, prop: string, value: number, min: number, max?: number): boolean {
  const ok = Number.isInteger(value) && value >= min && (max === undefined || value <= max);
  return problems.check(ok, prop, max === undefined ? `must be an integer >= ${min}` : `must be an integer between ${min} and ${max}`, value);
}
