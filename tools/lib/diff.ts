// Semantic diff of synthesized stacks: objects matched by group/kind/name, then a
// field-level structural diff (microdiff) over a normalized form of each manifest.
import microdiff from 'microdiff';
import { risksOf, Risk } from './risk';
import { StackManifests } from './load';
import { Container, groupOf, Manifest, podTemplateOf, specOf, VolumeClaim } from './shapes';

export type { Risk, RiskCategory } from './risk';

/** What part of an object a field belongs to, so reviewers can scan for what matters. */
export type Topic =
  | 'image' | 'selector' | 'scaling' | 'resources' | 'probes' | 'security' | 'policy' | 'route'
  | 'env' | 'storage' | 'ports' | 'metadata' | 'other';

export interface FieldChange {
  /** `spec.template.spec.containers[auth].image`: named list items by name, others by index. */
  readonly path: string;
  readonly op: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
  readonly topic: Topic;
}

export interface ObjectDiff {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly change: 'added' | 'removed' | 'changed';
  /** Key facts of an added or removed object: images, replicas, ports, hosts, size. */
  readonly summary?: string;
  /** Field-level changes; empty for added and removed objects. */
  readonly fields: readonly FieldChange[];
  readonly risks: readonly Risk[];
}

export interface StackDiff {
  /** The environment, or `dev→prod` when comparing two environments. */
  readonly env: string;
  readonly stack: string;
  readonly objects: readonly ObjectDiff[];
}

export interface DiffReport {
  /** What the left side is: `HEAD`, or an environment. */
  readonly from: string;
  /** What the right side is: `working tree`, a ref, or an environment. */
  readonly to: string;
  /** Only stacks with differences. */
  readonly stacks: readonly StackDiff[];
}

export interface DiffCounts {
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  /** Risks across all objects. */
  readonly risky: number;
}

export function countsOf(report: DiffReport): DiffCounts {
  const objects = report.stacks.flatMap((s) => s.objects);
  return {
    added: objects.filter((o) => o.change === 'added').length,
    removed: objects.filter((o) => o.change === 'removed').length,
    changed: objects.filter((o) => o.change === 'changed').length,
    risky: objects.reduce((n, o) => n + o.risks.length, 0),
  };
}

/** `--exit-code`: 0 when equal, 1 when anything differs, 2 when something risky does. */
export function exitCodeOf(report: DiffReport): 0 | 1 | 2 {
  const c = countsOf(report);
  if (c.risky > 0) return 2;
  return c.added + c.removed + c.changed > 0 ? 1 : 0;
}

// ---------------------------------------------------------------------------------------
// Normalization: lists whose items carry a unique key become maps, so inserting a
// container or an env var shows as one addition instead of every later item changing.

/** Item keys in the order tried, as in strategic merge patch (`metadata.name`: volumeClaimTemplates). */
const LIST_KEYS: readonly (readonly string[])[] = [['name'], ['metadata', 'name'], ['mountPath'], ['containerPort'], ['port'], ['host'], ['secretName']];

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Each item's key, when every item has a distinct one. */
function listKeys(items: readonly unknown[]): string[] | undefined {
  if (items.length === 0 || !items.every(isPlainObject)) return undefined;
  for (const key of LIST_KEYS) {
    const values = items.map((i) => at(i, key));
    if (values.every((v) => typeof v === 'string' || typeof v === 'number') && new Set(values).size === values.length) return values.map(String);
  }
  return undefined;
}

const isSegment = (k: string): boolean => /^\[.*\]$/.test(k);

/** Keyed lists → `{ "[auth]": {...} }`. Real keys never look like `[x]`. */
function keyed(v: unknown): unknown {
  if (Array.isArray(v)) {
    const keys = listKeys(v);
    if (keys === undefined) return v.map(keyed);
    return Object.fromEntries(v.map((item, i) => [`[${keys[i]}]`, keyed(item)]));
  }
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, keyed(x)]));
  return v;
}

/** Back from `keyed`, for display. */
function unkeyed(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(unkeyed);
  if (isPlainObject(v)) {
    const entries = Object.entries(v);
    if (entries.length > 0 && entries.every(([k]) => isSegment(k))) return entries.map(([, x]) => unkeyed(x));
    return Object.fromEntries(entries.map(([k, x]) => [k, unkeyed(x)]));
  }
  return v;
}

