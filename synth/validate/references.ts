// ConfigMap and Secret references of pods resolve within the stack, or are declared
// external with the `berth.dev/external-refs` annotation on the workload.
import { formatValue } from '../../constructs/core/errors';
import { EXTERNAL_REFS_ANNOTATION, parseExternalRefs } from '../../constructs/core/external-refs';
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { containersOf, KeyRef, list, PodTemplate, record, records } from './model';
import { Path } from './paths';
import { perStack, Report } from './report';
import { indexOf } from './stack-index';

type RefKind = 'ConfigMap' | 'Secret';

/** What the stack provides under a name: who makes it, and its keys when known. */
interface Provided {
  readonly by: RenderedObject;
  /** undefined when the keys are only known at runtime (ExternalSecret dataFrom, templates). */
  readonly keys?: ReadonlySet<string>;
}

function keysOf(...maps: unknown[]): Set<string> {
  return new Set(maps.flatMap((m) => Object.keys(record(m))));
}

function externalSecretKeys(spec: Record<string, unknown>): Set<string> | undefined {
  const target = record(spec.target);
  const template = record(target.template);
  if (list(spec.dataFrom).length > 0 || list(template.templateFrom).length > 0) return undefined;
  const dataKeys = records(spec.data).map((d) => record(d).secretKey).filter((k): k is string => typeof k === 'string');
  if (template.data === undefined) return new Set(dataKeys);
  return new Set([...Object.keys(record(template.data)), ...(template.mergePolicy === 'Merge' ? dataKeys : [])]);
}

/** Every ConfigMap and Secret the stack provides, by namespace and name. */
function providedBy(objects: readonly RenderedObject[]): Map<string, Provided> {
  const out = new Map<string, Provided>();
  const add = (kind: RefKind, o: RenderedObject, name: unknown, keys: Set<string> | undefined) => {
    if (typeof name === 'string') out.set(`${kind}|${o.manifest.metadata?.namespace}|${name}`, { by: o, keys });
  };
  for (const o of objects) {
    const m = o.manifest;
    const spec = record(m.spec);
    const name = m.metadata?.name;
    if (m.kind === 'ConfigMap' && m.apiVersion === 'v1') add('ConfigMap', o, name, keysOf(m.data, m.binaryData));
    else if (m.kind === 'Secret' && m.apiVersion === 'v1') add('Secret', o, name, keysOf(m.data, m.stringData));
    else if (m.kind === 'ExternalSecret' && m.apiVersion.startsWith('external-secrets.io/')) {
      add('Secret', o, record(spec.target).name ?? name, externalSecretKeys(spec));
    } else if (m.kind === 'SealedSecret' && m.apiVersion.startsWith('bitnami.com/')) {
      const template = record(spec.template);
      add('Secret', o, record(template.metadata).name ?? name, keysOf(spec.encryptedData, template.data));
    } else if (m.kind === 'Certificate' && m.apiVersion.startsWith('cert-manager.io/')) {
      add('Secret', o, spec.secretName, new Set(['tls.crt', 'tls.key', 'ca.crt']));
    }
  }
  return out;
}

interface Ref {
  readonly kind: RefKind;
  readonly name: unknown;
  readonly namePath: Path;
  /** Keys used, with the path of each. */
  readonly keys: readonly [unknown, Path][];
  readonly optional: boolean;
}

function itemsKeys(items: unknown, path: Path): [unknown, Path][] {
  return records(items).map((it, i) => [record(it).key, [...path, 'items', i, 'key']]);
}

