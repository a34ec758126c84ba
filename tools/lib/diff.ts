// Semantic diff of synthesized stacks: objects matched by group/kind/name, then a
// field-level structural diff (microdiff) of the two versions with their lists aligned
// item by item (below), each field tagged by its path (topics.ts).
import microdiff from 'microdiff';
import { risksOf, Risk, RiskOptions } from './risk';
import { compareStacks, StackManifests } from './load';
import { Container, groupOf, Manifest, podTemplateOf, specOf, VolumeClaim } from './shapes';
import { shapeOf, Topic, topicOf } from './topics';

export type { Risk, RiskCategory } from './risk';
export type { Topic } from './topics';

export interface FieldChange {
  /**
   * `spec.template.spec.containers[auth].image`: list items by name (`[auth]`), by another
   * key (`[mountPath=/data]`), or by position: in the new list for added and changed items,
   * in the old one for removed items.
   */
  readonly path: string;
  /**
   * `reordered`: the same items in another order. `before`/`after` then hold the item
   * names in the old and new order, or, in a list without keys, the old and new positions
   * of the items that moved (`["[3]"]` → `["[0]"]`); for a list of scalars, the lists.
   */
  readonly op: 'added' | 'removed' | 'changed' | 'reordered';
  readonly before?: unknown;
  readonly after?: unknown;
  /** What the field touches, by its path ({@link topicOf}). */
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
// Alignment: before microdiff compares two versions of an object, each list of objects is
// turned into a map whose keys pair items across the versions. Items with a key
// (containers, env vars, volumes, named ports, volumeClaimTemplates) pair by that key; other
// lists of objects (NetworkPolicy rules and peers, tolerations, HPA metrics) pair by
// content: equal items first, then the most similar. Inserting one rule is then one
// addition instead of every later rule changing. Lists of scalars (args, command, hosts)
// stay lists and change as a whole, since position matters in most of them.

/** Item keys in the order tried, as in strategic merge patch (`metadata.name`: volumeClaimTemplates). */
const LIST_KEYS: readonly (readonly string[])[] = [['name'], ['metadata', 'name'], ['mountPath'], ['host'], ['secretName']];

/** Unkeyed items at least this similar (the share of leaf values they have in common) pair as one changed item. */
const SIMILAR = 0.5;

/** Beyond this many unpaired item pairs, similarity is not tried: the rest show as removed and added. */
const MAX_SIMILARITY_PAIRS = 10_000;

/** Lists of scalars whose order carries no meaning: the same items in another order are `reordered`. */
const SET_LIKE = new Set([
  'policyTypes', 'accessModes', 'hosts', 'hostnames', 'dnsNames', 'gateways', 'verbs', 'apiGroups', 'resources',
  'resourceNames', 'nonResourceURLs', 'except', 'add', 'drop', 'sourceRepos', 'finalizers', 'values', 'namespaces',
  'methods', 'principals', 'notPrincipals', 'usages', 'exportTo',
]);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Segment = string | number;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function at(v: unknown, path: readonly Segment[]): unknown {
  let cur = v;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string | number, unknown>)[p];
  }
  return cur;
}

/** JSON with object keys sorted: equal text, equal content. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (isPlainObject(v)) return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  return JSON.stringify(v) ?? 'null';
}

/** Every leaf of a value as `path NUL value`, for similarity. */
function leaves(v: unknown, prefix = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(v) && v.length > 0) v.forEach((x, i) => leaves(x, `${prefix}[${i}]`, out));
  else if (isPlainObject(v) && Object.keys(v).length > 0) for (const [k, x] of Object.entries(v)) leaves(x, `${prefix}.${k}`, out);
  else out.add(`${prefix}\u0000${canonical(v)}`);
  return out;
}

function similarity(a: Set<string>, b: Set<string>): number {
  let common = 0;
  for (const x of a) if (b.has(x)) common++;
  return (2 * common) / (a.size + b.size);
}

/** The key path every item on both sides has, each distinct within its side; undefined when none does. */
function commonKey(a: readonly Record<string, unknown>[], b: readonly Record<string, unknown>[]): readonly string[] | undefined {
  const unique = (items: readonly Record<string, unknown>[], key: readonly string[]): boolean => {
    const values = items.map((i) => at(i, key));
    return values.every((v) => typeof v === 'string' || typeof v === 'number') && new Set(values).size === values.length;
  };
  return LIST_KEYS.find((key) => unique(a, key) && unique(b, key));
}

