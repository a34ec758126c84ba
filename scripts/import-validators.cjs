#!/usr/bin/env node
// Generates imports/validators/ from the schemas in imports/schemas/ (run by `npm run import`).
//
// Compiling the big Kubernetes schemas with ajv takes ~0.3 s per synth and parsing the CRD
// YAML ~0.5 s, so both happen here, once: the schemas are made strict (see `strictify`),
// compiled by ajv and written as standalone validator code, one CommonJS module per schema
// file, plus `index.ts`, which maps `apiVersion/kind` to its module. The synth loads a
// module only when it meets one of its kinds. Output is deterministic: CI re-runs the
// import and fails on any diff.
const fs = require('fs');
const path = require('path');
const yaml = require('js-yaml');
const Ajv = require('ajv').default;
const addFormats = require('ajv-formats').default;
const standaloneCode = require('ajv/dist/standalone').default;

const root = path.resolve(__dirname, '..');
const outDir = path.join(root, 'imports/validators');
const K8S_VERSION = 'v1.28.0';
const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const OBJECT_META_REF = `k8s#/definitions/${META}.ObjectMeta`;

// resource.Quantity as the API server parses it (the pattern apiextensions publishes for CRDs).
const QUANTITY_PATTERN = '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

// Enums the API server enforces in code: the 1.28 OpenAPI v2 document behind cdk8s drops them.
// definition -> property -> allowed values (`[]` suffix: the values of the array's items).
const ENUMS = {
  'io.k8s.api.core.v1.Container': {
    imagePullPolicy: ['Always', 'IfNotPresent', 'Never'],
    terminationMessagePolicy: ['File', 'FallbackToLogsOnError'],
    restartPolicy: ['Always'],
  },
  'io.k8s.api.core.v1.EphemeralContainer': {
    imagePullPolicy: ['Always', 'IfNotPresent', 'Never'],
    terminationMessagePolicy: ['File', 'FallbackToLogsOnError'],
  },
  'io.k8s.api.core.v1.ContainerPort': { protocol: ['SCTP', 'TCP', 'UDP'] },
  'io.k8s.api.core.v1.ServicePort': { protocol: ['SCTP', 'TCP', 'UDP'] },
  'io.k8s.api.networking.v1.NetworkPolicyPort': { protocol: ['SCTP', 'TCP', 'UDP'] },
  'io.k8s.api.core.v1.PodSpec': {
    restartPolicy: ['Always', 'Never', 'OnFailure'],
    dnsPolicy: ['ClusterFirst', 'ClusterFirstWithHostNet', 'Default', 'None'],
    preemptionPolicy: ['Never', 'PreemptLowerPriority'],
  },
  'io.k8s.api.core.v1.PodOS': { name: ['linux', 'windows'] },
  'io.k8s.api.core.v1.ServiceSpec': {
    type: ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'],
    sessionAffinity: ['ClientIP', 'None'],
    externalTrafficPolicy: ['Cluster', 'Local'],
    internalTrafficPolicy: ['Cluster', 'Local'],
    ipFamilyPolicy: ['PreferDualStack', 'RequireDualStack', 'SingleStack'],
    'ipFamilies[]': ['IPv4', 'IPv6'],
  },
  'io.k8s.api.core.v1.SeccompProfile': { type: ['Localhost', 'RuntimeDefault', 'Unconfined'] },
  'io.k8s.api.core.v1.PodSecurityContext': { fsGroupChangePolicy: ['Always', 'OnRootMismatch'] },
  'io.k8s.api.core.v1.SecurityContext': { procMount: ['Default', 'Unmasked'] },
  'io.k8s.api.core.v1.Toleration': {
    operator: ['Equal', 'Exists'],
    effect: ['NoExecute', 'NoSchedule', 'PreferNoSchedule'],
  },
  'io.k8s.api.core.v1.TopologySpreadConstraint': {
    whenUnsatisfiable: ['DoNotSchedule', 'ScheduleAnyway'],
    nodeAffinityPolicy: ['Honor', 'Ignore'],
    nodeTaintsPolicy: ['Honor', 'Ignore'],
  },
  'io.k8s.api.core.v1.NodeSelectorRequirement': { operator: ['DoesNotExist', 'Exists', 'Gt', 'In', 'Lt', 'NotIn'] },
  [`${META}.LabelSelectorRequirement`]: { operator: ['DoesNotExist', 'Exists', 'In', 'NotIn'] },
  'io.k8s.api.core.v1.HTTPGetAction': { scheme: ['HTTP', 'HTTPS'] },
  'io.k8s.api.core.v1.VolumeMount': { mountPropagation: ['Bidirectional', 'HostToContainer', 'None'] },
  'io.k8s.api.core.v1.HostPathVolumeSource': {
    type: ['', 'BlockDevice', 'CharDevice', 'Directory', 'DirectoryOrCreate', 'File', 'FileOrCreate', 'Socket'],
  },
  'io.k8s.api.core.v1.PersistentVolumeClaimSpec': {
    volumeMode: ['Block', 'Filesystem'],
    'accessModes[]': ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'],
  },
  'io.k8s.api.core.v1.PersistentVolumeSpec': {
    volumeMode: ['Block', 'Filesystem'],
    persistentVolumeReclaimPolicy: ['Delete', 'Recycle', 'Retain'],
    'accessModes[]': ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'],
  },
  'io.k8s.api.core.v1.ContainerResizePolicy': { restartPolicy: ['NotRequired', 'RestartContainer'] },
  'io.k8s.api.core.v1.LimitRangeItem': { type: ['Container', 'PersistentVolumeClaim', 'Pod'] },
  'io.k8s.api.core.v1.ResourceQuotaSpec': {
    'scopes[]': ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'],
  },
  'io.k8s.api.core.v1.ScopedResourceSelectorRequirement': {
    operator: ['DoesNotExist', 'Exists', 'In', 'NotIn'],
    scopeName: ['BestEffort', 'CrossNamespacePodAffinity', 'NotBestEffort', 'NotTerminating', 'PriorityClass', 'Terminating'],
  },
  'io.k8s.api.apps.v1.DeploymentStrategy': { type: ['Recreate', 'RollingUpdate'] },
  'io.k8s.api.apps.v1.StatefulSetUpdateStrategy': { type: ['OnDelete', 'RollingUpdate'] },
  'io.k8s.api.apps.v1.StatefulSetSpec': { podManagementPolicy: ['OrderedReady', 'Parallel'] },
  'io.k8s.api.apps.v1.StatefulSetPersistentVolumeClaimRetentionPolicy': {
    whenDeleted: ['Delete', 'Retain'],
    whenScaled: ['Delete', 'Retain'],
  },
  'io.k8s.api.apps.v1.DaemonSetUpdateStrategy': { type: ['OnDelete', 'RollingUpdate'] },
  'io.k8s.api.batch.v1.CronJobSpec': { concurrencyPolicy: ['Allow', 'Forbid', 'Replace'] },
  'io.k8s.api.batch.v1.JobSpec': {
    completionMode: ['Indexed', 'NonIndexed'],
    podReplacementPolicy: ['Failed', 'TerminatingOrFailed'],
  },
  'io.k8s.api.batch.v1.PodFailurePolicyRule': { action: ['Count', 'FailIndex', 'FailJob', 'Ignore'] },
  'io.k8s.api.batch.v1.PodFailurePolicyOnExitCodesRequirement': { operator: ['In', 'NotIn'] },
  'io.k8s.api.policy.v1.PodDisruptionBudgetSpec': { unhealthyPodEvictionPolicy: ['AlwaysAllow', 'IfHealthyBudget'] },
  'io.k8s.api.networking.v1.NetworkPolicySpec': { 'policyTypes[]': ['Egress', 'Ingress'] },
  'io.k8s.api.networking.v1.HTTPIngressPath': { pathType: ['Exact', 'ImplementationSpecific', 'Prefix'] },
  'io.k8s.api.autoscaling.v2.MetricSpec': { type: ['ContainerResource', 'External', 'Object', 'Pods', 'Resource'] },
  'io.k8s.api.autoscaling.v2.MetricTarget': { type: ['AverageValue', 'Utilization', 'Value'] },
  'io.k8s.api.autoscaling.v2.HPAScalingRules': { selectPolicy: ['Disabled', 'Max', 'Min'] },
  'io.k8s.api.autoscaling.v2.HPAScalingPolicy': { type: ['Percent', 'Pods'] },
};

