// What a stack's output needs installed in the cluster: the operators behind its CRDs,
// and the cluster-scoped things it names (ingress class, issuers, secret stores, storage).
import { groupOf, Manifest, podTemplateOf, specOf, VolumeClaim } from './shapes';

/** API groups every Kubernetes 1.28 cluster serves. */
const BUILT_IN = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io',
  'storage.k8s.io', 'scheduling.k8s.io', 'coordination.k8s.io', 'discovery.k8s.io', 'node.k8s.io',
  'admissionregistration.k8s.io', 'apiextensions.k8s.io', 'certificates.k8s.io', 'events.k8s.io',
  'flowcontrol.apiserver.k8s.io', 'apiregistration.k8s.io',
]);

/** CRD group → what installs it. */
export const OPERATORS: Readonly<Record<string, string>> = {
  'cert-manager.io': 'cert-manager',
  'acme.cert-manager.io': 'cert-manager',
  'monitoring.coreos.com': 'Prometheus Operator',
  'argoproj.io': 'Argo CD',
  'kustomize.toolkit.fluxcd.io': 'Flux (kustomize-controller)',
  'source.toolkit.fluxcd.io': 'Flux (source-controller)',
  'networking.istio.io': 'Istio',
  'security.istio.io': 'Istio',
  'telemetry.istio.io': 'Istio',
  'gateway.networking.k8s.io': 'Gateway API CRDs and a Gateway controller',
  'autoscaling.k8s.io': 'Vertical Pod Autoscaler',
  'external-secrets.io': 'External Secrets Operator',
  'bitnami.com': 'Sealed Secrets controller',
  'keda.sh': 'KEDA',
  'postgresql.cnpg.io': 'CloudNativePG',
};

export interface OperatorNeed {
  readonly group: string;
  /** What installs the group; `unknown operator` when berth doesn't know it. */
  readonly operator: string;
  /** Kinds used, with counts, sorted by kind. */
  readonly kinds: readonly { readonly kind: string; readonly count: number }[];
  readonly apiVersions: readonly string[];
}

/** The custom-resource groups the manifests use, sorted by group. */
export function operatorsNeeded(manifests: readonly Manifest[]): OperatorNeed[] {
  const groups = new Map<string, { kinds: Map<string, number>; versions: Set<string> }>();
  for (const m of manifests) {
    const group = groupOf(m.apiVersion);
    if (BUILT_IN.has(group)) continue;
    const g = groups.get(group) ?? { kinds: new Map(), versions: new Set() };
    g.kinds.set(m.kind, (g.kinds.get(m.kind) ?? 0) + 1);
    g.versions.add(m.apiVersion);
    groups.set(group, g);
  }
  return [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([group, g]) => ({
    group,
    operator: OPERATORS[group] ?? 'unknown operator',
    kinds: [...g.kinds.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([kind, count]) => ({ kind, count })),
    apiVersions: [...g.versions].sort(),
  }));
}

/** A cluster-level object the output refers to by name but does not create. */
export interface Prerequisite {
  /** `IngressClass`, `ClusterIssuer`, `ClusterSecretStore`, `StorageClass`, `GatewayClass`, `PriorityClass`. */
  readonly kind: string;
  readonly name: string;
  /** `Ingress/web`, … */
  readonly usedBy: readonly string[];
  /** The directory of berth's output that creates it (`dist/<dir>/cluster`: the PriorityClasses); none where an operator provides it. */
  readonly providedBy?: string;
}

/** The prerequisites that a directory of the same cluster (berth's `cluster/`) creates, marked so. */
export function withProviders(pre: readonly Prerequisite[], provided: ReadonlyMap<string, string>): Prerequisite[] {
  return pre.map((p) => {
    const dir = provided.get(`${p.kind}/${p.name}`);
    return dir === undefined ? p : { ...p, providedBy: dir };
  });
}

/** Cluster-scoped objects named by the manifests, sorted by kind and name. */
export function prerequisites(manifests: readonly Manifest[]): Prerequisite[] {
  const found = new Map<string, { kind: string; name: string; usedBy: Set<string> }>();
  const need = (kind: string, name: string | undefined, m: Manifest): void => {
    if (!name) return;
    const key = `${kind}/${name}`;
    const entry = found.get(key) ?? { kind, name, usedBy: new Set<string>() };
    entry.usedBy.add(`${m.kind}/${m.metadata.name}`);
    found.set(key, entry);
  };
  const created = new Set(manifests.map((m) => `${m.kind}/${m.metadata.name}`));
  for (const m of manifests) {
    const annotations = m.metadata.annotations ?? {};
    const spec = specOf<Record<string, unknown>>(m) ?? {};
    if (m.kind === 'Ingress') need('IngressClass', spec.ingressClassName as string | undefined, m);
    if (m.kind === 'Gateway' && groupOf(m.apiVersion) === 'gateway.networking.k8s.io') need('GatewayClass', spec.gatewayClassName as string | undefined, m);
    need('ClusterIssuer', annotations['cert-manager.io/cluster-issuer'], m);
    need('Issuer', annotations['cert-manager.io/issuer'], m);
    if (m.kind === 'Certificate') {
      const ref = spec.issuerRef as { name?: string; kind?: string } | undefined;
      need(ref?.kind ?? 'Issuer', ref?.name, m);
    }
    if (m.kind === 'ExternalSecret') {
      const ref = spec.secretStoreRef as { name?: string; kind?: string } | undefined;
      need(ref?.kind ?? 'SecretStore', ref?.name, m);
    }
    const claims: VolumeClaim[] = m.kind === 'PersistentVolumeClaim' ? [m as unknown as VolumeClaim]
      : m.kind === 'StatefulSet' ? (spec.volumeClaimTemplates as VolumeClaim[] | undefined) ?? [] : [];
    for (const c of claims) need('StorageClass', c.spec?.storageClassName, m);
    need('PriorityClass', (podTemplateOf(m)?.spec as { priorityClassName?: string } | undefined)?.priorityClassName, m);
  }
  return [...found.values()]
    .filter((p) => !created.has(`${p.kind}/${p.name}`))
    .sort((a, b) => a.kind.localeCompare(b.kind) || a.name.localeCompare(b.name))
    .map((p) => ({ kind: p.kind, name: p.name, usedBy: [...p.usedBy].sort() }));
}