/** Pairs of (old index, new index): equal items first, in order, then the most similar of the rest. */
function pairByContent(a: readonly unknown[], b: readonly unknown[]): [number, number][] {
  const ca = a.map(canonical);
  const cb = b.map(canonical);
  const pairs: [number, number][] = [];
  const freeA = new Set(a.keys());
  const freeB: number[] = [];
  cb.forEach((c, j) => {
    const i = [...freeA].find((x) => ca[x] === c);
    if (i === undefined) freeB.push(j);
    else {
      pairs.push([i, j]);
      freeA.delete(i);
    }
  });
  if (freeA.size === 0 || freeB.length === 0 || freeA.size * freeB.length > MAX_SIMILARITY_PAIRS) return pairs;
  const la = new Map([...freeA].map((i) => [i, leaves(a[i])]));
  const candidates: { i: number; j: number; s: number }[] = [];
  for (const [i, l] of la) {
    for (const j of freeB) {
      const s = similarity(l, leaves(b[j]));
      if (s >= SIMILAR) candidates.push({ i, j, s });
    }
  }
  // Most similar first; between equals, the one that moved least.
  candidates.sort((x, y) => y.s - x.s || Math.abs(x.i - x.j) - Math.abs(y.i - y.j) || x.j - y.j);
  const usedA = new Set<number>();
  const usedB = new Set<number>();
  const take = (i: number, j: number): void => {
    usedA.add(i);
    usedB.add(j);
    pairs.push([i, j]);
  };
  for (const c of candidates) if (!usedA.has(c.i) && !usedB.has(c.j)) take(c.i, c.j);
  // Items with the same fields and nothing else in common (a peer's namespace changed):
  // one changed item when it is the only one left on each side or keeps its position.
  const leftA = [...freeA].filter((i) => !usedA.has(i));
  const leftB = freeB.filter((j) => !usedB.has(j));
  const fields = (v: unknown): string => [...leaves(v)].map((l) => l.slice(0, l.indexOf('\u0000'))).sort().join('\n');
  for (const j of leftB) {
    const i = leftA.find((x) => !usedA.has(x) && (x === j || (leftA.length === 1 && leftB.length === 1)) && fields(a[x]) === fields(b[j]));
    if (i !== undefined) take(i, j);
  }
  return pairs;
}

/** Indices into `xs` of a longest increasing subsequence: the items that kept their order. */
function longestIncreasing(xs: readonly number[]): Set<number> {
  const tails: number[] = [];
  const prev: number[] = new Array<number>(xs.length).fill(-1);
  xs.forEach((x, k) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[tails[mid]] < x) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tails[lo - 1];
    tails[lo] = k;
  });
  const keep = new Set<number>();
  for (let k = tails.length ? tails[tails.length - 1] : -1; k >= 0; k = prev[k]) keep.add(k);
  return keep;
}

interface Reorder {
  readonly path: readonly Segment[];
  readonly before: readonly string[];
  readonly after: readonly string[];
}

/** One comparison's aligned lists: each item key's label, and the lists whose order changed. */
class Alignment {
  readonly labels = new Map<string, string>();
  readonly lists = new WeakSet<object>();
  readonly reorders: Reorder[] = [];
  private next = 0;

  /** A fresh item key; real keys never start with NUL. */
  key(label: string): string {
    const k = `\u0000${this.next++}`;
    this.labels.set(k, label);
    return k;
  }

  list(): Record<string, unknown> {
    const m: Record<string, unknown> = {};
    this.lists.add(m);
    return m;
  }

  /** Back from aligned form, for display and JSON. */
  unaligned(v: unknown): unknown {
    if (Array.isArray(v)) return v.map((x) => this.unaligned(x));
    if (isPlainObject(v)) {
      if (this.lists.has(v)) return Object.values(v).map((x) => this.unaligned(x));
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, this.unaligned(x)]));
    }
    return v;
  }
}

function align(a: unknown, b: unknown, path: readonly Segment[], al: Alignment): [unknown, unknown] {
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length + b.length === 0 || !a.every(isPlainObject) || !b.every(isPlainObject)) return [a, b];
    return alignList(a, b, path, al);
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const oa: Record<string, unknown> = {};
    const ob: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(a)) {
      if (k in b) [oa[k], ob[k]] = align(v, b[k], [...path, k], al);
      else oa[k] = v;
    }
    for (const [k, v] of Object.entries(b)) if (!(k in a)) ob[k] = v;
    return [oa, ob];
  }
  return [a, b];
}

