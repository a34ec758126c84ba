#!/usr/bin/env node
// Generates imports/canonical/index.ts from the schemas in imports/schemas/ (run by
// `npm run import`): per kind, the parts of its schema that decide what the API server
// stores differently from what it was sent, for constructs/core/canonical.ts to apply at
// render time and synth/validate/canonical.ts to check. Deterministic: CI re-runs the import
// and fails on any diff.
//
// A shape is one of
//   { q: 1 }                                     a resource.Quantity
//   { map, rl?, atomic? }                        a map; `map` is the values' shape (null: scalars);
//                                                rl: a ResourceList (values rounded to milli units)
//   { list, type, keys?, keyDefaults? }          a list; `list` is the items' shape (null: nothing
//                                                to look at inside); `type` as server-side apply merges it
//   { struct, props, atomic?, defaults?, rule? } an object: its relevant properties, the
//                                                values the server defaults inside an atomic
//                                                part, and a named rule computed in code
// Only what leads to a quantity, a map, a list or a default is kept.
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');

const root = path.resolve(__dirname, '..');
const outFile = path.join(root, 'imports/canonical/index.ts');
const K8S_VERSION = 'v1.28.0';
const QUANTITY = 'io.k8s.apimachinery.pkg.api.resource.Quantity';

/**
 * Defaults the API server fills into built-in structs, from each kind's defaulting code
 * (pkg/apis/<group>/v1/defaults.go, Kubernetes 1.28). Applied only where they land in an
 * atomic part of the object (a list without merge keys, a struct or map marked atomic):
 * there server-side apply compares the whole part, so a default the manifest leaves out is
 * a difference. Elsewhere a defaulted field simply has no owner.
 */
const ATOMIC_DEFAULTS = {
  // core/v1 SetDefaults_ObjectFieldSelector.
  'io.k8s.api.core.v1.ObjectFieldSelector': { apiVersion: 'v1' },
  // apps/v1 defaults a StatefulSet's volumeClaimTemplates' apiVersion and kind
  // (kubernetes#87706); core/v1 SetDefaults_PersistentVolumeClaim the phase.
  'io.k8s.api.core.v1.PersistentVolumeClaim': { apiVersion: 'v1', kind: 'PersistentVolumeClaim', status: { phase: 'Pending' } },
  // core/v1 SetDefaults_PersistentVolumeClaimSpec.
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec': { volumeMode: 'Filesystem' },
  // networking/v1 SetDefaults_NetworkPolicyPort.
  'io.k8s.api.networking.v1.NetworkPolicyPort': { protocol: 'TCP' },
  // core/v1 SetDefaults_ServiceAccountTokenProjection (projected volume sources are atomic).
  'io.k8s.api.core.v1.ServiceAccountTokenProjection': { expirationSeconds: 3600 },
  // batch/v1 SetDefaults_Job: a pod-condition pattern's status.
  'io.k8s.api.batch.v1.PodFailurePolicyOnPodConditionsPattern': { status: 'True' },
};

/** Defaults that depend on other fields: computed in constructs/core/canonical.ts. */
const RULES = {
  // core/v1 SetDefaults_LimitRangeItem: default from max, defaultRequest from default, then min.
  'io.k8s.api.core.v1.LimitRangeItem': 'LimitRangeItem',
  // rbac/v1 SetDefaults_Subject: apiGroup rbac.authorization.k8s.io for User and Group.
  'io.k8s.api.rbac.v1.Subject': 'Subject',
};

/** Key fields of map-type lists that the server defaults: core/v1 SetDefaults_Service and the ports' `+default`. */
const KEY_DEFAULTS = {
  'io.k8s.api.core.v1.ContainerPort': { protocol: 'TCP' },
  'io.k8s.api.core.v1.ServicePort': { protocol: 'TCP' },
};

/** Shapes, deduplicated by their JSON. */
class Table {
  constructor() {
    this.shapes = [];
    this.ids = new Map();
  }
  add(shape) {
    const key = JSON.stringify(shape);
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.shapes.length;
      this.shapes.push(shape);
      this.ids.set(key, id);
    }
    return id;
  }
}

