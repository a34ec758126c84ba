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

/**
 * Everything that differs between environments, as typed data. Charts read it and pass
 * plain values to constructs; constructs never look at an environment's name.
 */
export interface EnvironmentConfig {
  /** `dev`, `staging` or `prod`: the directory under `dist/`. */
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
  /**
   * TLS for routed hosts; `undefined` serves plain HTTP. `meshIssuer` serves stacks behind
   * Istio: its gateway redirects port 80 to HTTPS, so HTTP-01 can't be solved there and the
   * issuer must use DNS-01.
   */
  readonly tls?: {
    readonly issuer: { readonly name: string; readonly kind: 'ClusterIssuer' | 'Issuer' };
    readonly meshIssuer: { readonly name: string; readonly kind: 'ClusterIssuer' | 'Issuer' };
  };
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
  };
  /**
   * Where pods reach the Kubernetes API (after kube-proxy's DNAT), for services with RBAC:
   * default-deny egress would otherwise block them.
   */
  readonly apiServer: { readonly cidr: string; readonly port: number };
  /** Namespace ResourceQuota of every stack. */
  readonly quota: QuotaSpec;
  /** ServiceMonitors for metrics ports. */
  readonly monitoring: boolean;
  /** The namespace of the Prometheus that scrapes them (outside the mesh). @default 'monitoring' */
  readonly scraperNamespace?: string;
  /** Scheduled backups of stores that support them. */
  readonly backups?: { readonly schedule: string; readonly retain: number; readonly size: string };
  readonly capabilities: Capabilities;
  /** Where Argo CD reads `dist/` from. */
  readonly gitops: { readonly repoURL: string; readonly revision: string; readonly argocdNamespace: string };
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
