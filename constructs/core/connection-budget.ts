// Connection budgets: what each client of a connection-limited store (postgres, or a pooler
// in front of it) may open, written on the client's workload object so the synth can add
// them up against the store's limit. On the object, not the pod template: changing a
// declaration never restarts pods.

/** `<service>=<connections per pod>,…` on a client workload: its pool size to each limited store. */
export const CONNECTION_POOLS_ANNOTATION = 'berth.dev/connection-pools';

/** On a pooler's workload: client connections one pooler pod accepts (PgBouncer `max_client_conn`). */
export const MAX_CLIENT_CONNECTIONS_ANNOTATION = 'berth.dev/max-client-connections';

/** A web service's pool size to a connection-limited store when it declares none: SQLAlchemy's and most drivers' default. */
export const DEFAULT_SERVICE_POOL = 5;

/** A job's (migration, backup) pool size when it declares none: one session. */
export const DEFAULT_JOB_POOL = 1;

/** The annotation value for `pools` (service → size), sorted so output is stable; undefined when empty. */
export function formatPools(pools: ReadonlyMap<string, number>): string | undefined {
  if (pools.size === 0) return undefined;
  return [...pools].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([s, n]) => `${s}=${n}`).join(',');
}

/** Parses the annotation; malformed entries are returned apart. */
export function parsePools(value: string): { pools: Map<string, number>; invalid: string[] } {
  const pools = new Map<string, number>();
  const invalid: string[] = [];
  for (const entry of value.split(',')) {
    const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)=([1-9][0-9]*)$/.exec(entry.trim());
    if (m) pools.set(m[1], Number(m[3]));
    else invalid.push(entry);
  }
  return { pools, invalid };
}
