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

/** One environment's inventory as Markdown: a table an operator checks against the store. */
export function inventoryMarkdown(env: string, entries: readonly RemoteKeyEntry[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const stores = [...new Set(entries.map((e) => e.store))];
  const lines = [
    `# Secret inventory: ${env}`,
    '',
    entries.length === 0
      ? 'No ExternalSecret reads a secret store in this environment.'
      : `${entries.length} remote value(s) in ${stores.join(', ')}, read by the ExternalSecrets of \`dist/${env}/\`. `
        + 'A required one missing fails its ExternalSecret and holds the sync; an optional one (a whole remote secret, `*`) may be missing.',
    '',
  ];
  if (entries.length > 0) {
    lines.push('| stack | remote key | property | required | Secret | what it is |', '|---|---|---|---|---|---|');
    for (const e of entries) {
      lines.push(`| ${e.stack} | \`${esc(e.remoteKey)}\` | ${e.property === '*' ? '* (all)' : `\`${esc(e.property)}\``} | ${e.required ? 'yes' : 'no'} | ${e.secret} | ${esc(e.description ?? 'a credential: a strong random value')} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}