/** True for a keyword the generated code doesn't need: docs and server-side-apply hints. */
function dropped(key) {
  return key === 'description' || key === 'example' || key === 'default' || key === 'x-kubernetes-validations'
    || key === 'x-kubernetes-list-type' || key === 'x-kubernetes-list-map-keys' || key === 'x-kubernetes-map-type'
    || key === 'x-kubernetes-patch-merge-key' || key === 'x-kubernetes-patch-strategy' || key === 'x-kubernetes-unions'
    || key === 'x-kubernetes-group-version-kind' || key === 'x-kubernetes-embedded-resource';
}

/**
 * RE2 (Go) patterns as JavaScript regular expressions. The only RE2-only syntax in the
 * CRDs is a leading `(?i)`; JavaScript has no inline flags, so it becomes `[xX]` classes.
 */
function jsPattern(pattern) {
  if (!pattern.includes('(?i)')) return pattern;
  const src = pattern.replace('(?i)', '');
  let out = '';
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') { out += c + src[++i]; continue; }
    if (c === '[') inClass = true;
    if (c === ']') inClass = false;
    const lower = c.toLowerCase();
    const upper = c.toUpperCase();
    if (lower === upper) out += c;
    else out += inClass ? lower + upper : `[${lower}${upper}]`;
  }
  new RegExp(out, 'u');
  return out;
}

