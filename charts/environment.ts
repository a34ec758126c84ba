import type { QuotaSpec } from '../constructs/namespace-baseline';

/** How an environment exposes a stack's entry point. */
export type GatewayMode = 'ingress' | 'gateway-api' | 'istio' | 'nodeport';

/** How credentials reach the cluster. `generated` writes plaintext Secrets: dev only. */
export type SecretsConfig =
  | { readonly mode: 'generated' }
  | { readonly mode: 'external'; readonly clusterSecretStore: string }
  /** `kubeseal` output per `<namespace>/<secret>`, then per key. */
  | { readonly mode: 'sealed'; readonly encryptedData: Readonly<Record<string, Readonly<Record<string, string>>>> };

/**
 * What an environment's images look like. The stacks name repositories only (`nexus/api`);
 * `releases/<env>.yaml` gives each service's version, and this decides the rest.
 */
export interface ImagesConfig {
  /**
   * Put in front of every repository a stack names: `registry.example.com` makes
   * `nexus/api` `registry.example.com/nexus/api`.
   * @default - none: the repository as the stack names it (Docker Hub, or a local build)
   */
  readonly registry?: string;
  /**
   * What a version in the release file must be: `mutable` accepts any tag, `latest` included
   * (local builds); `tag` a tag other than `latest`, or a digest; `digest` a digest
   * (`sha256:…`, alone or after a tag). Images berth chooses (stores, sidecars) are pinned by
   * tag outside `mutable`.
   */
  readonly pin: 'mutable' | 'tag' | 'digest';
  /** Every container's `imagePullPolicy`. */
  readonly pullPolicy: 'Always' | 'IfNotPresent' | 'Never';
}

/** Who the Istio ingress gateway is: its pods' labels and its ServiceAccount. */
export interface IstioGatewayIdentity {
  /** The gateway pods' ServiceAccount, in `gateway.istioNamespace`. */
  readonly serviceAccount: string;
  /** Labels of the gateway pods: the Gateway binds to them, and the NetworkPolicies admit them. */
  readonly podLabels: Readonly<Record<string, string>>;
}

/** istioctl's default profile. */
export const DEFAULT_ISTIO_GATEWAY: IstioGatewayIdentity = {
  serviceAccount: 'istio-ingressgateway-service-account',
  podLabels: { istio: 'ingressgateway' },
};

/** The Istio ingress gateway of an environment: namespace, pods, ServiceAccount and mesh principal. */
export function istioGatewayOf(env: EnvironmentConfig): IstioGatewayIdentity & { readonly namespace: string; readonly principal: string } {
  const namespace = env.gateway.istioNamespace ?? 'istio-system';
  const g = env.gateway.istioGateway ?? DEFAULT_ISTIO_GATEWAY;
  return { namespace, serviceAccount: g.serviceAccount, podLabels: g.podLabels, principal: `cluster.local/ns/${namespace}/sa/${g.serviceAccount}` };
}

/** Storage tiers a stack asks for; the environment decides the sizes. */
export type StorageTier = 'small' | 'medium' | 'large';

/** Operators and CRDs the environment's clusters run. `dev` has none: plain kind/minikube. */
export interface Capabilities {
  readonly ingressNginx: boolean;
  readonly certManager: boolean;
  readonly externalSecrets: boolean;
  readonly sealedSecrets: boolean;
  readonly prometheusOperator: boolean;
  readonly istio: boolean;
  readonly gatewayApi: boolean;
  readonly vpa: boolean;
}

/** An issuer of cert-manager. */
export interface IssuerRef {
  readonly name: string;
  readonly kind: 'ClusterIssuer' | 'Issuer';
}

/**
 * TLS for routed hosts. `meshIssuer` serves stacks behind Istio: its gateway redirects port 80
 * to HTTPS, so HTTP-01 can't be solved there and the issuer must use DNS-01.
 */
export interface TlsConfig {
  readonly issuer: IssuerRef;
  readonly meshIssuer: IssuerRef;
}

/**
 * Where pods reach the Kubernetes API (after kube-proxy's DNAT), for services with RBAC:
 * default-deny egress would otherwise block them.
 */
export interface ApiServerConfig {
  readonly cidr: string;
  readonly port: number;
}

/**
 * Where Argo CD deploys a cluster's stacks: the API server's URL, or the cluster's name as
 * registered in Argo CD (`argocd cluster add`). Argo CD's own cluster is
 * `{ server: 'https://kubernetes.default.svc' }`.
 */
export type ArgoDestination = { readonly server: string } | { readonly name: string };

