// Test-only: checks manifests against the Kubernetes 1.28 OpenAPI definitions and the CRD schemas
// in imports/schemas, with unknown fields rejected as a strict server-side dry-run would.
// CEL rules (x-kubernetes-validations) are not evaluated.
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { ValidateFunction } from 'ajv';
import * as yaml from 'js-yaml';
import { Manifest } from '../synth/render';

type Schema = Record<string, unknown>;

const SCHEMAS = path.join(__dirname, '..', 'imports', 'schemas');
const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
/** Compiled on first use: compiling every definition up front costs seconds. */
const validators = new Map<string, () => ValidateFunction>();
const compiled = new Map<string, ValidateFunction>();
let coreLoaded = false;
const crdFilesLoaded = new Set<string>();

/** Objects with declared properties accept no others, unless the schema keeps unknown fields. */
function closed(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(closed);
  if (s === null || typeof s !== 'object') return s;
  const out: Schema = {};
  for (const [k, v] of Object.entries(s as Schema)) out[k] = k === 'properties' || k === 'definitions'
    ? Object.fromEntries(Object.entries(v as Schema).map(([pk, pv]) => [pk, closed(pv)]))
    : closed(v);
  if (out.properties && out.additionalProperties === undefined && !out['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  return out;
}

function loadCore(): void {
  if (coreLoaded) return;
  coreLoaded = true;
  const defs = JSON.parse(fs.readFileSync(path.join(SCHEMAS, 'k8s', 'v1.28.0', '_definitions.json'), 'utf8')) as { definitions: Record<string, Schema> };
  const all = closed(defs) as { definitions: Record<string, Schema> };
  ajv.addSchema({ $id: 'k8s', definitions: all.definitions });
  for (const [name, def] of Object.entries(defs.definitions)) {
    const gvks = def['x-kubernetes-group-version-kind'] as { group: string; version: string; kind: string }[] | undefined;
    for (const g of gvks ?? []) {
      const apiVersion = g.group ? `${g.group}/${g.version}` : g.version;
      const key = `${apiVersion}|${g.kind}`;
      if (!validators.has(key)) validators.set(key, () => ajv.getSchema(`k8s#/definitions/${name}`)!);
    }
  }
}

function loadCrds(group: string): void {
  const file = path.join(SCHEMAS, 'crds', `${group}.yaml`);
  if (crdFilesLoaded.has(file) || !fs.existsSync(file)) return;
  crdFilesLoaded.add(file);
  interface Crd { spec: { group: string; names: { kind: string }; versions: { name: string; schema: { openAPIV3Schema: Schema } }[] } }
  for (const doc of yaml.loadAll(fs.readFileSync(file, 'utf8')) as Crd[]) {
    if (!doc?.spec?.versions) continue;
    for (const v of doc.spec.versions) {
      // The API server always accepts these at the root, whatever the CRD schema lists.
      const root = closed(v.schema.openAPIV3Schema) as Schema;
      root.properties = { apiVersion: { type: 'string' }, kind: { type: 'string' }, metadata: { type: 'object' }, ...(root.properties as Schema) };
      validators.set(`${doc.spec.group}/${v.name}|${doc.spec.names.kind}`, () => ajv.compile(root));
    }
  }
}

/** Every schema violation, as `<kind>/<name> <path> <message>`; an unknown apiVersion/kind is one too. */
export function schemaErrors(manifests: readonly Manifest[]): string[] {
  const errors: string[] = [];
  for (const m of manifests) {
    const group = m.apiVersion.includes('/') ? m.apiVersion.split('/')[0] : '';
    loadCore();
    if (!validators.has(`${m.apiVersion}|${m.kind}`)) loadCrds(group);
    const key = `${m.apiVersion}|${m.kind}`;
    const compile = validators.get(key);
    if (!compile) {
      errors.push(`${m.kind}/${m.metadata.name} no schema for ${m.apiVersion}`);
      continue;
    }
    const validate = compiled.get(key) ?? compile();
    compiled.set(key, validate);
    if (!validate(m as unknown)) {
      for (const e of validate.errors ?? []) errors.push(`${m.kind}/${m.metadata.name} ${e.instancePath} ${e.message} ${JSON.stringify(e.params)}`);
    }
  }
  return errors;
}