function alignList(a: readonly Record<string, unknown>[], b: readonly Record<string, unknown>[], path: readonly Segment[], al: Alignment): [unknown, unknown] {
  const key = commonKey(a, b);
  let pairs: [number, number][];
  let labelA: (i: number) => string;
  let labelB: (j: number) => string;
  if (key) {
    const name = (x: Record<string, unknown>): string => {
      const v = String(at(x, key));
      return key[key.length - 1] === 'name' ? v : `${key.join('.')}=${v}`;
    };
    const index = new Map(a.map((x, i) => [name(x), i]));
    pairs = b.flatMap((y, j): [number, number][] => {
      const i = index.get(name(y));
      return i === undefined ? [] : [[i, j]];
    });
    labelA = (i) => name(a[i]);
    labelB = (j) => name(b[j]);
  } else {
    pairs = pairByContent(a, b);
    labelA = String;
    labelB = String;
  }
  const partner = new Map(pairs);
  const keyOfNew = new Map<number, string>();
  const oa = al.list();
  const ob = al.list();
  const aligned = new Map<number, [unknown, unknown]>();
  for (const [, j] of pairs) keyOfNew.set(j, al.key(labelB(j)));
  // The old side in its own order, so removals list where they were.
  a.forEach((x, i) => {
    const j = partner.get(i);
    if (j === undefined) oa[al.key(labelA(i))] = x;
    else {
      const k = keyOfNew.get(j)!;
      const pair = align(x, b[j], [...path, k], al);
      aligned.set(j, pair);
      oa[k] = pair[0];
    }
  });
  b.forEach((y, j) => {
    const k = keyOfNew.get(j);
    if (k === undefined) ob[al.key(labelB(j))] = y;
    else ob[k] = aligned.get(j)![1];
  });
  const byNew = [...pairs].sort((x, y) => x[1] - y[1]);
  const kept = longestIncreasing(byNew.map(([i]) => i));
  if (kept.size < byNew.length) {
    if (key) {
      const byOld = [...pairs].sort((x, y) => x[0] - y[0]);
      al.reorders.push({ path, before: byOld.map(([i]) => labelA(i)), after: byNew.map(([, j]) => labelB(j)) });
    } else {
      const moved = byNew.filter((_, k) => !kept.has(k));
      al.reorders.push({ path, before: moved.map(([i]) => `[${i}]`), after: moved.map(([, j]) => `[${j}]`) });
    }
  }
  return [oa, ob];
}

