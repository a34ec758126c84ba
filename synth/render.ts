import { ApiObject, Chart } from 'cdk8s';
import { ValidationError } from '../constructs/core/errors';
import { fileNameOf, ManifestLike, phaseOf, SYNC_WAVE } from './order';
import { toYaml } from './yaml';

/** A Kubernetes object as synthesized, plus where it came from. */
export interface RenderedObject {
  readonly manifest: Manifest;
  /** The construct path that made it, for error messages. */
  readonly constructPath: string;
  /** File name inside the stack directory. */
  readonly file: string;
}

export interface Manifest extends ManifestLike {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly labels?: Readonly<Record<string, string>>;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly [key: string]: unknown;
}

/** One environment's synthesized stack: the content of `dist/<env>/<stack>/`. */
export interface RenderedStack {
  readonly env: string;
  readonly stack: string;
  readonly objects: readonly RenderedObject[];
  /** Extra files beside the manifests (the Kustomization). */
  readonly files: ReadonlyMap<string, string>;
}

/**
 * Named `Kustomization`, one of kustomize's three recognised names, because it has no
 * `.yaml` extension: `kubectl apply -f <dir>` reads only .json/.yaml/.yml files and would
 * fail on a kustomization.yaml ("no matches for kind Kustomization"), while
 * `kubectl apply -k`, `kubectl kustomize` and Flux all find this one.
 */
export const KUSTOMIZATION_FILE = 'Kustomization';

export interface SynthUnit {
  readonly env: string;
  readonly stack: string;
  readonly chart: Chart;
}


/** Resolves a chart into manifests, sorted into apply order with stable file names. */
export function renderUnit(unit: SynthUnit): RenderedStack {
  const { chart } = unit;
  const apiObjects: ApiObject[] = [];
  const problems: string[] = [];
  for (const c of chart.node.findAll()) {
    for (const e of c.node.validate()) problems.push(`[${c.node.path}] ${e}`);
    if (c instanceof ApiObject && Chart.of(c) === chart) apiObjects.push(c);
  }
  if (problems.length > 0) throw new ValidationError(problems);
  // Each object renders on its own: chart.toJson() would also build cdk8s's dependency
  // graph and re-validate the app, which grows faster than linearly with the object count
  // and buys nothing here, since the synth orders objects by wave itself.
  const objects = apiObjects.map((o) => {
    const manifest = normalize(o.toJson() as Manifest);
    return { manifest, constructPath: o.node.path, file: fileNameOf(manifest) };
  });
  objects.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const files = new Map<string, string>([[KUSTOMIZATION_FILE, kustomization(objects)]]);
  return { env: unit.env, stack: unit.stack, objects, files };
}

/** Kinds without a namespace: cdk8s stamps the chart's namespace on every object. */
const CLUSTER_SCOPED = new Set([
  'Namespace', 'ClusterRole', 'ClusterRoleBinding', 'PersistentVolume', 'StorageClass', 'PriorityClass',
  'CustomResourceDefinition', 'IngressClass', 'GatewayClass', 'ClusterIssuer', 'ClusterSecretStore',
  'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
]);

/**
 * Drops the namespace from cluster-scoped objects and puts the keys reviewers look for
 * first: apiVersion, kind, metadata (name, namespace, labels, annotations), then the rest,
 * and stamps the sync wave derived from the kind on objects that don't set one.
 */
function normalize(m: Manifest): Manifest {
  const { name, namespace, labels, annotations, ...restMeta } = m.metadata as Manifest['metadata'] & Record<string, unknown>;
  const metadata = {
    name,
    ...(namespace !== undefined && !CLUSTER_SCOPED.has(m.kind) ? { namespace } : {}),
    ...(labels !== undefined ? { labels } : {}),
    // Every object carries its wave, so an Argo CD sync follows the same order as the files.
    annotations: withWave(annotations, m),
    ...restMeta,
  };
  const { apiVersion, kind, metadata: _ignored, ...rest } = m;
  return { apiVersion, kind, metadata, ...rest } as Manifest;
}

/** The object's annotations plus its sync wave, unless it sets one. */
function withWave(annotations: Readonly<Record<string, string>> | undefined, m: Manifest): Record<string, string> {
  // Object.assign, not `{ ...annotations, [SYNC_WAVE]: … }`: see "Two V8 pitfalls" in docs/performance.md.
  const out: Record<string, string> = Object.assign({}, annotations);
  out[SYNC_WAVE] = annotations?.[SYNC_WAVE] ?? String(phaseOf(m));
  return out;
}

function kustomization(objects: readonly RenderedObject[]): string {
  return toYaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: objects.map((o) => o.file),
  });
}
