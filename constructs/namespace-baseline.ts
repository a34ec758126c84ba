import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import * as istiosec from '../imports/security.istio.io';
import { Problems } from './core/errors';
import { MANAGED_BY } from './core/labels';
import { isDns1123Label, isLabelValue } from './core/names';
import { STRING_MAP } from './core/prop-shapes';
import { checkProps, num, object, opt, propsOf, req, str } from './core/props';
import { protectFromPrune } from './core/prune';
import { isQuantity, parseQuantity } from './core/quantity';
import { syncWave, Wave } from './core/waves';
import * as kinds from './core/kinds';

/** Namespace-wide totals a ResourceQuota enforces; every value is a Kubernetes quantity. */
export interface QuotaSpec {
  /** Sum of CPU requests. */
  readonly requestsCpu: string;
  /** Sum of memory requests. */
  readonly requestsMemory: string;
  /** Sum of CPU limits. */
  readonly limitsCpu: string;
  /** Sum of memory limits. */
  readonly limitsMemory: string;
  /** Sum of PVC storage requests. */
  readonly requestsStorage: string;
  /** Number of pods. */
  readonly pods: number;
  /** Number of PersistentVolumeClaims. */
  readonly persistentVolumeClaims: number;
  /** Sum of containers' ephemeral-storage requests (logs and emptyDirs on the node's disk). */
  readonly requestsEphemeralStorage: string;
  /** Sum of containers' ephemeral-storage limits. */
  readonly limitsEphemeralStorage: string;
}

/** Per-container bounds and defaults a LimitRange applies. */
export interface ContainerLimits {
  /** Requests for a container that declares none. */
  readonly defaultRequest: { readonly cpu: string; readonly memory: string };
  /** Limits for a container that declares none. */
  readonly defaultLimit: { readonly cpu: string; readonly memory: string };
  /** The largest limit any one container may set. */
  readonly max: { readonly cpu: string; readonly memory: string };
}

/**
 * The namespace runs in an Istio mesh (sidecar injection).
 *
 * Injection under Pod Security *restricted* needs the Istio CNI node agent: the
 * `istio-init` container it replaces needs NET_ADMIN and NET_RAW, which *restricted* refuses.
 *
 * Run-to-completion pods (Jobs, CronJobs) need their constructs' `meshSidecar` too, or the
 * sidecar keeps them running forever.
 *
 * With STRICT mTLS (an IngressGateway in `istio` mode), a Prometheus outside the mesh can no
 * longer scrape the pods' metrics ports (plain HTTP is refused): ServiceMonitors will show
 * failing targets. Give Prometheus a sidecar and scrape with Istio's certificates, or use
 * Istio's metrics merging (`prometheus.io/*` pod annotations, served in plain HTTP by the
 * sidecar agent on 15020, which the NetworkPolicies must then admit). berth does neither.
 */
export interface NamespaceMeshProps {
  /**
   * The namespace istiod runs in.
   * @default 'istio-system'
   */
  readonly controlPlaneNamespace?: string;
  /**
   * Labels selecting the istiod pods. Keep it revision-independent: during a canary upgrade,
   * pods not yet restarted still talk to the old revision's istiod.
   * @default { app: 'istiod' }
   */
  readonly istiodPodLabels?: Readonly<Record<string, string>>;
  /**
   * The control-plane revision that injects the sidecars: labels the namespace
   * `istio.io/rev: <revision>` rather than `istio-injection: enabled`.
   * @default - the default revision (`istio-injection: enabled`)
   */
  readonly revision?: string;
}