/** How server-side apply merges a list (structured-merge-diff via kube-openapi's schemaconv). */
function listType(schema) {
  const t = schema['x-kubernetes-list-type'];
  if (t === 'map') return { type: 'map', keys: schema['x-kubernetes-list-map-keys'] };
  if (t === 'set' || t === 'atomic') return { type: t };
  if (typeof schema['x-kubernetes-patch-strategy'] === 'string' && schema['x-kubernetes-patch-strategy'].split(',').includes('merge')) {
    const key = schema['x-kubernetes-patch-merge-key'];
    return key ? { type: 'map', keys: [key] } : { type: 'set' };
  }
  // Lists are atomic by default.
  return { type: 'atomic' };
}

// ---------------------------------------------------------------------------------------
// Built-in kinds: a graph over the 1.28 definitions (PodSpec is shared by every workload).

function builtIns(table) {
  const file = path.join(root, 'imports/schemas/k8s', K8S_VERSION, '_definitions.json');
  const defs = JSON.parse(fs.readFileSync(file, 'utf-8')).definitions;
  const refName = (s) => (typeof s?.$ref === 'string' ? s.$ref.replace('#/definitions/', '') : undefined);

  // Which definitions lead to something the canonical form cares about (a fixpoint: cycles).
  const relevant = new Map(Object.keys(defs).map((n) => [n, n === QUANTITY || n in ATOMIC_DEFAULTS || n in RULES || n in KEY_DEFAULTS]));
  const propRelevant = (p) => {
    const ref = refName(p);
    if (ref) return relevant.get(ref);
    if (p.type === 'object' && p.additionalProperties) return true;
    // Every list: the server stores no empty one.
    return p.type === 'array';
  };
  for (let changed = true; changed;) {
    changed = false;
    for (const [name, def] of Object.entries(defs)) {
      if (relevant.get(name)) continue;
      if (Object.values(def.properties ?? {}).some(propRelevant)) {
        relevant.set(name, true);
        changed = true;
      }
    }
  }

  // One shape per definition; a definition's id is reserved before its properties, for cycles.
  const idOf = new Map();
  const shapeOfDef = (name) => {
    if (idOf.has(name)) return idOf.get(name);
    if (name === QUANTITY) {
      const id = table.add({ q: 1 });
      idOf.set(name, id);
      return id;
    }
    const id = table.shapes.length;
    table.shapes.push(null);
    idOf.set(name, id);
    const def = defs[name];
    const props = {};
    for (const [p, schema] of Object.entries(def.properties ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
      if (!propRelevant(schema)) continue;
      props[p] = shapeOfProp(schema);
    }
    const shape = { struct: name, props };
    if (def['x-kubernetes-map-type'] === 'atomic') shape.atomic = 1;
    if (ATOMIC_DEFAULTS[name]) shape.defaults = ATOMIC_DEFAULTS[name];
    if (RULES[name]) shape.rule = RULES[name];
    table.shapes[id] = shape;
    return id;
  };
  const shapeOfProp = (schema) => {
    const ref = refName(schema);
    if (ref) {
      const id = shapeOfDef(ref);
      // An atomic map-type on the property (nodeSelector, a Service selector) applies to it alone.
      return schema['x-kubernetes-map-type'] === 'atomic' ? table.add({ ...table.shapes[id], atomic: 1 }) : id;
    }
    if (schema.type === 'object') {
      const value = refName(schema.additionalProperties);
      const shape = { map: value !== undefined && relevant.get(value) ? shapeOfDef(value) : null };
      if (value === QUANTITY) shape.rl = 1;
      if (schema['x-kubernetes-map-type'] === 'atomic') shape.atomic = 1;
      return table.add(shape);
    }
    const item = refName(schema.items);
    const shape = { list: item !== undefined && relevant.get(item) ? shapeOfDef(item) : null, ...listType(schema) };
    if (KEY_DEFAULTS[item]) shape.keyDefaults = KEY_DEFAULTS[item];
    return table.add(shape);
  };

  const kinds = {};
  for (const [name, def] of Object.entries(defs)) {
    const gvks = def['x-kubernetes-group-version-kind'];
    if (gvks?.length !== 1 || name.endsWith('List') || !relevant.get(name)) continue;
    const { group, version, kind } = gvks[0];
    kinds[`${group ? `${group}/${version}` : version}/${kind}`] = { root: shapeOfDef(name), builtIn: true };
  }
  return kinds;
}

// ---------------------------------------------------------------------------------------
// CRDs: the server applies their schemas' `default`s; only those inside atomic parts matter.

function crdShape(table, schema, atomic) {
  if (!schema || typeof schema !== 'object' || schema['x-kubernetes-preserve-unknown-fields']) return undefined;
  if (schema.type === 'array' || schema.items) {
    const { type, keys } = listType(schema);
    const item = crdShape(table, schema.items, atomic || type === 'atomic');
    return item === undefined ? undefined : table.add({ list: item, type, ...(keys ? { keys } : {}) });
  }
  const own = atomic || schema['x-kubernetes-map-type'] === 'atomic';
  if (schema.additionalProperties && typeof schema.additionalProperties === 'object') {
    const value = crdShape(table, schema.additionalProperties, own);
    return value === undefined ? undefined : table.add({ map: value, ...(schema['x-kubernetes-map-type'] === 'atomic' ? { atomic: 1 } : {}) });
  }
  const props = {};
  const defaults = {};
  for (const [p, s] of Object.entries(schema.properties ?? {}).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (p === 'status') continue;
    if (own && s.default !== undefined) defaults[p] = s.default;
    const id = crdShape(table, s, own);
    if (id !== undefined) props[p] = id;
  }
  if (Object.keys(props).length === 0 && Object.keys(defaults).length === 0) return undefined;
  return table.add({
    struct: '', props,
    ...(schema['x-kubernetes-map-type'] === 'atomic' ? { atomic: 1 } : {}),
    ...(Object.keys(defaults).length ? { defaults } : {}),
  });
}

function crds(table) {
  const config = yaml.load(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf-8'));
  const kinds = {};
  for (const entry of config.imports.filter((i) => i.endsWith('.yaml'))) {
    for (const crd of yaml.loadAll(fs.readFileSync(path.join(root, entry), 'utf-8'))) {
      if (!crd || crd.kind !== 'CustomResourceDefinition') continue;
      for (const v of crd.spec.versions) {
        if (!v.served) continue;
        const id = crdShape(table, v.schema?.openAPIV3Schema, false);
        if (id !== undefined) kinds[`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`] = { root: id, builtIn: false };
      }
    }
  }
  return kinds;
}

function main() {
  const table = new Table();
  const kinds = { ...builtIns(table), ...crds(table) };
  const sorted = Object.fromEntries(Object.entries(kinds).sort(([a], [b]) => (a < b ? -1 : 1)));
  const lines = [
    '// Generated by `npm run import` (scripts/import-canonical.cjs). Do not edit.',
    '// Per kind, the parts of its schema that decide what the API server stores differently from',
    '// what it was sent: quantities, maps, lists and how server-side apply merges them, and the',
    '// defaults it fills into atomic parts. Read by constructs/core/canonical.ts.',
    '',
    'export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };',
    '',
    'export type Shape =',
    '  | { readonly q: 1 }',
    '  | { readonly map: number | null; readonly rl?: 1; readonly atomic?: 1 }',
    "  | { readonly list: number | null; readonly type: 'atomic' | 'map' | 'set'; readonly keys?: readonly string[]; readonly keyDefaults?: Readonly<Record<string, Json>> }",
    "  | { readonly struct: string; readonly props: Readonly<Record<string, number>>; readonly atomic?: 1; readonly defaults?: Readonly<Record<string, Json>>; readonly rule?: 'LimitRangeItem' | 'Subject' };",
    '',
    '/** `<apiVersion>/<kind>` → the shape of its objects; `builtIn`: stored by the API server itself (not a CRD). */',
    `export const KINDS: Readonly<Record<string, { readonly root: number; readonly builtIn: boolean }>> = JSON.parse(${JSON.stringify(JSON.stringify(sorted))});`,
    '',
    '/** Every shape, by id. */',
    `export const SHAPES: readonly Shape[] = JSON.parse(${JSON.stringify(JSON.stringify(table.shapes))});`,
    '',
  ];
  fs.mkdirSync(path.dirname(outFile), { recursive: true });
  fs.writeFileSync(outFile, lines.join('\n'));
  console.log(`imports/canonical/index.ts: ${Object.keys(sorted).length} kinds, ${table.shapes.length} shapes`);
}

main();