const JUNCTORS = new Set(['anyOf', 'oneOf', 'allOf', 'not']);

/**
 * A schema the API server applies strictly (`kubectl apply --validate=strict`):
 * - an object with declared properties accepts no others, unless it carries
 *   `x-kubernetes-preserve-unknown-fields` (anything goes there); inside anyOf/oneOf/allOf/not
 *   the properties only restate the outer ones, so nothing is closed there;
 * - a CRD object with neither properties nor additionalProperties is pruned to `{}` by the
 *   server, so it accepts no fields either;
 * - int-or-string fields become `type: [integer, string]` (one clear error instead of an
 *   anyOf of two), keeping any pattern;
 * - `nullable` without a `type` is meaningless and dropped.
 */
function strictify(schema, { crd, inJunctor = false }) {
  if (Array.isArray(schema)) return schema.map((s) => strictify(s, { crd, inJunctor }));
  if (schema === null || typeof schema !== 'object') return schema;
  const out = {};
  const preserve = schema['x-kubernetes-preserve-unknown-fields'] === true;
  const intOrString = schema['x-kubernetes-int-or-string'] === true || schema.format === 'int-or-string';
  for (const [key, value] of Object.entries(schema)) {
    if (dropped(key) || key === 'x-kubernetes-preserve-unknown-fields' || key === 'x-kubernetes-int-or-string') continue;
    if (intOrString && (key === 'anyOf' || key === 'oneOf' || key === 'type' || key === 'format')) continue;
    if (key === 'nullable' && schema.type === undefined) continue;
    if (key === 'properties') {
      out.properties = {};
      for (const [name, prop] of Object.entries(value)) out.properties[name] = strictify(prop, { crd, inJunctor: false });
    } else if (key === 'enum' || key === 'required') {
      out[key] = value;
    } else if (key === 'pattern') {
      out.pattern = jsPattern(value);
    } else if (typeof value === 'object' && value !== null) {
      out[key] = strictify(value, { crd, inJunctor: inJunctor || JUNCTORS.has(key) });
    } else {
      out[key] = value;
    }
  }
  if (intOrString) out.type = ['integer', 'string'];
  const open = preserve || inJunctor || out.additionalProperties !== undefined;
  if (!open && (out.properties !== undefined || (crd && out.type === 'object'))) out.additionalProperties = false;
  return out;
}

// Kinds that embed a pod template share one module: PodSpec is most of their code.
const POD_KINDS = new Set([
  'v1/Pod', 'v1/PodTemplate', 'v1/ReplicationController', 'apps/v1/Deployment', 'apps/v1/ReplicaSet',
  'apps/v1/StatefulSet', 'apps/v1/DaemonSet', 'batch/v1/Job', 'batch/v1/CronJob',
]);