/** Argo CD's own cluster: the destination of an environment that lists no clusters. */
export const IN_CLUSTER: ArgoDestination = { server: 'https://kubernetes.default.svc' };

/**
 * What every cluster of an environment syncs: a branch, a full 40-character commit SHA, or a
 * tag written `{ tag: 'v1.4.0' }` (Flux needs to know which; Argo CD reads either).
 */
export type GitRevision = string | { readonly tag: string };

export interface GitOpsConfig {
  /** The repository that holds `dist/`: `https://…` or `ssh://…` (Flux reads no other form). */
  readonly repoURL: string;
  /** The revision every cluster of the environment syncs. */
  readonly revision: GitRevision;
  /** Where Argo CD runs (in a hub, the hub's namespace): the AppProjects and Applications go there. */
  readonly argocdNamespace: string;
  /** Where Flux runs in each cluster: the GitRepository and the Flux Kustomizations go there. @default 'flux-system' */
  readonly fluxNamespace?: string;
  /**
   * The Secret in `fluxNamespace` that holds the repository's credentials for Flux
   * (`flux create secret git`); Argo CD keeps its own (`argocd repo add`).
   * @default - none: the repository is public
   */
  readonly fluxSecretName?: string;
}

/**
 * One cluster of an environment. Each field it leaves out is the environment's; the stacks
 * read the result as their environment, so nothing branches on a cluster's name.
 */
export interface ClusterConfig {
  /** A DNS label such as `eu-west`: the cluster's directory is `dist/<env>-<name>/`. */
  readonly name: string;
  /** Where Argo CD deploys this cluster's stacks. */
  readonly destination: ArgoDestination;
  /** Base DNS domain of the cluster's routed hosts. @default - the environment's domain */
  readonly domain?: string;
  /** The cluster's issuers. @default - the environment's tls */
  readonly tls?: TlsConfig;
  /** StorageClass of the cluster's volumes. @default - the environment's storage.storageClass */
  readonly storageClass?: string;
  /** The cluster's API server, for pods with RBAC. @default - the environment's apiServer */
  readonly apiServer?: ApiServerConfig;
}

/**
 * Everything that differs between environments, as typed data. Charts read it and pass
 * plain values to constructs; constructs never look at an environment's name.
 */
export interface EnvironmentConfig {
  /**
   * `dev`, `staging` or `prod`: the suffix of every namespace (`<stack>-<env>`) and the
   * directory under `dist/` (`<env>-<cluster>` per cluster where `clusters` lists them).
   */
  readonly name: string;
  /** Base DNS domain for routed hosts, such as `dev.example.com`. */
  readonly domain: string;
  /**
   * What application code is told it runs as (`ENVIRONMENT`): the values the plans' code
   * compares against. Staging runs as production, so it tests what prod will do.
   */
  readonly appEnvironment: 'development' | 'production';
  /** The log level stacks give their services. */
  readonly logLevel: 'debug' | 'info';
  readonly scaling: {
    /** Replicas of a service without an HPA. */
    readonly replicas: number;
    /** Whether services get HPAs (and VPAs where the stack asks for them). */
    readonly autoscaling: boolean;
    /** Divides a stack's HPA maximum (dev/staging run smaller fleets). */
    readonly maxReplicasDivisor: number;
  };
  /** TLS for routed hosts; `undefined` serves plain HTTP. */
  readonly tls?: TlsConfig;
  readonly storage: {
    /** @default - the cluster's default StorageClass */
    readonly storageClass?: string;
    readonly sizes: Readonly<Record<StorageTier, string>>;
  };
  readonly secrets: SecretsConfig;
  /** How the stacks' images are named, pinned and pulled. */
  readonly images: ImagesConfig;
  /**
   * The environment whose tested versions this one takes, by promotion only: `npm run release
   * -- set` refuses it (but with `--hotfix`), and `promote` only from there.
   * @default - none: versions are set directly (CI after a build, a bot, a person)
   */
  readonly releasesFrom?: string;
  readonly gateway: {
    /** The mode a stack uses unless `overrides` names it. */
    readonly mode: GatewayMode;
    /** Per-stack modes, such as Istio for `nexus`. */
    readonly overrides: Readonly<Record<string, GatewayMode>>;
    readonly ingressClassName: string;
    /** Where the ingress controller runs: routed services admit traffic from it. */
    readonly controllerNamespace: string;
    /** Where the Istio ingress gateway runs, for stacks in istio mode. @default 'istio-system' */
    readonly istioNamespace?: string;
    /**
     * The Istio ingress gateway's pods, for stacks in istio mode: routed services admit only
     * these pods (NetworkPolicy) and this ServiceAccount's principal (AuthorizationPolicy).
     * Install methods name them differently: istioctl's default profile
     * `istio-ingressgateway-service-account` with `istio: ingressgateway`; the `istio/gateway`
     * Helm chart the release name (`istio-ingressgateway`) with `istio: ingressgateway`.
     * @default - istioctl's default profile: { serviceAccount: 'istio-ingressgateway-service-account', podLabels: { istio: 'ingressgateway' } }
     */
    readonly istioGateway?: IstioGatewayIdentity;
  };
  /** Where pods reach the Kubernetes API, for services with RBAC. */
  readonly apiServer: ApiServerConfig;
  /** Namespace ResourceQuota of every stack. */
  readonly quota: QuotaSpec;
  /** ServiceMonitors for metrics ports. */
  readonly monitoring: boolean;
  /** The namespace of the Prometheus that scrapes them (outside the mesh). @default 'monitoring' */
  readonly scraperNamespace?: string;
  /** Scheduled backups of stores that support them. */
  readonly backups?: { readonly schedule: string; readonly retain: number; readonly size: string };
  readonly capabilities: Capabilities;
  /** Where Argo CD and Flux read `dist/` from, and where they run. */
  readonly gitops: GitOpsConfig;
  /**
   * The environment's clusters (prod in two regions, say), each with the values that differ
   * per cluster. Each gets its own `dist/<env>-<cluster>/`: its stacks, its Argo CD root and
   * Applications, its Flux objects. Namespaces stay `<stack>-<env>` in every cluster.
   * @default - one cluster, the one Argo CD runs in (`https://kubernetes.default.svc`), written to `dist/<env>/`
   */
  readonly clusters?: readonly ClusterConfig[];
}