/** Every ConfigMap and Secret reference of a pod template. */
function refsOf(t: PodTemplate): Ref[] {
  const refs: Ref[] = [];
  for (const { container, path } of containersOf(t)) {
    list(container.env).forEach((raw, i) => {
      const from = record(record(raw).valueFrom);
      for (const [key, kind] of [['configMapKeyRef', 'ConfigMap'], ['secretKeyRef', 'Secret']] as const) {
        if (from[key] === undefined) continue;
        const ref = record(from[key]) as KeyRef;
        const p = [...path, 'env', i, 'valueFrom', key];
        refs.push({ kind, name: ref.name, namePath: [...p, 'name'], keys: [[ref.key, [...p, 'key']]], optional: ref.optional === true });
      }
    });
    list(container.envFrom).forEach((raw, i) => {
      const src = record(raw);
      for (const [key, kind] of [['configMapRef', 'ConfigMap'], ['secretRef', 'Secret']] as const) {
        if (src[key] === undefined) continue;
        const ref = record(src[key]) as KeyRef;
        refs.push({ kind, name: ref.name, namePath: [...path, 'envFrom', i, key, 'name'], keys: [], optional: ref.optional === true });
      }
    });
  }
  list(t.spec.volumes).forEach((raw, i) => {
    const v = record(raw);
    const p = [...t.specPath, 'volumes', i];
    if (v.configMap !== undefined) {
      const cm = record(v.configMap);
      refs.push({ kind: 'ConfigMap', name: cm.name, namePath: [...p, 'configMap', 'name'], keys: itemsKeys(cm.items, [...p, 'configMap']), optional: cm.optional === true });
    }
    if (v.secret !== undefined) {
      const s = record(v.secret);
      refs.push({ kind: 'Secret', name: s.secretName, namePath: [...p, 'secret', 'secretName'], keys: itemsKeys(s.items, [...p, 'secret']), optional: s.optional === true });
    }
    list(record(v.projected).sources).forEach((src, j) => {
      for (const [key, kind] of [['configMap', 'ConfigMap'], ['secret', 'Secret']] as const) {
        const ref = record(record(src)[key]);
        if (record(src)[key] === undefined) continue;
        const sp = [...p, 'projected', 'sources', j, key];
        refs.push({ kind, name: ref.name, namePath: [...sp, 'name'], keys: itemsKeys(ref.items, sp), optional: ref.optional === true });
      }
    });
  });
  list(record(t.spec).imagePullSecrets).forEach((raw, i) => {
    refs.push({ kind: 'Secret', name: record(raw).name, namePath: [...t.specPath, 'imagePullSecrets', i, 'name'], keys: [], optional: false });
  });
  return refs;
}

const ANNOTATION_PATH = ['metadata', 'annotations', EXTERNAL_REFS_ANNOTATION];

function checkPod(report: Report, t: PodTemplate, provided: ReadonlyMap<string, Provided>): void {
  const o = t.object;
  const ns = o.manifest.metadata?.namespace;
  const declaredRaw: unknown = record(o.manifest.metadata?.annotations)[EXTERNAL_REFS_ANNOTATION];
  const declared = parseExternalRefs(typeof declaredRaw === 'string' ? declaredRaw : '');
  if (typeof declaredRaw === 'string' && declared.invalid.length > 0) {
    report.add(o, ANNOTATION_PATH, `must be a comma-separated list of configmap/<name> and secret/<name>, received ${formatValue(declaredRaw)}`);
  }
  const used = new Set<string>();
  for (const ref of refsOf(t)) {
    if (typeof ref.name !== 'string') continue;
    const entry = `${ref.kind.toLowerCase()}/${ref.name}`;
    used.add(entry);
    if (ref.optional) continue;
    const external = (ref.kind === 'ConfigMap' ? declared.configMaps : declared.secrets).has(ref.name);
    const p = provided.get(`${ref.kind}|${ns}|${ref.name}`);
    if (!p) {
      if (!external) {
        const makers = ref.kind === 'Secret' ? 'a Secret, ExternalSecret, SealedSecret or Certificate' : 'a ConfigMap';
        report.add(o, ref.namePath, `names ${ref.kind} ${formatValue(ref.name)}, which this stack does not define`,
          `define it (${makers}) or declare it external: annotation ${EXTERNAL_REFS_ANNOTATION}: "${entry}" on the ${o.manifest.kind}`);
      }
      continue;
    }
    if (!p.keys) continue;
    for (const [key, keyPath] of ref.keys) {
      if (typeof key === 'string' && !p.keys.has(key)) {
        report.add(o, keyPath, `is not a key of ${ref.kind} ${formatValue(ref.name)} (made by ${p.by.manifest.kind}/${p.by.manifest.metadata?.name}), received ${formatValue(key)}`,
          p.keys.size > 0 ? `its keys: ${[...p.keys].sort().join(', ')}` : 'it has no keys');
      }
    }
  }
  for (const [kind, names] of [['ConfigMap', declared.configMaps], ['Secret', declared.secrets]] as const) {
    for (const name of names) {
      const entry = `${kind.toLowerCase()}/${name}`;
      if (provided.has(`${kind}|${ns}|${name}`)) {
        report.add(o, ANNOTATION_PATH, `declares ${entry} external, but this stack defines it`, `remove ${entry} from the annotation`);
      } else if (!used.has(entry)) {
        report.add(o, ANNOTATION_PATH, `declares ${entry} external, but no pod of this ${o.manifest.kind} uses it`, `remove ${entry} from the annotation`);
      }
    }
  }
}

/** envFrom, configMapKeyRef, secretKeyRef, volumes and projected sources resolve, keys included. */
export function referencesValidator(): Validator {
  return perStack((report) => {
    const idx = indexOf(report.stack);
    const provided = providedBy(report.stack.objects);
    for (const t of idx.podOf.values()) checkPod(report, t, provided);
  });
}
