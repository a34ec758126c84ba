// The few fields of Kubernetes objects the review tools read. Manifests come from YAML, so
// every field is optional and numbers may arrive as strings (quantities).
import { Manifest } from '../../synth/render';

export type { Manifest };

export type QuantityValue = string | number;

export interface Resources {
  readonly requests?: Readonly<Record<string, QuantityValue>>;
  readonly limits?: Readonly<Record<string, QuantityValue>>;
}

export interface SecurityContext {
  readonly runAsNonRoot?: boolean;
  readonly runAsUser?: number;
  readonly privileged?: boolean;
  readonly allowPrivilegeEscalation?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  readonly capabilities?: { readonly add?: readonly string[]; readonly drop?: readonly string[] };
  readonly seccompProfile?: { readonly type?: string };
}

export interface Container {
  readonly name: string;
  readonly image?: string;
  readonly resources?: Resources;
  readonly securityContext?: SecurityContext;
  /** `Always` on an init container makes it a sidecar (Kubernetes 1.28+). */
  readonly restartPolicy?: string;
}

export interface PodSpec {
  readonly containers?: readonly Container[];
  readonly initContainers?: readonly Container[];
  readonly securityContext?: SecurityContext;
  readonly hostNetwork?: boolean;
  readonly hostPID?: boolean;
  readonly hostIPC?: boolean;
}

export interface PodTemplate {
  readonly metadata?: { readonly labels?: Readonly<Record<string, string>> };
  readonly spec?: PodSpec;
}

export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly { readonly key: string; readonly operator: string; readonly values?: readonly string[] }[];
}

export interface VolumeClaim {
  readonly metadata?: { readonly name?: string };
  readonly spec?: {
    readonly storageClassName?: string;
    readonly resources?: { readonly requests?: Readonly<Record<string, QuantityValue>> };
  };
}

export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except?: readonly string[] };
}

export interface NetworkPolicyPort {
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol?: string;
}

export interface NetworkPolicyRule {
  readonly from?: readonly NetworkPolicyPeer[];
  readonly to?: readonly NetworkPolicyPeer[];
  readonly ports?: readonly NetworkPolicyPort[];
}

export interface NetworkPolicySpec {
  readonly podSelector?: LabelSelector;
  readonly policyTypes?: readonly string[];
  readonly ingress?: readonly NetworkPolicyRule[];
  readonly egress?: readonly NetworkPolicyRule[];
}

/** The object's `spec`, typed as what the caller expects to read from it. */
export function specOf<T>(m: Manifest): T | undefined {
  return (m as unknown as { spec?: T }).spec;
}

/** The pod template of a workload kind, or the spec of a bare Pod. */
export function podTemplateOf(m: Manifest): PodTemplate | undefined {
  switch (m.kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      return specOf<{ template?: PodTemplate }>(m)?.template;
    case 'CronJob':
      return specOf<{ jobTemplate?: { spec?: { template?: PodTemplate } } }>(m)?.jobTemplate?.spec?.template;
    case 'Pod':
      return { metadata: m.metadata, spec: specOf<PodSpec>(m) };
    default:
      return undefined;
  }
}

/** Where the pod spec sits inside a manifest of this kind, as a dotted path. */
export function podSpecPath(kind: string): string | undefined {
  switch (kind) {
    case 'Deployment': case 'StatefulSet': case 'DaemonSet': case 'ReplicaSet': case 'Job':
      return 'spec.template.spec';
    case 'CronJob':
      return 'spec.jobTemplate.spec.template.spec';
    case 'Pod':
      return 'spec';
    default:
      return undefined;
  }
}

/** True when `labels` satisfy `selector`. An empty selector matches everything. */
export function selects(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>> | undefined): boolean {
  const have = labels ?? {};
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) if (have[k] !== v) return false;
  for (const e of selector?.matchExpressions ?? []) {
    const v = have[e.key];
    const values = e.values ?? [];
    const ok = e.operator === 'In' ? v !== undefined && values.includes(v)
      : e.operator === 'NotIn' ? v === undefined || !values.includes(v)
        : e.operator === 'Exists' ? v !== undefined
          : e.operator === 'DoesNotExist' ? v === undefined : false;
    if (!ok) return false;
  }
  return true;
}

/** True for `{}` or a missing selector: every pod. */
export function isEmptySelector(selector: LabelSelector | undefined): boolean {
  return Object.keys(selector?.matchLabels ?? {}).length === 0 && (selector?.matchExpressions ?? []).length === 0;
}

/** The API group of an `apiVersion`: `apps/v1` → `apps`, `v1` → `` (core). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

// ---------------------------------------------------------------------------------------
// NetworkPolicy rules in words, for the diff and the dependency picture.

/** `name=api,instance=shop-prod` (the `app.kubernetes.io/` prefix dropped), or `all pods`. */
export function selectorText(selector: LabelSelector | undefined): string {
  const labels = Object.entries(selector?.matchLabels ?? {}).map(([k, v]) => `${k.replace(/^app\.kubernetes\.io\//, '')}=${v}`);
  const exprs = (selector?.matchExpressions ?? []).map((e) => `${e.key} ${e.operator}${e.values?.length ? ` ${e.values.join('|')}` : ''}`);
  const all = [...labels, ...exprs];
  return all.length ? all.join(',') : 'all pods';
}

/** `5432/TCP`, `8000-8010/TCP`, `*` for every port. */
export function portText(p: NetworkPolicyPort): string {
  return `${p.port ?? '*'}${p.endPort ? `-${p.endPort}` : ''}/${p.protocol ?? 'TCP'}`;
}

/** `pods name=api`, `namespace monitoring`, `namespace monitoring pods name=prometheus`, `10.0.0.0/8`. */
export function peerText(p: NetworkPolicyPeer): string {
  if (p.ipBlock) return `${p.ipBlock.cidr}${p.ipBlock.except?.length ? ` except ${p.ipBlock.except.join(', ')}` : ''}`;
  const pods = p.podSelector && !isEmptySelector(p.podSelector) ? ` pods ${selectorText(p.podSelector)}` : '';
  if (p.namespaceSelector !== undefined) {
    const ns = p.namespaceSelector.matchLabels?.['kubernetes.io/metadata.name']
      ?? (isEmptySelector(p.namespaceSelector) ? 'every namespace' : selectorText(p.namespaceSelector));
    return `namespace ${ns}${pods}`;
  }
  return `pods ${selectorText(p.podSelector)}`;
}

/** `from pods name=api on 5432/TCP`, `to anywhere on all ports`. */
export function ruleText(rule: NetworkPolicyRule, direction: 'ingress' | 'egress'): string {
  const peers = (direction === 'ingress' ? rule.from : rule.to) ?? [];
  const ports = rule.ports?.length ? rule.ports.map(portText).join(', ') : 'all ports';
  return `${direction === 'ingress' ? 'from' : 'to'} ${peers.length ? peers.map(peerText).join('; ') : 'anywhere'} on ${ports}`;
}
