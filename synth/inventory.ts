// The secret inventory: every remote key an environment's ExternalSecrets read from its secret
// store, so an operator can check the store before a sync (and know which values only they
// can supply). Read from the synthesized objects, so it is exactly what the cluster will ask for.
import { PROVIDED_VALUES_ANNOTATION } from '../constructs/provided-secret';
import type { Manifest } from './render';

export interface RemoteKeyEntry {
  readonly stack: string;
  /** The ExternalSecret and the Secret it makes. */
  readonly externalSecret: string;
  readonly secret: string;
  /** `ClusterSecretStore/<name>` or `SecretStore/<name>`. */
  readonly store: string;
  readonly remoteKey: string;
  /** The property read, or `*` when the whole remote secret is (an optional set of values). */
  readonly property: string;
  /** A sync waits on it; an optional one may be missing. */
  readonly required: boolean;
  /** What an operator must put there: for values only an operator knows. */
  readonly description?: string;
}

const rec = (v: unknown): Record<string, unknown> => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {});
const recs = (v: unknown): Record<string, unknown>[] => (Array.isArray(v) ? v.map(rec) : []);

/** The remote keys of one stack's objects, in object order. */
export function remoteKeysOf(stack: string, manifests: readonly Manifest[]): RemoteKeyEntry[] {
  const out: RemoteKeyEntry[] = [];
  for (const m of manifests) {
    if (m.kind !== 'ExternalSecret' || !m.apiVersion.startsWith('external-secrets.io/')) continue;
    const spec = rec(m.spec);
    const storeRef = rec(spec.secretStoreRef);
    const store = `${typeof storeRef.kind === 'string' ? storeRef.kind : 'SecretStore'}/${String(storeRef.name)}`;
    const target = rec(spec.target);
    const secret = typeof target.name === 'string' ? target.name : m.metadata.name;
    let provided: Record<string, { description?: string; required?: boolean }> = {};
    try {
      provided = JSON.parse(m.metadata.annotations?.[PROVIDED_VALUES_ANNOTATION] ?? '{}');
    } catch {
      provided = {};
    }
    const optionalSecret = target.deletionPolicy === 'Delete';
    const base = { stack, externalSecret: m.metadata.name, secret, store };
    for (const d of recs(spec.data)) {
      const ref = rec(d.remoteRef);
      const key = String(d.secretKey);
      out.push({
        ...base, remoteKey: String(ref.key), property: typeof ref.property === 'string' ? ref.property : '*',
        required: provided[key]?.required ?? !optionalSecret, ...(provided[key]?.description ? { description: provided[key].description } : {}),
      });
    }
    for (const d of recs(spec.dataFrom)) {
      const extract = rec(d.extract);
      if (typeof extract.key !== 'string') continue;
      const described = Object.entries(provided).map(([k, v]) => `${k}${v.required ? '' : ' (optional)'}: ${v.description}`).join('; ');
      out.push({ ...base, remoteKey: extract.key, property: '*', required: !optionalSecret, ...(described ? { description: described } : {}) });
    }
  }
  return out;
}

const esc = (s: string) => s.replace(/\|/g, '\\|');
const MISSING_RULE = 'A required one missing fails its ExternalSecret and holds the sync; an optional one (a whole remote secret, `*`) may be missing.';

/** An entry's row: stack, remote key, property, required, Secret, then `extra`, then what it is. */
function inventoryRow(e: RemoteKeyEntry, extra: readonly string[] = []): string {
  const property = e.property === '*' ? '* (all)' : `\`${esc(e.property)}\``;
  return `| ${[e.stack, `\`${esc(e.remoteKey)}\``, property, e.required ? 'yes' : 'no', e.secret, ...extra,
    esc(e.description ?? 'a credential: a strong random value')].join(' | ')} |`;
}

/** One environment's inventory as Markdown: a table an operator checks against the store. */
export function inventoryMarkdown(env: string, entries: readonly RemoteKeyEntry[]): string {
  const stores = [...new Set(entries.map((e) => e.store))];
  const lines = [
    `# Secret inventory: ${env}`,
    '',
    entries.length === 0
      ? 'No ExternalSecret reads a secret store in this environment.'
      : `${entries.length} remote value(s) in ${stores.join(', ')}, read by the ExternalSecrets of \`dist/${env}/\`. `
        + MISSING_RULE,
    '',
  ];
  if (entries.length > 0) {
    lines.push('| stack | remote key | property | required | Secret | what it is |', '|---|---|---|---|---|---|');
    for (const e of entries) lines.push(inventoryRow(e));
    lines.push('');
  }
  return lines.join('\n');
}

/** A remote value of an environment with several clusters, and which of them read it. */
export interface EnvironmentKeyEntry extends RemoteKeyEntry {
  /** The cluster directories (`prod-eu-west`, …) whose ExternalSecrets read it. */
  readonly clusters: readonly string[];
}

/**
 * An environment's inventory across its clusters: they share the environment's secret store
 * and its keys (`<stack>-<env>/<secret>`), so each remote value is listed once, with the
 * clusters that read it, in the order the first cluster lists them.
 */
export function environmentInventory(perCluster: readonly { readonly dir: string; readonly entries: readonly RemoteKeyEntry[] }[]): EnvironmentKeyEntry[] {
  const byKey = new Map<string, { entry: RemoteKeyEntry; clusters: string[] }>();
  for (const { dir, entries } of perCluster) {
    for (const e of entries) {
      const key = JSON.stringify([e.stack, e.store, e.remoteKey, e.property, e.externalSecret]);
      const seen = byKey.get(key);
      if (seen) {
        if (!seen.clusters.includes(dir)) seen.clusters.push(dir);
      } else {
        byKey.set(key, { entry: e, clusters: [dir] });
      }
    }
  }
  return [...byKey.values()].map(({ entry, clusters }) => ({ ...entry, clusters }));
}

/** An environment's inventory across its clusters as Markdown: the one list its store is checked against. */
export function environmentInventoryMarkdown(env: string, dirs: readonly string[], entries: readonly EnvironmentKeyEntry[]): string {
  const stores = [...new Set(entries.map((e) => e.store))];
  const lines = [
    `# Secret inventory: ${env}, every cluster`,
    '',
    `${entries.length} remote value(s) in ${stores.join(', ')}, read by the ExternalSecrets of ${dirs.map((d) => `\`dist/${d}/\``).join(', ')}. `
      + 'The clusters share the environment\'s keys, so the store holds each value once; each cluster\'s own list is in `<cluster>/secret-inventory.md`. '
      + MISSING_RULE,
    '',
    '| stack | remote key | property | required | Secret | clusters | what it is |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const e of entries) lines.push(inventoryRow(e, [e.clusters.length === dirs.length ? 'all' : e.clusters.join(', ')]));
  lines.push('');
  return lines.join('\n');
}