/** The Kubernetes kinds, in modules: the pod-template kinds, then one per API group. */
function k8sKinds() {
  const file = path.join(root, 'imports/schemas/k8s', K8S_VERSION, '_definitions.json');
  const raw = JSON.parse(fs.readFileSync(file, 'utf-8')).definitions;
  const definitions = {};
  const kinds = [];
  for (const [name, def] of Object.entries(raw)) {
    const gvks = def['x-kubernetes-group-version-kind'];
    const strict = strictify(def, { crd: false });
    const enums = ENUMS[name] ?? {};
    for (const [prop, values] of Object.entries(enums)) {
      const isItems = prop.endsWith('[]');
      const p = strict.properties?.[isItems ? prop.slice(0, -2) : prop];
      const target = isItems ? p?.items : p;
      if (target === undefined) throw new Error(`enum overlay: ${name}.${prop} does not exist`);
      target.enum = values;
    }
    definitions[name] = strict;
    // One kind per definition: the multi-GVK ones are DeleteOptions, WatchEvent and Status.
    if (gvks?.length === 1 && !name.endsWith('List')) {
      const { group, version, kind } = gvks[0];
      const apiVersion = group ? `${group}/${version}` : version;
      strict.properties.apiVersion = { type: 'string', enum: [apiVersion] };
      const module = POD_KINDS.has(`${apiVersion}/${kind}`) ? 'k8s-workloads' : `k8s-${group || 'core'}`;
      kinds.push({ apiVersion, kind, ref: `k8s#/definitions/${name}`, served: true, module });
    }
  }
  for (const name of Object.keys(ENUMS)) if (!(name in definitions)) throw new Error(`enum overlay: no definition ${name}`);
  // IntOrString and Quantity: one type check plus the quantity syntax, instead of a oneOf.
  definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString'] = { type: ['integer', 'string'] };
  definitions['io.k8s.apimachinery.pkg.api.resource.Quantity'] = { type: ['string', 'number'], pattern: QUANTITY_PATTERN };
  return { definitions, kinds };
}

/**
 * CRDs repeat big sub-schemas (Argo CD's ApplicationSet holds the Application template in
 * every generator): each object sub-schema that occurs twice or more becomes one shared
 * definition, so ajv compiles it once. This cuts the generated code several times over.
 */
function hoistRepeats(schemas) {
  const counts = new Map();
  const hoistable = (s) => s !== null && typeof s === 'object' && !Array.isArray(s) && s.properties !== undefined;
  const children = (s, fn) => {
    const out = {};
    for (const [k, v] of Object.entries(s)) {
      if (k === 'properties') {
        out.properties = {};
        for (const [n, p] of Object.entries(v)) out.properties[n] = fn(p);
      } else if (k === 'items' || k === 'additionalProperties' || k === 'not') {
        out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) ? fn(v) : v;
      } else if (k === 'anyOf' || k === 'oneOf' || k === 'allOf') {
        out[k] = v.map(fn);
      } else {
        out[k] = v;
      }
    }
    return out;
  };
  const count = (s) => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) return s;
    if (hoistable(s)) {
      const key = JSON.stringify(s);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    return children(s, count);
  };
  for (const s of Object.values(schemas)) count(s);
  const names = new Map();
  const definitions = {};
  const replace = (s) => {
    if (s === null || typeof s !== 'object' || Array.isArray(s)) return s;
    if (hoistable(s)) {
      const key = JSON.stringify(s);
      if ((counts.get(key) ?? 0) >= 2 && key.length > 200) {
        let name = names.get(key);
        if (name === undefined) {
          name = `shared${names.size}`;
          names.set(key, name);
          definitions[name] = children(s, replace);
        }
        return { $ref: `crd#/definitions/${name}` };
      }
    }
    return children(s, replace);
  };
  for (const [id, s] of Object.entries(schemas)) definitions[id] = children(s, replace);
  return definitions;
}

/**
 * The CRDs of one file, in modules: one per kind with all its served versions, except that
 * `ClusterX` joins `X` (same schema, so the shared definitions are compiled once).
 */