/** `<stack>-<env>`: one namespace per stack installation. */
export function namespaceFor(stack: string, env: EnvironmentConfig): string {
  return `${stack}-${env.name}`;
}

/** The key of a Secret's kubeseal output in `secrets.encryptedData`: `<namespace>/<secret>`. */
export function namespacedSecretKey(stack: string, env: EnvironmentConfig, secretName: string): string {
  return `${namespaceFor(stack, env)}/${secretName}`;
}

/** The gateway mode a stack uses in an environment. */
export function gatewayModeFor(stack: string, env: EnvironmentConfig): GatewayMode {
  return env.gateway.overrides[stack] ?? env.gateway.mode;
}

/** One cluster of an environment, as the synth writes it: `dist/<dir>/`. */
export interface ClusterTarget {
  /** `dist/<dir>/`: the environment's name, or `<env>-<cluster>` for an environment that lists clusters. */
  readonly dir: string;
  /** The environment with this cluster's values in place: what its stacks and GitOps objects read. */
  readonly env: EnvironmentConfig;
  /** Where Argo CD deploys this cluster's stacks. */
  readonly destination: ArgoDestination;
}

/**
 * The clusters of an environment, in the order it lists them. Each target's `env` is the
 * environment with the cluster's domain, issuers, StorageClass and API server in place, and
 * `clusters` holding that one cluster, so a target's `env` gives the same target again.
 */
export function clusterTargets(env: EnvironmentConfig): ClusterTarget[] {
  if (env.clusters === undefined) return [{ dir: env.name, env, destination: IN_CLUSTER }];
  return env.clusters.map((c) => {
    const tls = c.tls ?? env.tls;
    const resolved: EnvironmentConfig = {
      ...env,
      domain: c.domain ?? env.domain,
      ...(tls !== undefined ? { tls } : {}),
      storage: c.storageClass !== undefined ? { ...env.storage, storageClass: c.storageClass } : env.storage,
      apiServer: c.apiServer ?? env.apiServer,
      clusters: [c],
    };
    return { dir: `${env.name}-${c.name}`, env: resolved, destination: c.destination };
  });
}

/**
 * The `dist/` directory of an environment with one cluster (as every ClusterTarget's `env`
 * is); one that lists several has no single directory, and this is its name.
 */
export function dirOf(env: EnvironmentConfig): string {
  const targets = clusterTargets(env);
  return targets.length === 1 ? targets[0].dir : env.name;
}

/** What every cluster of the environment syncs, as Argo CD's `targetRevision`. */
export function targetRevisionOf(env: EnvironmentConfig): string {
  const r = env.gitops.revision;
  return typeof r === 'string' ? r : r.tag;
}
