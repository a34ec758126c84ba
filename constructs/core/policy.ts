// The platform policy: what a stack's environment decides for every construct in it (image
// tags, the mesh, where Secrets come from, storage tiers, backups, scaling, metrics, the
// gateway). A berth StackChart supplies it through the construct tree's context, so a stack
// states only its own intent; a construct reads it for the props it wasn't given, and works
// without it (outside a berth chart) from its explicit props and its own defaults. Constructs
// never see an environment's name, only these values.
import { IConstruct } from 'constructs';
import type { SecretSource } from '../app-secret';
import type { GatewayCapabilities, GatewayMode, GatewayTls } from '../ingress-gateway';
import type { ProvidedSource } from '../provided-secret';

/** Where the policy sits in the construct tree's context. */
export const POLICY_CONTEXT = 'berth:platform-policy';

/** Scheduled backups, as the environment sets them. */
export interface BackupPolicy {
  readonly schedule: string;
  readonly retain: number;
  readonly size: string;
}

/** How images are named, pinned and pulled. */
export interface ImagesPolicy {
  /** Accept `latest` and untagged images. */
  readonly allowMutableTags: boolean;
  /** Every container's `imagePullPolicy`. */
  readonly pullPolicy: PullPolicy;
  /**
   * The image a service runs when its stack names only the repository (no tag, no digest):
   * the environment's release gives the version and the registry. `at` is the construct path,
   * for the message when the release has no entry.
   */
  readonly resolve?: (service: string, repository: string, at: string) => string;
}

/** A container's `imagePullPolicy`. */
export type PullPolicy = 'Always' | 'IfNotPresent' | 'Never';

/**
 * What a pod is to the stack, for its PriorityClass: under node pressure the kubelet evicts,
 * and the scheduler preempts, lower priorities first.
 * - `store`: a store's server and its pooler; every service of the stack needs it.
 * - `service`: a WebService.
 * - `job`: a run someone waits for: a migration, a restore, the smoke test, a volume bind.
 * - `batch`: scheduled background work: backups.
 */
export type PriorityTier = 'store' | 'service' | 'job' | 'batch';

/** Everything optional: a field that is absent leaves the construct's own default. */
export interface PlatformPolicy {
  /** Image pinning, pulls and versions. */
  readonly images?: ImagesPolicy;
  /** Pods get an Istio sidecar (the namespace is in the mesh). */
  readonly meshSidecar?: boolean;
  /** Where a Secret of a given name comes from, and whether plaintext (generated) Secrets are accepted. */
  readonly secrets?: {
    readonly sourceFor: (secretName: string) => SecretSource;
    readonly allowGenerated: boolean;
    /** Where values only an operator knows come from (a ProvidedSecret of this name). */
    readonly providedSourceFor?: (secretName: string) => ProvidedSource;
    /** How an operator supplies a missing provided value, for the message of the pods that lack one. */
    readonly supplyHint?: (mode: ProvidedSource['mode'], remoteKey: string) => string;
  };
  /** The storage tiers a store may ask for, and the StorageClass. */
  readonly storage?: {
    readonly sizes: Readonly<Record<string, string>>;
    readonly storageClass?: string;
  };
  /** Scheduled backups of stores that ask for them; `false` where none are scheduled. */
  readonly backups?: BackupPolicy | false;
  /** How a service's scaling intent becomes replicas. */
  readonly scaling?: {
    /** HPAs where true; else the fixed `replicas`. */
    readonly autoscaling: boolean;
    /** Replicas of a service without an HPA (unless it fixes its own). */
    readonly replicas: number;
    /** Divides an HPA maximum (smaller fleets), never below its minimum. */
    readonly maxReplicasDivisor: number;
  };
  /** Whether the cluster runs the Vertical Pod Autoscaler: VPAs are rendered only where it does. */
  readonly verticalAutoscaling?: boolean;
  /** Metrics: who scrapes, and whether ServiceMonitors are rendered. */
  readonly metrics?: { readonly scraperNamespace: string; readonly serviceMonitor: boolean };
  /** Where pods reach the Kubernetes API (after kube-proxy's DNAT): services with RBAC may call it. */
  readonly apiServer?: { readonly cidr: string; readonly port: number };
  /** The PriorityClass of each tier; the cluster's prerequisites define them. */
  readonly priorityClasses?: Readonly<Record<PriorityTier, string>>;
  /** How the stack's IngressGateway is rendered. */
  readonly gateway?: {
    readonly mode: GatewayMode;
    readonly capabilities: GatewayCapabilities;
    readonly tls?: GatewayTls;
    readonly ingressClassName?: string;
    readonly controllerNamespace?: string;
    /** Istio mode: the ingress gateway's pods and identity. */
    readonly istio?: { readonly gatewaySelector: Readonly<Record<string, string>>; readonly gatewayPrincipal: string };
  };
}

const NONE: PlatformPolicy = Object.freeze({});

/** What a container pulls with where no policy says: the kubelet's own default for a pinned tag. */
export const DEFAULT_PULL_POLICY: PullPolicy = 'IfNotPresent';

/** The `imagePullPolicy` of every container a construct renders. */
export function pullPolicyOf(scope: IConstruct): PullPolicy {
  return platformPolicy(scope).images?.pullPolicy ?? DEFAULT_PULL_POLICY;
}

/** The `priorityClassName` of a pod of `tier`, or none outside a chart whose cluster defines the classes. */
export function priorityClassOf(scope: IConstruct, tier: PriorityTier): string | undefined {
  return platformPolicy(scope).priorityClasses?.[tier];
}

/** `spec` with the tier's `priorityClassName`, where the chart's policy names one. */
export function withPriority<T extends { priorityClassName?: string }>(scope: IConstruct, tier: PriorityTier, spec: T): T {
  const name = priorityClassOf(scope, tier);
  return name === undefined ? spec : { ...spec, priorityClassName: name };
}

/** The policy of the chart a construct sits in, or an empty one outside a berth chart. */
export function platformPolicy(scope: IConstruct): PlatformPolicy {
  return (scope.node.tryGetContext(POLICY_CONTEXT) as PlatformPolicy | undefined) ?? NONE;
}
