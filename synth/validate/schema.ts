// Strict schema validation against the Kubernetes 1.28 definitions and the CRD schemas,
// with ajv validators compiled ahead of time by `npm run import` (imports/validators/).
import type { ErrorObject } from 'ajv';
import { formatValue } from '../../constructs/core/errors';
import { KINDS, MODULES, SchemaValidator } from '../../imports/validators';
import type { Validator } from '../finding';
import type { Manifest } from '../render';
import { fromJsonPointer, Path } from './paths';
import { perObject } from './report';

/** One schema problem: where, what, and how to fix it. */
export interface SchemaProblem {
  readonly field: Path;
  readonly message: string;
  readonly hint?: string;
}

const modules = new Map<string, Readonly<Record<string, SchemaValidator>>>();
type Lookup = SchemaValidator | 'unknown' | 'not-served';
/** apiVersion → kind → validator: a synth asks once per object, for a handful of kinds. */
const byKind = new Map<string, Map<string, Lookup>>();

/** The validator of a kind, loading its module on first use. */
function validatorOf(apiVersion: string, kind: string): Lookup {
  let kinds = byKind.get(apiVersion);
  if (kinds === undefined) {
    kinds = new Map();
    byKind.set(apiVersion, kinds);
  }
  let v = kinds.get(kind);
  if (v === undefined) {
    v = loadValidator(`${apiVersion}/${kind}`);
    kinds.set(kind, v);
  }
  return v;
}

function loadValidator(id: string): Lookup {
  const module = KINDS[id];
  if (module === undefined) return 'unknown';
  if (module === false) return 'not-served';
  let m = modules.get(module);
  if (!m) {
    m = MODULES[module]();
    modules.set(module, m);
  }
  return m[id];
}

/** The apiVersions that serve `kind`, in any group. */
function servedVersionsOf(kind: string): string[] {
  return Object.entries(KINDS)
    .filter(([id, m]) => m !== false && id.endsWith(`/${kind}`))
    .map(([id]) => id.slice(0, -kind.length - 1));
}

function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

/** Edit distance counting a swap of neighbours as one edit, for "did you mean". */
function distance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0][j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

function suggest(field: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === field.toLowerCase() ? 0 : distance(field, k);
    if (d < bestD) {
      best = k;
      bestD = d;
    }
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(field.length / 3)) ? best : undefined;
}

const QUANTITY_HINT = 'a quantity such as 500m, 2, 256Mi or 1Gi';

const FORMATS: Readonly<Record<string, string>> = {
  'int32': 'a 32-bit integer',
  'int64': 'a 64-bit integer',
  'double': 'a number',
  'byte': 'base64-encoded',
  'date-time': 'an RFC 3339 date-time',
  'ipv4': 'an IPv4 address',
  'ipv6': 'an IPv6 address',
};

/**
 * The field names of a oneOf/anyOf whose branches each require one field, as CRDs express
 * "set one of these"; a `{not: {anyOf: …}}` branch means none at all is fine too.
 */
function alternatives(branches: unknown): { names: string; noneAllowed: boolean } | undefined {
  if (!Array.isArray(branches)) return undefined;
  const names: string[] = [];
  let noneAllowed = false;
  for (const b of branches as Record<string, unknown>[]) {
    const keys = Object.keys(b ?? {});
    if (keys.length === 1 && keys[0] === 'not') {
      noneAllowed = true;
      continue;
    }
    const req = b?.required;
    if (!Array.isArray(req) || req.length !== 1 || keys.length !== 1) return undefined;
    names.push(String(req[0]));
  }
  return { names: names.join(', '), noneAllowed };
}