export interface NamespaceBaselineProps {
  /**
   * The namespace to create.
   * @default - the chart's namespace
   */
  readonly namespace?: string;
  /**
   * Extra namespace labels. Sidecar injection comes with `mesh`, not from here.
   * @default - none
   */
  readonly labels?: Readonly<Record<string, string>>;
  /**
   * The ResourceQuota.
   * @default - DEFAULT_QUOTA: 8 CPU / 16Gi requested, 32 CPU / 64Gi limits, 100Gi storage, 100 pods, 20 PVCs, 50Gi ephemeral storage requested and limited
   */
  readonly quota?: QuotaSpec;
  /**
   * The LimitRange.
   * @default - DEFAULT_CONTAINER_LIMITS: 100m/128Mi requested, 500m/256Mi limit, at most 4 CPU / 8Gi
   */
  readonly containerLimits?: ContainerLimits;
  /**
   * Where the cluster DNS runs: pods may reach it on port 53 (UDP and TCP).
   * @default { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } }
   */
  readonly dns?: { readonly namespace: string; readonly podLabels: Readonly<Record<string, string>> };
  /**
   * Istio: label the namespace for sidecar injection, let every pod's sidecar reach istiod
   * on 15012 (xDS config and certificate signing over TLS: all a sidecar uses; 15017 is the
   * webhook port the API server calls, 15010 plaintext xDS, 15014 monitoring), and deny every
   * request no workload's own AuthorizationPolicy allows (`default-deny`).
   * @default - no mesh
   */
  readonly mesh?: NamespaceMeshProps;
}

export const DEFAULT_QUOTA: QuotaSpec = {
  requestsCpu: '8', requestsMemory: '16Gi', limitsCpu: '32', limitsMemory: '64Gi',
  requestsStorage: '100Gi', pods: 100, persistentVolumeClaims: 20,
  requestsEphemeralStorage: '50Gi', limitsEphemeralStorage: '50Gi',
};

export const DEFAULT_CONTAINER_LIMITS: ContainerLimits = {
  defaultRequest: { cpu: '100m', memory: '128Mi' },
  defaultLimit: { cpu: '500m', memory: '256Mi' },
  max: { cpu: '4', memory: '8Gi' },
};

const PSS_VERSION = 'v1.28';
/** istiod's xDS and CA port (TLS): what sidecars connect to. */
const ISTIOD_XDS_PORT = 15012;
const INJECTION_LABELS = ['istio-injection', 'istio.io/rev'];

/**
 * What every stack namespace starts with: a Namespace enforcing Pod Security Standards
 * *restricted* (enforce, audit and warn), a ResourceQuota, a LimitRange, and a
 * NetworkPolicy that denies all ingress and egress but DNS (and istiod, in a mesh).
 * Workloads then open exactly the paths they declare through `Connections`.
 *
 * The Namespace is never pruned or deleted by Argo CD or Flux (see `protectFromPrune`):
 * deleting it would delete every PersistentVolumeClaim in it, whatever their reclaim policy.
 */
export class NamespaceBaseline extends Construct {
  public readonly namespaceName: string;
  public readonly namespace: k8s.KubeNamespace;
  public readonly quota: k8s.KubeResourceQuota;
  public readonly limitRange: k8s.KubeLimitRange;
  public readonly defaultDeny: k8s.KubeNetworkPolicy;
  public readonly allowDns: k8s.KubeNetworkPolicy;
  /** Egress from every pod to istiod (with `mesh`). */
  public readonly allowIstiod?: k8s.KubeNetworkPolicy;
  /**
   * With `mesh`: an ALLOW policy for the whole namespace that matches nothing, so a request
   * reaches a workload only where its own AuthorizationPolicy admits the caller (Istio's
   * "allow-nothing"), as `defaultDeny` does for connections.
   */
  public readonly defaultDenyAuthorization?: istiosec.AuthorizationPolicy;