function formatPath(path: readonly (string | number)[]): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (isSegment(p)) out += p;
    // Label and annotation keys hold dots and slashes.
    else if (/[./\s]/.test(p)) out += `[${JSON.stringify(p)}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

function at(v: unknown, path: readonly (string | number)[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

const isPrimitiveList = (v: unknown): boolean =>
  Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object');

/** The shortest prefix of `path` that is a list of scalars on either side, if any. */
function scalarListPrefix(a: unknown, b: unknown, path: readonly (string | number)[]): (string | number)[] | undefined {
  for (let i = 1; i <= path.length; i++) {
    const prefix = path.slice(0, i);
    if (isPrimitiveList(at(a, prefix)) || isPrimitiveList(at(b, prefix))) return prefix;
  }
  return undefined;
}

const POLICY_KINDS = new Set([
  'NetworkPolicy', 'AuthorizationPolicy', 'PeerAuthentication', 'PodDisruptionBudget',
  'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding', 'ResourceQuota', 'LimitRange',
]);
const ROUTE_KINDS = new Set(['Ingress', 'HTTPRoute', 'GRPCRoute', 'Gateway', 'VirtualService', 'DestinationRule']);

export function topicOf(kind: string, path: string): Topic {
  if (/\.image(PullPolicy)?$/.test(path)) return 'image';
  if (/^spec\.selector(\.|\[|$)/.test(path)) return 'selector';
  if (/(^|\.)(replicas|minReplicas|maxReplicas)$/.test(path) || kind === 'HorizontalPodAutoscaler' || kind === 'VerticalPodAutoscaler') return 'scaling';
  if (/(liveness|readiness|startup)Probe/.test(path)) return 'probes';
  if (/securityContext|\.host(Network|PID|IPC)$/i.test(path)) return 'security';
  if (POLICY_KINDS.has(kind)) return 'policy';
  if (ROUTE_KINDS.has(kind)) return 'route';
  if (kind === 'PersistentVolumeClaim' || path.includes('volumeClaimTemplates')) return 'storage';
  if (/\.resources(\.|$)/.test(path)) return 'resources';
  if (/\.env(From)?(\[|\.|$)/.test(path)) return 'env';
  if (/\.ports(\[|\.|$)/.test(path)) return 'ports';
  if (path.startsWith('metadata.')) return 'metadata';
  return 'other';
}

/** Field-level changes between two versions of one object. */
export function diffFields(kind: string, before: Manifest, after: Manifest): FieldChange[] {
  const a = keyed(before) as Record<string, Json>;
  const b = keyed(after) as Record<string, Json>;
  const seen = new Set<string>();
  const out: FieldChange[] = [];
  for (const d of microdiff(a, b)) {
    // A list of scalars (args, hosts, capabilities) reads best as one before/after pair.
    const path = scalarListPrefix(a, b, d.path) ?? d.path;
    const p = formatPath(path);
    if (seen.has(p)) continue;
    seen.add(p);
    const va = at(a, path);
    const vb = at(b, path);
    out.push({
      path: p,
      op: va === undefined ? 'added' : vb === undefined ? 'removed' : 'changed',
      ...(va !== undefined ? { before: unkeyed(va) } : {}),
      ...(vb !== undefined ? { after: unkeyed(vb) } : {}),
      topic: topicOf(kind, p),
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------

function containersOf(m: Manifest): readonly Container[] {
  const spec = podTemplateOf(m)?.spec;
  return [...(spec?.initContainers ?? []), ...(spec?.containers ?? [])];
}

/** A one-line description of an added or removed object. */
export function summaryOf(m: Manifest): string | undefined {
  const parts: string[] = [];
  const images = [...new Set(containersOf(m).map((c) => c.image).filter((i): i is string => !!i))];
  if (images.length) parts.push(images.join(', '));
  const spec = specOf<Record<string, unknown>>(m) ?? {};
  if (typeof spec.replicas === 'number') parts.push(`${spec.replicas} replica(s)`);
  if (m.kind === 'HorizontalPodAutoscaler') parts.push(`${spec.minReplicas ?? 1}–${spec.maxReplicas} replicas`);
  if (m.kind === 'Service') {
    const ports = (spec.ports as { port: number }[] | undefined ?? []).map((p) => p.port);
    parts.push(`${(spec.type as string | undefined) ?? 'ClusterIP'}${spec.clusterIP === 'None' ? ' (headless)' : ''} ${ports.join(',')}`.trim());
  }
  if (m.kind === 'Ingress') {
    const hosts = (spec.rules as { host?: string }[] | undefined ?? []).map((r) => r.host ?? '*');
    if (hosts.length) parts.push(hosts.join(', '));
  }
  const claims: VolumeClaim[] = m.kind === 'PersistentVolumeClaim' ? [m as unknown as VolumeClaim]
    : m.kind === 'StatefulSet' ? (spec.volumeClaimTemplates as VolumeClaim[] | undefined ?? []) : [];
  for (const c of claims) {
    const size = c.spec?.resources?.requests?.storage;
    if (size !== undefined) parts.push(`${c.metadata?.name ?? m.metadata.name} ${size}`);
  }
  return parts.length ? parts.join(' · ') : undefined;
}

/** The diff of one object, or undefined when both sides are equal. */
export function diffObject(before: Manifest | undefined, after: Manifest | undefined): ObjectDiff | undefined {
  const m = (after ?? before)!;
  const base = { apiVersion: m.apiVersion, kind: m.kind, name: m.metadata.name };
  if (before === undefined || after === undefined) {
    const summary = summaryOf(m);
    return {
      ...base, change: before === undefined ? 'added' : 'removed', ...(summary ? { summary } : {}),
      fields: [], risks: risksOf(m.kind, before, after, []),
    };
  }
  const fields = diffFields(m.kind, before, after);
  if (fields.length === 0) return undefined;
  return { ...base, change: 'changed', fields, risks: risksOf(m.kind, before, after, fields) };
}

export interface DiffOptions {
  /** Match objects across namespaces (environment against environment). @default false */
  readonly ignoreNamespace?: boolean;
}

function objectKey(m: Manifest, ignoreNamespace: boolean): string {
  return `${groupOf(m.apiVersion)}/${m.kind}/${ignoreNamespace ? '' : m.metadata.namespace ?? ''}/${m.metadata.name}`;
}

/** Differences per env/stack; stacks and objects keep dist/ order (apply order). */
export function diffStacks(before: readonly StackManifests[], after: readonly StackManifests[], options: DiffOptions = {}): StackDiff[] {
  const ignoreNs = options.ignoreNamespace ?? false;
  const id = (s: StackManifests): string => `${s.env}/${s.stack}`;
  const beforeById = new Map(before.map((s) => [id(s), s]));
  const afterById = new Map(after.map((s) => [id(s), s]));
  const ids = [...new Set([...after.map(id), ...before.map(id)])].sort();
  const out: StackDiff[] = [];
  for (const sid of ids) {
    const a = beforeById.get(sid);
    const b = afterById.get(sid);
    const left = new Map((a?.objects ?? []).map((o) => [objectKey(o.manifest, ignoreNs), o]));
    const right = new Map((b?.objects ?? []).map((o) => [objectKey(o.manifest, ignoreNs), o]));
    const keys = [...new Set([...right.keys(), ...left.keys()])];
    const fileOf = (k: string): string => (right.get(k) ?? left.get(k))!.file;
    keys.sort((x, y) => fileOf(x).localeCompare(fileOf(y)) || x.localeCompare(y));
    const objects = keys.map((k) => diffObject(left.get(k)?.manifest, right.get(k)?.manifest))
      .filter((d): d is ObjectDiff => d !== undefined);
    if (objects.length) out.push({ env: (b ?? a)!.env, stack: (b ?? a)!.stack, objects });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Environment against environment.

/** What identifies an environment in its manifests, so those values can be factored out. */
export interface EnvironmentIdentity {
  readonly name: string;
  /** Base DNS domain of routed hosts. */
  readonly domain?: string;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Replaces what only says which environment an object belongs to with placeholders:
 * the domain → `{domain}`, a `-<env>` suffix (namespaces, projects) → `-{env}`, and
 * `dist/<env>/` → `dist/{env}/`. What remains different is a real difference.
 */
export function environmentNormalizer(env: EnvironmentIdentity): (s: string) => string {
  const domain = env.domain ? new RegExp(`(?<![a-z0-9-])${escapeRegExp(env.domain)}(?![a-z0-9-])`, 'g') : undefined;
  const suffix = new RegExp(`-${escapeRegExp(env.name)}(?![a-z0-9])`, 'g');
  const distPath = new RegExp(`(^|/)dist/${escapeRegExp(env.name)}/`, 'g');
  return (s) => {
    let out = domain ? s.replace(domain, '{domain}') : s;
    out = out.replace(suffix, '-{env}').replace(distPath, '$1dist/{env}/');
    return out;
  };
}

function mapStrings(v: unknown, f: (s: string) => string): unknown {
  if (typeof v === 'string') return f(v);
  if (Array.isArray(v)) return v.map((x) => mapStrings(x, f));
  if (isPlainObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [f(k), mapStrings(x, f)]));
  return v;
}

function withoutNamespace(m: Manifest): Manifest {
  const { namespace: _ns, ...metadata } = m.metadata;
  return { ...m, metadata } as Manifest;
}

/** `from`'s stacks against `to`'s, with environment-specific names and hosts factored out. */
export function diffEnvironments(
  stacks: readonly StackManifests[], from: EnvironmentIdentity, to: EnvironmentIdentity,
): DiffReport {
  const side = (env: EnvironmentIdentity): StackManifests[] => {
    const f = environmentNormalizer(env);
    return stacks.filter((s) => s.env === env.name).map((s) => ({
      env: `${from.name}→${to.name}`,
      stack: s.stack,
      objects: s.objects.map((o) => ({ file: o.file, manifest: withoutNamespace(mapStrings(o.manifest, f) as Manifest) })),
    }));
  };
  return { from: from.name, to: to.name, stacks: diffStacks(side(from), side(to), { ignoreNamespace: true }) };
}