/** One ajv error as a problem; undefined for errors another one already explains. */
function problemOf(e: ErrorObject): SchemaProblem | undefined {
  const at = fromJsonPointer(e.instancePath);
  const received = formatValue(e.data);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'additionalProperties': {
      const field = String(params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const close = suggest(field, known);
      return {
        field: [...at, field],
        message: 'is not a known field (strict validation rejects unknown fields)',
        hint: close !== undefined ? `did you mean "${close}"?` : known.length > 0 ? `known fields: ${known.join(', ')}` : 'remove it',
      };
    }
    case 'required':
      return { field: [...at, String(params.missingProperty)], message: 'is required' };
    case 'type': {
      const types = Array.isArray(params.type) ? params.type : String(params.type).split(',');
      return { field: at, message: `must be ${types.join(' or ')}, received ${received}` };
    }
    case 'enum':
      return { field: at, message: `must be one of ${(params.allowedValues as unknown[]).map((v) => formatValue(v)).join(', ')}, received ${received}` };
    case 'pattern': {
      const pattern = String(params.pattern);
      if (pattern.includes('[KMGTPE]i')) return { field: at, message: `must be ${QUANTITY_HINT}, received ${received}` };
      return { field: at, message: `must match /${pattern}/, received ${received}` };
    }
    case 'format':
      return { field: at, message: `must be ${FORMATS[String(params.format)] ?? `in format ${String(params.format)}`}, received ${received}` };
    case 'oneOf': {
      const alts = alternatives(e.schema);
      if (alts === undefined) return { field: at, message: 'must match exactly one of its alternative forms' };
      return { field: at, message: `must set ${alts.noneAllowed ? 'at most' : 'exactly'} one of: ${alts.names}` };
    }
    case 'anyOf': {
      const alts = alternatives(e.schema);
      return { field: at, message: alts !== undefined ? `must set at least one of: ${alts.names}` : 'must match one of its alternative forms' };
    }
    case 'not':
      return { field: at, message: 'uses a combination of fields that is not allowed' };
    default:
      return { field: at, message: `${e.message ?? e.keyword}, received ${received}` };
  }
}

/** True for an error raised inside an anyOf/oneOf/not branch: the junctor's own error says it. */
function insideJunctor(e: ErrorObject): boolean {
  return /\/(anyOf|oneOf)\/[0-9]+\/|\/not\//.test(e.schemaPath);
}

/** Every schema problem of one manifest, in document order. */
export function schemaProblems(m: Manifest): SchemaProblem[] {
  const apiVersion = typeof m.apiVersion === 'string' ? m.apiVersion : '';
  const kind = typeof m.kind === 'string' ? m.kind : '';
  const v = validatorOf(apiVersion, kind);
  if (v === 'unknown') {
    const versions = servedVersionsOf(kind);
    return [{
      field: ['apiVersion'],
      message: `no schema for kind ${formatValue(kind)} in ${formatValue(apiVersion)}: neither a Kubernetes 1.28 kind nor a custom resource of imports/schemas/crds`,
      hint: versions.length > 0 ? `${kind} is served as ${versions.join(', ')}`
        : 'check apiVersion and kind, or add the CRD to imports/schemas/crds and cdk8s.yaml and run `npm run import`',
    }];
  }
  if (v === 'not-served') {
    return [{
      field: ['apiVersion'],
      message: `${formatValue(apiVersion)} of ${kind} is not served by its CRD`,
      hint: `use ${servedVersionsOf(kind).filter((v) => groupOf(v) === groupOf(apiVersion)).join(' or ')}`,
    }];
  }
  if (v(m)) return [];
  const errors = (v.errors ?? []).filter((e) => !insideJunctor(e));
  // A value of the wrong type fails its format, pattern or enum too: report the type only.
  const mistyped = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  const seen = new Set<string>();
  const out: SchemaProblem[] = [];
  for (const e of errors) {
    if (e.keyword !== 'type' && mistyped.has(e.instancePath) && e.keyword !== 'additionalProperties' && e.keyword !== 'required') continue;
    const p = problemOf(e);
    if (p === undefined) continue;
    const key = `${p.field.join('/')}|${p.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(p);
  }
  return out;
}

/** Every object against its schema: unknown fields, types, required fields, enums, formats. */
export function schemaValidator(): Validator {
  return perObject((report, object) => {
    for (const p of schemaProblems(object.manifest)) report.add(object, p.field, p.message, p.hint);
  });
}
