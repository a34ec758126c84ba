import { ApiObject, Chart } from 'cdk8s';
import { fileNameOf, ManifestLike } from './order';
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
  /** Extra files beside the manifests (kustomization.yaml). */
  readonly files: ReadonlyMap<string, string>;
}

export interface SynthUnit {
  readonly env: string;
  readonly stack: string;
  readonly chart: Chart;
}

function keyOf(apiVersion: string, kind: string, name: string, namespace?: string): string {
  return `${apiVersion}|${kind}|${namespace ?? ''}|${name}`;
}

/** Resolves a chart into manifests, sorted into apply order with stable file names. */
export function renderUnit(unit: SynthUnit): RenderedStack {
  const paths = new Map<string, string>();
  for (const c of unit.chart.node.findAll()) {
    if (c instanceof ApiObject) {
      const ns = CLUSTER_SCOPED.has(c.kind) ? undefined : c.metadata.namespace ?? unit.chart.namespace;
      paths.set(keyOf(c.apiVersion, c.kind, c.name, ns), c.node.path);
    }
  }
  const manifests = (unit.chart.toJson() as Manifest[]).map(normalize);
  const objects = manifests.map((manifest) => ({
    manifest,
    constructPath: paths.get(keyOf(manifest.apiVersion, manifest.kind, manifest.metadata.name, manifest.metadata.namespace)) ?? unit.chart.node.path,
    file: fileNameOf(manifest),
  }));
  objects.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
  const files = new Map<string, string>([['kustomization.yaml', kustomization(objects)]]);
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
 * first: apiVersion, kind, metadata (name, namespace, labels, annotations), then the rest.
 */
function normalize(m: Manifest): Manifest {
  const { name, namespace, labels, annotations, ...restMeta } = m.metadata as Manifest['metadata'] & Record<string, unknown>;
  const metadata = {
    name,
    ...(namespace !== undefined && !CLUSTER_SCOPED.has(m.kind) ? { namespace } : {}),
    ...(labels !== undefined ? { labels } : {}),
    ...(annotations !== undefined ? { annotations } : {}),
    ...restMeta,
  };
  const { apiVersion, kind, metadata: _ignored, ...rest } = m;
  return { apiVersion, kind, metadata, ...rest } as Manifest;
}

function kustomization(objects: readonly RenderedObject[]): string {
  return toYaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: objects.map((o) => o.file),
  });
}