  constructor(scope: Construct, id: string, props: NamespaceBaselineProps = {}) {
    super(scope, id);
    checkProps(new Problems(this), NAMESPACE_BASELINE_PROPS, props);
    const namespaceName = props.namespace ?? Chart.of(this).namespace;
    const extraLabels = props.labels ?? {};
    const quota = props.quota ?? DEFAULT_QUOTA;
    const limits = props.containerLimits ?? DEFAULT_CONTAINER_LIMITS;
    const dns = props.dns ?? { namespace: 'kube-system', podLabels: { 'k8s-app': 'kube-dns' } };
    const mesh = props.mesh && {
      controlPlaneNamespace: props.mesh.controlPlaneNamespace ?? 'istio-system',
      istiodPodLabels: props.mesh.istiodPodLabels ?? { app: 'istiod' },
      revision: props.mesh.revision,
    };

    const problems = new Problems(this);
    if (problems.check(namespaceName !== undefined, 'namespace', 'must be set when the chart has no namespace', namespaceName)) {
      problems.check(isDns1123Label(namespaceName!), 'namespace', 'must be a DNS-1123 label (lowercase alphanumerics and -, at most 63)', namespaceName);
    }
    for (const [k, v] of Object.entries(extraLabels)) {
      problems.check(isLabelValue(v), `labels.${k}`, 'must be a valid label value', v);
      if (mesh) problems.check(!INJECTION_LABELS.includes(k), `labels.${k}`, 'is set by mesh; leave it out', v);
    }
    if (mesh) {
      problems.check(isDns1123Label(mesh.controlPlaneNamespace), 'mesh.controlPlaneNamespace', 'must be a DNS-1123 label (lowercase alphanumerics and -, at most 63)', mesh.controlPlaneNamespace);
      problems.check(Object.keys(mesh.istiodPodLabels).length > 0, 'mesh.istiodPodLabels', 'must hold at least one label', mesh.istiodPodLabels);
      for (const [k, v] of Object.entries(mesh.istiodPodLabels)) {
        problems.check(isLabelValue(v), `mesh.istiodPodLabels.${k}`, 'must be a valid label value', v);
      }
      if (mesh.revision !== undefined) {
        problems.check(mesh.revision !== '' && isLabelValue(mesh.revision), 'mesh.revision', 'must be a non-empty label value', mesh.revision);
      }
    }
    for (const [k, v] of Object.entries(quota)) {
      if (typeof v === 'string') problems.check(isQuantity(v), `quota.${k}`, 'must be a Kubernetes quantity', v);
      else problems.check(Number.isInteger(v) && v >= 1, `quota.${k}`, 'must be an integer >= 1', v);
    }
    for (const res of ['cpu', 'memory'] as const) {
      const values = [limits.defaultRequest[res], limits.defaultLimit[res], limits.max[res]];
      if (values.every((v) => problems.check(isQuantity(v), `containerLimits.${res}`, 'must be Kubernetes quantities', v))) {
        const [req, lim, max] = values.map((v) => parseQuantity(v)!);
        problems.check(req <= lim && lim <= max, `containerLimits.${res}`, 'must satisfy defaultRequest <= defaultLimit <= max', values);
      }
    }
    problems.throwIfAny();

    this.namespaceName = namespaceName!;
    const labels = { 'app.kubernetes.io/managed-by': MANAGED_BY };
    const q = (v: string) => k8s.Quantity.fromString(v);

    this.namespace = new kinds.KubeNamespace(this, 'namespace', {
      metadata: {
        name: this.namespaceName,
        labels: {
          ...labels,
          ...extraLabels,
          // istio.io/rev alone: istio-injection would take precedence over it.
          ...(mesh ? (mesh.revision !== undefined ? { 'istio.io/rev': mesh.revision } : { 'istio-injection': 'enabled' }) : {}),
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': PSS_VERSION,
          'pod-security.kubernetes.io/audit': 'restricted',
          'pod-security.kubernetes.io/audit-version': PSS_VERSION,
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/warn-version': PSS_VERSION,
        },
      },
    });
    syncWave(this.namespace, Wave.NAMESPACE);
    protectFromPrune(this.namespace);

    this.quota = new kinds.KubeResourceQuota(this, 'quota', {
      metadata: { name: 'baseline', labels },
      spec: {
        hard: {
          'requests.cpu': q(quota.requestsCpu),
          'requests.memory': q(quota.requestsMemory),
          'limits.cpu': q(quota.limitsCpu),
          'limits.memory': q(quota.limitsMemory),
          'requests.storage': q(quota.requestsStorage),
          // Node disk: every berth container states it; an injected sidecar that doesn't isn't refused for it.
          'requests.ephemeral-storage': q(quota.requestsEphemeralStorage),
          'limits.ephemeral-storage': q(quota.limitsEphemeralStorage),
          // Object counts are quantities too: the API server stores "250", not 250.
          'pods': q(String(quota.pods)),
          'persistentvolumeclaims': q(String(quota.persistentVolumeClaims)),
        },
      },
    });
    this.limitRange = new kinds.KubeLimitRange(this, 'limits', {
      metadata: { name: 'baseline', labels },
      spec: {
        limits: [{
          type: 'Container',
          defaultRequest: { cpu: q(limits.defaultRequest.cpu), memory: q(limits.defaultRequest.memory) },
          default: { cpu: q(limits.defaultLimit.cpu), memory: q(limits.defaultLimit.memory) },
          max: { cpu: q(limits.max.cpu), memory: q(limits.max.memory) },
        }],
      },
    });
    this.defaultDeny = new kinds.KubeNetworkPolicy(this, 'default-deny', {
      metadata: { name: 'default-deny', labels },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
    this.allowDns = new kinds.KubeNetworkPolicy(this, 'allow-dns', {
      metadata: { name: 'allow-dns', labels },
      spec: {
        podSelector: {},
        policyTypes: ['Egress'],
        egress: [{
          to: [{
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': dns.namespace } },
            podSelector: { matchLabels: { ...dns.podLabels } },
          }],
          ports: [
            { port: k8s.IntOrString.fromNumber(53), protocol: 'UDP' },
            { port: k8s.IntOrString.fromNumber(53), protocol: 'TCP' },
          ],
        }],
      },
    });
    if (mesh) {
      this.allowIstiod = new kinds.KubeNetworkPolicy(this, 'allow-istiod', {
        metadata: { name: 'allow-istiod', labels },
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [{
            to: [{
              namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': mesh.controlPlaneNamespace } },
              podSelector: { matchLabels: { ...mesh.istiodPodLabels } },
            }],
            ports: [{ port: k8s.IntOrString.fromNumber(ISTIOD_XDS_PORT), protocol: 'TCP' }],
          }],
        },
      });
    }
    if (mesh) {
      this.defaultDenyAuthorization = new kinds.AuthorizationPolicy(this, 'default-deny-authorization', {
        metadata: { name: 'default-deny', labels },
        spec: {},
      });
      syncWave(this.defaultDenyAuthorization, Wave.BASELINE);
    }
    for (const o of [this.quota, this.limitRange, this.defaultDeny, this.allowDns, ...(this.allowIstiod ? [this.allowIstiod] : [])]) {
      syncWave(o, Wave.BASELINE);
    }
  }
}

// ---------------------------------------------------------------- run-time prop shapes

/** Also the shape of an environment's `quota` (charts/environments.ts). */
export const QUOTA_SPEC = object<QuotaSpec>('QuotaSpec', {
  requestsCpu: req(str),
  requestsMemory: req(str),
  limitsCpu: req(str),
  limitsMemory: req(str),
  requestsStorage: req(str),
  pods: req(num),
  persistentVolumeClaims: req(num),
  requestsEphemeralStorage: req(str),
  limitsEphemeralStorage: req(str),
});
const CPU_AND_MEMORY = object<ContainerLimits['max']>('{ cpu, memory }', { cpu: req(str), memory: req(str) });

const NAMESPACE_BASELINE_PROPS = propsOf<NamespaceBaselineProps>('NamespaceBaseline', {
  namespace: opt(str),
  labels: opt(STRING_MAP),
  quota: opt(QUOTA_SPEC),
  containerLimits: opt(object<ContainerLimits>('ContainerLimits', {
    defaultRequest: req(CPU_AND_MEMORY), defaultLimit: req(CPU_AND_MEMORY), max: req(CPU_AND_MEMORY),
  })),
  dns: opt(object<NonNullable<NamespaceBaselineProps['dns']>>('{ namespace, podLabels }', { namespace: req(str), podLabels: req(STRING_MAP) })),
  mesh: opt(object<NamespaceMeshProps>('NamespaceMeshProps', { controlPlaneNamespace: opt(str), istiodPodLabels: opt(STRING_MAP), revision: opt(str) })),
});