function formatPath(path: readonly Segment[], al: Alignment): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (al.labels.has(p)) out += `[${al.labels.get(p)!}]`;
    // Label and annotation keys hold dots and slashes.
    else if (p === '' || /[./\s[\]"]/.test(p)) out += `[${JSON.stringify(p)}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

const isPrimitiveList = (v: unknown): v is readonly Json[] =>
  Array.isArray(v) && v.every((x) => x === null || typeof x !== 'object');

/** The shortest prefix of `path` that is a list of scalars on either side, if any. */
function scalarListPrefix(a: unknown, b: unknown, path: readonly Segment[]): Segment[] | undefined {
  for (let i = 1; i <= path.length; i++) {
    const prefix = path.slice(0, i);
    if (isPrimitiveList(at(a, prefix)) || isPrimitiveList(at(b, prefix))) return prefix;
  }
  return undefined;
}

/** Whether the list of scalars at this path is a set (`spec.dnsNames`, `policyTypes`), by its field name. */
export function isSetLike(path: string): boolean {
  return SET_LIKE.has(shapeOf(path).at(-1) ?? '');
}

/** The same scalars in another order, in a list where order means nothing. */
function reorderedSet(path: readonly Segment[], a: unknown, b: unknown): boolean {
  const field = path[path.length - 1];
  if (typeof field !== 'string' || !SET_LIKE.has(field) || !isPrimitiveList(a) || !isPrimitiveList(b)) return false;
  const sorted = (xs: readonly Json[]): string => xs.map(canonical).sort().join(',');
  return sorted(a) === sorted(b);
}

/** Field-level changes between two versions of one object. */
export function diffFields(kind: string, before: Manifest, after: Manifest): FieldChange[] {
  const al = new Alignment();
  const [a, b] = align(before, after, [], al) as [Record<string, Json>, Record<string, Json>];
  const seen = new Set<string>();
  const out: FieldChange[] = [];
  for (const d of microdiff(a, b)) {
    // A list of scalars (args, hosts, capabilities) reads best as one before/after pair.
    const path = scalarListPrefix(a, b, d.path) ?? d.path;
    const p = formatPath(path, al);
    // Paths print alike for a removed and an added item at the same position: dedupe by item key.
    const id = JSON.stringify(path);
    if (seen.has(id)) continue;
    seen.add(id);
    const va = at(a, path);
    const vb = at(b, path);
    out.push({
      path: p,
      op: va === undefined ? 'added' : vb === undefined ? 'removed' : reorderedSet(path, va, vb) ? 'reordered' : 'changed',
      ...(va !== undefined ? { before: al.unaligned(va) } : {}),
      ...(vb !== undefined ? { after: al.unaligned(vb) } : {}),
      topic: topicOf(p, kind),
    });
  }
  // A list's new order goes just before the changes inside it.
  for (const r of al.reorders) {
    const p = formatPath(r.path, al);
    const inside = out.findIndex((f) => f.path.startsWith(p) && (f.path.length === p.length || '.['.includes(f.path[p.length])));
    const change: FieldChange = { path: p, op: 'reordered', before: r.before, after: r.after, topic: topicOf(p, kind) };
    out.splice(inside < 0 ? out.length : inside, 0, change);
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
export function diffObject(before: Manifest | undefined, after: Manifest | undefined, options: RiskOptions = {}): ObjectDiff | undefined {
  const m = (after ?? before)!;
  const base = { apiVersion: m.apiVersion, kind: m.kind, name: m.metadata.name };
  if (before === undefined || after === undefined) {
    const summary = summaryOf(m);
    return {
      ...base, change: before === undefined ? 'added' : 'removed', ...(summary ? { summary } : {}),
      fields: [], risks: risksOf(m.kind, before, after, [], options),
    };
  }
  const fields = diffFields(m.kind, before, after);
  if (fields.length === 0) return undefined;
  return { ...base, change: 'changed', fields, risks: risksOf(m.kind, before, after, fields, options) };
}

export interface DiffOptions extends RiskOptions {
  /** Match objects across namespaces (environment against environment). @default false */
  readonly ignoreNamespace?: boolean;
}

function objectKey(m: Manifest, ignoreNamespace: boolean): string {
  return `${groupOf(m.apiVersion)}/${m.kind}/${ignoreNamespace ? '' : m.metadata.namespace ?? ''}/${m.metadata.name}`;
}

/** Differences per env/stack: environments in promotion order, then stacks by name; objects in dist/ order (apply order). */
export function diffStacks(before: readonly StackManifests[], after: readonly StackManifests[], options: DiffOptions = {}): StackDiff[] {
  const ignoreNs = options.ignoreNamespace ?? false;
  const id = (s: StackManifests): string => `${s.env}/${s.stack}`;
  const beforeById = new Map(before.map((s) => [id(s), s]));
  const afterById = new Map(after.map((s) => [id(s), s]));
  const all = new Map([...after, ...before].map((s) => [id(s), s]));
  const ids = [...all.keys()].sort((x, y) => compareStacks(all.get(x)!, all.get(y)!));
  const out: StackDiff[] = [];
  for (const sid of ids) {
    const a = beforeById.get(sid);
    const b = afterById.get(sid);
    const left = new Map((a?.objects ?? []).map((o) => [objectKey(o.manifest, ignoreNs), o]));
    const right = new Map((b?.objects ?? []).map((o) => [objectKey(o.manifest, ignoreNs), o]));
    const keys = [...new Set([...right.keys(), ...left.keys()])];
    const fileOf = (k: string): string => (right.get(k) ?? left.get(k))!.file;
    keys.sort((x, y) => fileOf(x).localeCompare(fileOf(y)) || x.localeCompare(y));
    const objects = keys.map((k) => diffObject(left.get(k)?.manifest, right.get(k)?.manifest, options))
      .filter((d): d is ObjectDiff => d !== undefined);
    if (objects.length) out.push({ env: (b ?? a)!.env, stack: (b ?? a)!.stack, objects });
  }
  return out;
}

// ---------------------------------------------------------------------------------------
// Environment against environment.

/** What identifies an environment in its manifests, so those values can be factored out. */
export interface EnvironmentIdentity {
  /** The directory: the environment's name, or one of its clusters' (`prod-eu-west`). */
  readonly name: string;
  /** Base DNS domain of routed hosts. */
  readonly domain?: string;
  /** The environment of a cluster's directory: namespaces end in `-<environment>`, not `-<name>`. @default - name */
  readonly environment?: string;
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
  // A cluster's objects are named for its directory, its namespaces for its environment.
  const envSuffix = env.environment !== undefined && env.environment !== env.name ? new RegExp(`-${escapeRegExp(env.environment)}(?![a-z0-9])`, 'g') : undefined;
  const distPath = new RegExp(`(^|/)dist/${escapeRegExp(env.name)}/`, 'g');
  return (s) => {
    let out = domain ? s.replace(domain, '{domain}') : s;
    out = out.replace(suffix, '-{env}').replace(distPath, '$1dist/{env}/');
    return envSuffix ? out.replace(envSuffix, '-{env}') : out;
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
  // Not an upgrade: nothing is applied over anything, so nothing is immutable or deleted.
  return { from: from.name, to: to.name, stacks: diffStacks(side(from), side(to), { ignoreNamespace: true, upgrade: false }) };
}