function crdModules(file) {
  const docs = yaml.loadAll(fs.readFileSync(file, 'utf-8')).filter((d) => d && d.kind === 'CustomResourceDefinition');
  const kindsInFile = new Set(docs.map((d) => d.spec.names.kind));
  const modules = new Map();
  for (const crd of docs) {
    const { group, names } = crd.spec;
    const base = names.kind.replace(/^Cluster(?=[A-Z])/, '');
    const module = `${group}-${(kindsInFile.has(base) ? base : names.kind).toLowerCase()}`;
    const m = modules.get(module) ?? { module, schemas: {}, kinds: [] };
    modules.set(module, m);
    for (const v of crd.spec.versions) {
      const apiVersion = `${group}/${v.name}`;
      const id = `${apiVersion}/${names.kind}`.replace(/\//g, '_');
      if (!v.served) {
        m.kinds.push({ apiVersion, kind: names.kind, ref: undefined, served: false, module });
        continue;
      }
      const s = strictify(v.schema.openAPIV3Schema, { crd: true });
      s.properties = { ...s.properties };
      s.properties.apiVersion = { type: 'string', enum: [apiVersion] };
      s.properties.kind = { type: 'string', enum: [names.kind] };
      s.properties.metadata = { $ref: OBJECT_META_REF };
      m.schemas[id] = s;
      m.kinds.push({ apiVersion, kind: names.kind, ref: `crd#/definitions/${id}`, served: true, module });
    }
  }
  return [...modules.values()].map((m) => ({ ...m, schemas: hoistRepeats(m.schemas) }));
}

function newAjv() {
  // allErrors: the synth reports every problem at once. inlineRefs: false compiles each
  // shared definition (ObjectMeta, PodSpec…) once instead of inlining it into every kind.
  const ajv = new Ajv({ strict: false, allErrors: true, verbose: true, inlineRefs: false, validateSchema: false, code: { source: true, lines: false } });
  addFormats(ajv);
  return ajv;
}

function moduleCode(ajv, exportsById, sources) {
  const header = `// Generated by \`npm run import\` (scripts/import-validators.cjs) from ${sources}. Do not edit.\n`;
  return header + standaloneCode(ajv, exportsById) + '\n';
}

function main() {
  fs.mkdirSync(outDir, { recursive: true });
  const written = new Set();
  const k8s = k8sKinds();
  const index = [];
  const emit = (module, kinds, crdSchemas, source) => {
    const ajv = newAjv();
    ajv.addSchema({ $id: 'k8s', definitions: k8s.definitions });
    if (crdSchemas) ajv.addSchema({ $id: 'crd', definitions: crdSchemas });
    const ex = {};
    for (const k of kinds) if (k.served) ex[`${k.apiVersion}/${k.kind}`] = k.ref;
    fs.writeFileSync(path.join(outDir, `${module}.cjs`), moduleCode(ajv, ex, source));
    written.add(`${module}.cjs`);
    index.push(...kinds);
  };

  const k8sSource = `imports/schemas/k8s/${K8S_VERSION}/_definitions.json`;
  for (const module of [...new Set(k8s.kinds.map((k) => k.module))].sort()) {
    emit(module, k8s.kinds.filter((k) => k.module === module), undefined, k8sSource);
  }
  const config = yaml.load(fs.readFileSync(path.join(root, 'cdk8s.yaml'), 'utf-8'));
  const crdFiles = config.imports.filter((i) => i.endsWith('.yaml')).sort();
  for (const rel of crdFiles) {
    for (const m of crdModules(path.join(root, rel))) emit(m.module, m.kinds, m.schemas, rel);
  }

  index.sort((a, b) => (`${a.apiVersion}/${a.kind}` < `${b.apiVersion}/${b.kind}` ? -1 : 1));
  const modules = [...new Set(index.map((k) => k.module))].sort();
  const lines = [
    '// Generated by `npm run import` (scripts/import-validators.cjs). Do not edit.',
    '// Schema validators for every kind berth can synthesize, compiled ahead of time by ajv.',
    "import type { ErrorObject } from 'ajv';",
    '',
    '/** An ajv standalone validator: `errors` holds every problem of the last failed call. */',
    'export interface SchemaValidator {',
    '  (data: unknown): boolean;',
    '  errors?: ErrorObject[] | null;',
    '}',
    '',
    '/** The validator module of each kind: `<apiVersion>/<kind>` → module, or `false` when that version is not served. */',
    'export const KINDS: Readonly<Record<string, string | false>> = {',
    ...index.map((k) => `  ${JSON.stringify(`${k.apiVersion}/${k.kind}`)}: ${k.served ? JSON.stringify(k.module) : 'false'},`),
    '};',
    '',
    '/** Loads a module on first use: each holds one validator per kind, keyed `<apiVersion>/<kind>`. */',
    'export const MODULES: Readonly<Record<string, () => Readonly<Record<string, SchemaValidator>>>> = {',
    ...modules.map((m) => `  ${JSON.stringify(m)}: () => require(${JSON.stringify(`./${m}.cjs`)}) as Readonly<Record<string, SchemaValidator>>,`),
    '};',
    '',
  ];
  fs.writeFileSync(path.join(outDir, 'index.ts'), lines.join('\n'));
  written.add('index.ts');
  for (const f of fs.readdirSync(outDir)) if (!written.has(f)) fs.rmSync(path.join(outDir, f));
  const total = [...written].reduce((n, f) => n + fs.statSync(path.join(outDir, f)).size, 0);
  console.log(`imports/validators: ${index.length} kinds in ${modules.length} modules, ${(total / 1e6).toFixed(1)} MB`);
}

main();
