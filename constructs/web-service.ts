// WebService: its props (every prop and its default documented here), their run-time shapes,
// and the class that resolves the defaults, validates and wires the facets in
// constructs/web-service/ into the Deployment: container.ts (containers, probes, resources,
// env), config.ts (ConfigMap and envFrom sources, the checksums that roll the pods),
// network.ts (ports, the Service, peer checks), scaling.ts (scaling intent, HPA, VPA),
// metrics.ts (metrics port, ServiceMonitor), mesh.ts (sidecar settings, affinity's
// DestinationRule), rbac.ts (Role, RoleBinding, the API server's egress), common.ts.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as vpa from '../imports/autoscaling.k8s.io';
import * as k8s from '../imports/k8s';
import * as monitoring from '../imports/monitoring.coreos.com';
import * as istio from '../imports/networking.istio.io';
import * as istiosec from '../imports/security.istio.io';
import { DEFAULT_SERVICE_POOL } from './core/connection-budget';
import { ConnectOptions, Connections, NetworkPeer, Peer, ServicePort, workloadNetworkPolicy } from './core/connections';
import { meshMetricsException, meshPrincipal, workloadAuthorizationPolicy } from './core/mesh';
import { EnvMap } from './core/env';
import { EnvFrom } from './core/env-from';
import { Problems } from './core/errors';
import { platformPolicy, pullPolicyOf, withPriority } from './core/policy';
import { checkImage, formatImage, Image, imageVersion, parseImage, resolveServiceImage } from './core/image';
import { appLabels } from './core/labels';
import { isDns1035Label, isDns1123Subdomain, isLabelValue, isQualifiedName } from './core/names';
import { Probe } from './core/probes';
import { checkPeer, ENV_FROM, ENV_MAP, IMAGE, PROBE, RESOURCES, RUN_AS, STRING_MAP, STRINGS } from './core/prop-shapes';
import { anyOf, arrayOf, bool, checkProps, num, object, oneOf, opt, propsOf, req, str } from './core/props';
import { isQuantity } from './core/quantity';
import { MEMORY_AT_IDLE_ANNOTATION, Resources, withEphemeralStorage } from './core/resources';
import { IRoutable } from './core/routable';
import { DEFAULT_UID, restrictedPodSecurityContext, RunAs } from './core/security';
import { CHECKSUM_ANNOTATION_PREFIX, drainSafePdb, serviceAccount, spreadConstraints } from './core/workload';
import * as kinds from './core/kinds';
import { connect, Connectable } from './plus-workload';
import { checkInt } from './web-service/common';
import { checkEnvSources, configChecksums, envSources, ownConfigMap } from './web-service/config';
import { checkContainers, ContainerSettings, renderContainers } from './web-service/container';
import { affinityDestinationRule, sidecarAnnotations } from './web-service/mesh';
import { checkMetrics, dedicatedMetricsPort, resolveMetrics, serviceMonitor } from './web-service/metrics';
import { checkPorts, checkSessionAffinity, clusterService, servedPorts } from './web-service/network';
import { allowApiServer, checkRbac, role, roleBinding } from './web-service/rbac';
import { checkScaling, checkScalingIntent, horizontalAutoscaler, resolveScaling, verticalAutoscaler } from './web-service/scaling';

/** A port the service serves, exposed on its Service under the same name. */
export interface ServicePortSpec {
  /**
   * IANA service name, at most 15 characters: `http`, `grpc`, `metrics`. Naming the first
   * port `grpc` or `grpc-…` makes the default probes gRPC health checks.
   */
  readonly name: string;
  /** The port the Service exposes, 1–65535. */
  readonly port: number;
  /** The container port, 1–65535. @default - same as `port` */
  readonly targetPort?: number;
  /** @default 'TCP' */
  readonly protocol?: 'TCP' | 'UDP';
  /**
   * Served for the pod itself (a debug or admin port reached with `kubectl port-forward`):
   * a container port only, not on the Service, so nothing can `connectTo` or route it. Not
   * allowed on the first port, which is the service's `url`.
   * @default false
   */
  readonly internalOnly?: boolean;
}

/** One HPA scaling policy: at most `value` pods (or percent) per `periodSeconds`. */
export interface ScalingPolicy {
  /** Whether `value` counts pods or a percentage of the current replicas. */
  readonly type: 'Pods' | 'Percent';
  /** Greater than 0. */
  readonly value: number;
  /** 1–1800. */
  readonly periodSeconds: number;
}

/** How fast the HPA may scale in one direction. */
export interface ScalingRules {
  /** How long the HPA looks back before acting, 0–3600. @default - Kubernetes' default: 0 up, 300 down */
  readonly stabilizationWindowSeconds?: number;
  /** @default - Kubernetes' default policies */
  readonly policies?: readonly ScalingPolicy[];
  /** Which policy wins when several apply. @default - Kubernetes' default, 'Max' */
  readonly selectPolicy?: 'Max' | 'Min' | 'Disabled';
}

/** HPA `behavior`: how fast it scales up and down. */
export interface ScalingBehavior {
  /** @default - Kubernetes' default: scale up at once */
  readonly scaleUp?: ScalingRules;
  /** @default - Kubernetes' default: scale down after a 300 s window */
  readonly scaleDown?: ScalingRules;
}

/**
 * How many pods a service runs, as intent. The chart's platform policy decides what it
 * becomes: an HPA where the environment autoscales (its maximum divided for smaller fleets,
 * never below the minimum), else a fixed count. Outside a berth chart it is an HPA.
 */
export interface ScalingIntent {
  /** The fewest pods, at least 1: the HPA's minimum, which also decides the PDB. */
  readonly min: number;
  /** The most pods, at least `min`. */
  readonly max: number;
  /** Target average CPU utilization of requests, 1–100. @default 80 (when memory isn't set) */
  readonly cpu?: number;
  /** Target average memory utilization of requests, 1–100. @default - none */
  readonly memory?: number;
  /** Scale-up and scale-down windows and rates. @default - Kubernetes' defaults */
  readonly behavior?: ScalingBehavior;
  /** Pods where the environment doesn't autoscale, at least 1. @default - the policy's replicas */
  readonly fixed?: number;
}

/** A HorizontalPodAutoscaler (autoscaling/v2) that owns the replica count. */
export interface AutoscalingProps {
  /** At least 1. Also the minimum that decides the PDB. */
  readonly minReplicas: number;
  /** At least `minReplicas`. */
  readonly maxReplicas: number;
  /** Target average CPU utilization of requests, 1–100. @default - 80, unless only memoryUtilization is set */
  readonly cpuUtilization?: number;
  /** Target average memory utilization of requests, 1–100. @default - none */
  readonly memoryUtilization?: number;
  /** Scale-up and scale-down windows and rates. @default - Kubernetes' defaults */
  readonly behavior?: ScalingBehavior;
}

/** CPU and memory bounds for VPA recommendations. */
export interface ResourceBounds {
  /** @default - no bound */
  readonly cpu?: string;
  /** @default - no bound */
  readonly memory?: string;
}

/** A VerticalPodAutoscaler (autoscaling.k8s.io/v1); the cluster must run the VPA. */
export interface VerticalAutoscalingProps {
  /**
   * `Off` only publishes recommendations; `Initial` sets requests on new pods; `Recreate`
   * also evicts pods to apply them (not allowed together with `autoscaling`).
   * @default 'Off'
   */
  readonly updateMode?: 'Off' | 'Initial' | 'Recreate';
  /** @default - no floor */
  readonly minAllowed?: ResourceBounds;
  /** @default - no ceiling */
  readonly maxAllowed?: ResourceBounds;
}

/** A Prometheus metrics endpoint. */
export interface MetricsProps {
  /**
   * A port number serves metrics on a port of their own, named `metrics`, on the container
   * and the Service; it is never routed, so `/metrics` stays off the internet whatever the
   * routes' paths. A name serves them on one of `ports` instead, which no route may reach
   * with the metrics path, and which can't be scraped through STRICT mTLS.
   * @default 9090
   */
  readonly port?: number | string;
  /** @default '/metrics' */
  readonly path?: string;
  /** The namespace the scraper runs in; the NetworkPolicy admits it on the metrics port. @default - the chart's platform policy, else 'monitoring' */
  readonly scraperNamespace?: string;
  /**
   * Emit a `monitoring.coreos.com/v1` ServiceMonitor (the cluster must have the Prometheus Operator).
   * @default - the chart's platform policy (a berth chart: where the environment monitors), else false
   */
  readonly serviceMonitor?: boolean;
  /** Extra ServiceMonitor labels, to match a Prometheus' `serviceMonitorSelector`. @default - none */
  readonly serviceMonitorLabels?: Readonly<Record<string, string>>;
  /** Scrape interval such as `30s`. @default - the Prometheus' own interval */
  readonly interval?: string;
}

/** Verbs a namespaced Role may grant; `*` is deliberately not among them. */
export type RbacVerb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** One namespaced RBAC rule; wildcards are refused (least privilege). */
export interface RbacRule {
  /** @default [''] - the core API group */
  readonly apiGroups?: readonly string[];
  /** Resource names such as `configmaps` or `leases`. */
  readonly resources: readonly string[];
  /** What the service may do with them. */
  readonly verbs: readonly RbacVerb[];
  /**
   * The objects the rule covers, by name. Required where RBAC can limit the verbs to named
   * objects (`get`, `update`, `patch`, `delete`); refused beside `create` and
   * `deletecollection`, whose requests carry no name (give those a rule of their own).
   * @default - every object of those resources: only for `create`, `list`, `watch`, `deletecollection`, and `get` beside `list` or `watch`
   */
  readonly resourceNames?: readonly string[];
}

/** A container that runs to completion before the service starts, such as a migration. */
export interface InitContainerProps {
  /** DNS-1123 label, unique among the pod's containers. */
  readonly name: string;
  /** @default - the service's image */
  readonly image?: Image;
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - the image's arguments */
  readonly args?: readonly string[];
  /** Extra env vars; they override inherited ones of the same name. @default - none */
  readonly env?: EnvMap;
  /** Also receive the service's `env`, `envFrom` and `config`. @default true */
  readonly inheritEnv?: boolean;
  /** @default - the service's resources */
  readonly resources?: Resources;
}

/** What one WebService runs and how; everything environment-specific is a plain prop. */
export interface WebServiceProps {
  /** Name of every object, DNS-1035 label. @default - the construct id */
  readonly name?: string;
  /** `app.kubernetes.io/component`. @default 'api' */
  readonly component?: string;
  /**
   * `repo:tag`, `repo@sha256:…` or an ImageRef; the tag (or digest) becomes the version label.
   * In a berth chart, name only the repository (`nexus/api`): the environment's release file
   * gives the version and the registry.
   */
  readonly image: Image;
  /** Accept `latest` and untagged images. @default - the chart's platform policy (a berth chart: the environment's setting), else false */
  readonly allowMutableImageTags?: boolean;
  /** Names of image pull Secrets. @default - none */
  readonly imagePullSecrets?: readonly string[];
  /** @default - the image's entrypoint */
  readonly command?: readonly string[];
  /** @default - the image's arguments */
  readonly args?: readonly string[];
  /** Served ports; the first is the default for probes and `url`. */
  readonly ports: readonly ServicePortSpec[];

  /** Env vars; credentials must be `EnvValue.fromSecret()`. @default - none */
  readonly env?: EnvMap;
  /** Whole ConfigMaps or Secrets as env vars. An env var may be set by one source only. @default - none */
  readonly envFrom?: readonly EnvFrom[];
  /** Data of a ConfigMap `<name>` owned by the service, read as env vars; changes roll the pods. @default - none */
  readonly config?: Readonly<Record<string, string>>;

  /** Requests and limits of the service container. @default 'small' */
  readonly resources?: Resources;
  /** Run in order before the service starts, with its security context and writable paths. @default - none */
  readonly initContainers?: readonly InitContainerProps[];
  /** Non-root UID/GID of every container. @default - UID and GID 10001 */
  readonly runAs?: RunAs;
  /** Paths that need to be writable, each an emptyDir (`/tmp` always is). @default - none */
  readonly writablePaths?: readonly string[];
  /** Size limit of each writable emptyDir, `/tmp` included. @default '256Mi' */
  readonly writableSizeLimit?: string;

  /** Path of the default readiness probe, which may check the service's dependencies. @default '/healthz' */
  readonly healthPath?: string;
  /**
   * May check dependencies (a database, downstream services): a pod whose dependency is down
   * leaves the Service's endpoints and comes back without a restart.
   * @default - gRPC health check if the first port is named `grpc` or `grpc-…`, else HTTP GET `healthPath`, on the first port
   */
  readonly readinessProbe?: Probe;
  /**
   * Restarts a container that stopped working. It must not check dependencies (no probe
   * declared `checksDependencies`, and not the readiness check unless both are TCP connects):
   * when a dependency is down, restarting every pod fixes nothing and makes the outage longer.
   * @default - a TCP connect to the first port (the process is up and accepting connections), with liveness timing
   */
  readonly livenessProbe?: Probe;
  /** Holds off liveness while a slow service boots. @default - none */
  readonly startupProbe?: Probe;

  /**
   * Scaling as intent: the chart's platform policy makes it an HPA or a fixed count. Not
   * together with `replicas` or `autoscaling`, which say exactly what to render.
   * @default - none: `replicas` or `autoscaling`
   */
  readonly scaling?: ScalingIntent;
  /** Fixed replica count (without `autoscaling`); 2 or more also gets a PDB. @default 2 */
  readonly replicas?: number;
  /** An HPA; the Deployment then leaves `spec.replicas` to it. Not together with `replicas`. @default - none */
  readonly autoscaling?: AutoscalingProps;
  /**
   * A VPA, rendered only where the cluster runs one (the chart's platform policy says).
   * @default - none
   */
  readonly verticalAutoscaling?: VerticalAutoscalingProps;

  /** Extra pods (count or percentage) during a rollout. @default '25%' */
  readonly maxSurge?: number | string;
  /** Pods (count or percentage) that may be unavailable during a rollout; 0 never drops below the desired count. @default 0 */
  readonly maxUnavailable?: number | string;
  /** Seconds a new pod must stay ready to count as available. @default 5 */
  readonly minReadySeconds?: number;
  /** Old ReplicaSets kept for rollback. @default 5 */
  readonly revisionHistoryLimit?: number;
  /** Seconds before a stuck rollout is reported failed; more than `minReadySeconds`. @default 600 */
  readonly progressDeadlineSeconds?: number;
  /** Seconds from shutdown start (preStop pause included) to SIGKILL. @default 30 */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * A preStop `sleep` so endpoints drain before SIGTERM; less than
   * `terminationGracePeriodSeconds`. Needs `sleep` in the image: set 0 for distroless images.
   * @default 5
   */
  readonly preStopSleepSeconds?: number;

  /** `ClientIP` pins a client to one pod (WebSockets). @default 'None' */
  readonly sessionAffinity?: 'None' | 'ClientIP';
  /** Stickiness timeout with `ClientIP`, 1–86400. @default 10800 */
  readonly sessionAffinityTimeoutSeconds?: number;

  /**
   * Namespaced API access for a least-privilege Role; the token is then mounted. The pod may
   * then reach the API server where the chart's platform policy says where it is (a berth
   * chart: the environment's `apiServer`); outside one, open it with `allowTo(Peer.cidr(…), …)`.
   * @default - none: no Role and no token
   */
  readonly rbac?: readonly RbacRule[];
  /** A metrics endpoint: the scraper is admitted, and optionally a ServiceMonitor. @default - none */
  readonly metrics?: MetricsProps;
  /** The cluster's DNS domain, for `host` and `url`. @default 'cluster.local' */
  readonly clusterDomain?: string;
  /**
   * Annotations on the pod template, for agents that read them (a mesh's proxy settings).
   * The `checksum.berth.dev/` prefix is berth's own. @default - none
   */
  readonly podAnnotations?: Readonly<Record<string, string>>;
  /**
   * The pods get an Istio sidecar (their namespace is in the mesh): the proxy is sized like
   * every berth sidecar (MESH_PROXY_RESOURCES, not Istio's 2-CPU default limit, which counts
   * against the quota); an AuthorizationPolicy `<name>` admits exactly the callers `connectTo`
   * declares (and the gateway where routed), by their ServiceAccounts' principals; a dedicated
   * metrics port gets an mTLS exception and an ALLOW rule for the plaintext scraper; ClientIP
   * session affinity becomes a DestinationRule consistent hash, since sidecars bypass kube-proxy.
   * @default - the chart's platform policy (a berth chart: whether the stack is in the mesh), else false
   */
  readonly meshSidecar?: boolean;
  /**
   * What one idle pod's container uses (runtime, caches, no load). An HPA memory target must
   * stay above it, or the HPA scales to its maximum and stays there: the synth checks it.
   * @default - the memory request, which is what Kubernetes expects a pod to use
   */
  readonly memoryAtIdle?: string;
}

/**
 * One stateless HTTP/gRPC service: Deployment, Service, ServiceAccount and NetworkPolicy,
 * plus ConfigMap, Role, HPA, VPA, PDB, ServiceMonitor and (in the mesh) AuthorizationPolicy
 * when asked for. Restricted pod security, probes whose liveness no dependency can fail,
 * resources with ephemeral storage, the platform's `service` priority and drain-safe
 * rollouts by default.
 */
export class WebService extends Construct implements IRoutable {
  /** The Service's name (also of every other object). */
  public readonly serviceName: string;
  /** The image the service runs, as rendered (with the release's version in a berth chart): a MigrationJob of the same code reuses it. */
  public readonly image: string;
  /** Cluster DNS name: `<name>.<namespace>.svc.<clusterDomain>`. */
  public readonly host: string;
  /** `http://<host>:<first port>`. */
  public readonly url: string;
  /** The Service ports, with their container ports. */
  public readonly ports: readonly ServicePort[];
  /** Who may call this service and whom it calls; rendered into its NetworkPolicy. */
  public readonly connections: Connections;

  public readonly deployment: k8s.KubeDeployment;
  public readonly service: k8s.KubeService;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** With `config`. */
  public readonly configMap?: k8s.KubeConfigMap;
  /** With `rbac`. */
  public readonly role?: k8s.KubeRole;
  /** With `rbac`. */
  public readonly roleBinding?: k8s.KubeRoleBinding;
  /** With `autoscaling`. */
  public readonly hpa?: k8s.KubeHorizontalPodAutoscalerV2;
  /** With `verticalAutoscaling`. */
  public readonly vpa?: vpa.VerticalPodAutoscaler;
  /** When the minimum replica count is 2 or more. */
  public readonly pdb?: k8s.KubePodDisruptionBudget;
  /** With `metrics.serviceMonitor`. */
  public readonly serviceMonitor?: monitoring.ServiceMonitor;
  /** ClientIP affinity, for the gateways that must carry it (they bypass the Service's). */
  public readonly sessionAffinity?: { readonly timeoutSeconds: number };
  /** The name of the port that serves metrics, which no route may reach. */
  public readonly metricsPort?: string;
  /** With `meshSidecar` and ClientIP affinity: a consistent hash for in-mesh callers. */
  public readonly destinationRule?: istio.DestinationRule;
  /** With `meshSidecar` and a dedicated metrics port: the port's mTLS exception. */
  public readonly metricsPeerAuthentication?: istiosec.PeerAuthentication;
  /** With `meshSidecar` and a dedicated metrics port: admits the plaintext scraper on it. */
  public readonly metricsAuthorizationPolicy?: istiosec.AuthorizationPolicy;
  /** With `meshSidecar`: admits exactly the callers `connections` declares, by their mesh identity. */
  public readonly authorizationPolicy?: istiosec.AuthorizationPolicy;

  constructor(scope: Construct, id: string, props: WebServiceProps) {
    super(scope, id);
    checkProps(new Problems(this), WEB_SERVICE_PROPS, props);
    const problems = new Problems(this);
    const policy = platformPolicy(this);
    const name = props.name ?? id;
    const component = props.component ?? 'api';
    const allowMutableImageTags = props.allowMutableImageTags ?? policy.images?.allowMutableTags ?? false;
    const image = resolveServiceImage(this, name, props.image);
    const imagePullSecrets = props.imagePullSecrets ?? [];
    const envFrom = props.envFrom ?? [];
    // What the containers are made of (web-service/container.ts), with the defaults.
    const containers: ContainerSettings = {
      name,
      image,
      pullPolicy: pullPolicyOf(this),
      env: props.env ?? {},
      resources: props.resources ?? 'small',
      initContainers: props.initContainers ?? [],
      runAs: props.runAs ?? { uid: DEFAULT_UID, gid: DEFAULT_UID },
      writablePaths: props.writablePaths ?? [],
      writableSizeLimit: props.writableSizeLimit ?? '256Mi',
      healthPath: props.healthPath ?? '/healthz',
      preStopSleepSeconds: props.preStopSleepSeconds ?? 5,
    };
    // With replicas or autoscaling beside it the intent is refused below, not resolved.
    const scaled = props.scaling && props.replicas === undefined && props.autoscaling === undefined && checkScalingIntent(problems, props.scaling)
      ? resolveScaling(props.scaling, policy.scaling) : {};
    const replicas = props.replicas ?? scaled.replicas ?? 2;
    const maxSurge = props.maxSurge ?? '25%';
    const maxUnavailable = props.maxUnavailable ?? 0;
    const minReadySeconds = props.minReadySeconds ?? 5;
    const revisionHistoryLimit = props.revisionHistoryLimit ?? 5;
    const progressDeadlineSeconds = props.progressDeadlineSeconds ?? 600;
    const terminationGracePeriodSeconds = props.terminationGracePeriodSeconds ?? 30;
    const sessionAffinity = props.sessionAffinity ?? 'None';
    const sessionAffinityTimeoutSeconds = props.sessionAffinityTimeoutSeconds ?? 10800;
    const clusterDomain = props.clusterDomain ?? 'cluster.local';
    const podAnnotations = props.podAnnotations ?? {};
    const meshSidecar = props.meshSidecar ?? policy.meshSidecar ?? false;
    const memoryAtIdle = props.memoryAtIdle;
    const autoscaling = props.autoscaling ?? scaled.autoscaling;
    // Only where the cluster runs a VPA; outside a berth chart, as asked.
    const verticalAutoscaling = policy.verticalAutoscaling === false ? undefined : props.verticalAutoscaling;
    const metrics = props.metrics && resolveMetrics(props.metrics, policy);

    problems.check(isDns1035Label(name), 'name', "must be a DNS-1035 label (lowercase letters, digits and '-', starting with a letter, at most 63 characters)", name);
    for (const key of Object.keys(podAnnotations)) {
      problems.check(isQualifiedName(key) && !key.startsWith(CHECKSUM_ANNOTATION_PREFIX), `podAnnotations`,
        `must have keys of the form [prefix/]name (DNS subdomain prefix, name at most 63 characters), not under ${CHECKSUM_ANNOTATION_PREFIX}`, key);
    }
    problems.check(isLabelValue(component), 'component', 'must be a label value (at most 63 characters, alphanumeric at both ends)', component);
    checkImage(problems, 'image', image, allowMutableImageTags);
    imagePullSecrets.forEach((s, i) => problems.check(isDns1123Subdomain(s), `imagePullSecrets[${i}]`, 'must be a Secret name (DNS-1123 subdomain)', s));
    checkPorts(problems, props.ports);
    checkEnvSources(problems, containers.env, envFrom, props.config);
    const portNames = props.ports.map((p) => p.name);
    checkContainers(problems, containers, props, portNames, allowMutableImageTags);
    checkScaling(problems, props, replicas, autoscaling, verticalAutoscaling);
    checkRollout(problems, maxSurge, maxUnavailable);
    checkInt(problems, 'minReadySeconds', minReadySeconds, 0);
    checkInt(problems, 'revisionHistoryLimit', revisionHistoryLimit, 0);
    if (checkInt(problems, 'progressDeadlineSeconds', progressDeadlineSeconds, 1)) {
      problems.check(progressDeadlineSeconds > minReadySeconds, 'progressDeadlineSeconds', `must be greater than minReadySeconds (${minReadySeconds})`, progressDeadlineSeconds);
    }
    checkInt(problems, 'terminationGracePeriodSeconds', terminationGracePeriodSeconds, 1);
    const preStopSleepSeconds = containers.preStopSleepSeconds;
    if (checkInt(problems, 'preStopSleepSeconds', preStopSleepSeconds, 0) && preStopSleepSeconds > 0) {
      problems.check(preStopSleepSeconds < terminationGracePeriodSeconds, 'preStopSleepSeconds',
        `must be less than terminationGracePeriodSeconds (${terminationGracePeriodSeconds})`, preStopSleepSeconds);
    }
    checkSessionAffinity(problems, sessionAffinity, props.sessionAffinityTimeoutSeconds, sessionAffinityTimeoutSeconds);
    if (props.rbac) checkRbac(problems, props.rbac);
    if (metrics) checkMetrics(problems, metrics, props.ports, portNames, meshSidecar);
    problems.check(isDns1123Subdomain(clusterDomain), 'clusterDomain', 'must be a DNS name', clusterDomain);
    if (memoryAtIdle !== undefined) problems.check(isQuantity(memoryAtIdle), 'memoryAtIdle', 'must be a Kubernetes quantity such as 200Mi', memoryAtIdle);
    problems.check(!props.ports[0]?.internalOnly, 'ports[0].internalOnly', "must not be set on the first port: it is the service's url and default route", true);
    problems.throwIfAny();

    // Inputs are valid: build.
    const namespace = Chart.of(this).namespace ?? 'default';
    const labels = appLabels(this, { name, component, version: imageVersion(image) });
    const meta = { name, labels: labels.all };
    this.serviceName = name;
    this.image = formatImage(parseImage(image));
    this.host = `${name}.${namespace}.svc.${clusterDomain}`;
    const served = servedPorts(props.ports);
    this.ports = served.filter((_, i) => !props.ports[i].internalOnly);
    this.url = `http://${this.host}:${this.ports[0].port}`;
    this.connections = new Connections(labels.selector, this.ports, undefined, meshPrincipal(namespace, name));
    if (sessionAffinity === 'ClientIP') this.sessionAffinity = { timeoutSeconds: sessionAffinityTimeoutSeconds };
    const dedicatedMetrics = metrics && dedicatedMetricsPort(metrics);
    const metricsPort = metrics && (dedicatedMetrics ?? this.port(metrics.port as string));
    this.metricsPort = metricsPort?.name;

    const rbac = props.rbac !== undefined;
    this.serviceAccount = serviceAccount(this, 'service-account', { ...meta, automountToken: rbac });
    if (props.rbac) {
      this.role = role(this, meta, props.rbac);
      this.roleBinding = roleBinding(this, meta, namespace);
    }
    const sources = envSources(name, props.config, envFrom);
    if (props.config) this.configMap = ownConfigMap(this, meta, props.config);
    const checksums = configChecksums(sources);
    const pod = renderContainers(containers, props, served, dedicatedMetrics, sources);

    const minReplicas = autoscaling ? autoscaling.minReplicas : replicas;
    const maxReplicas = autoscaling ? autoscaling.maxReplicas : replicas;
    const allPodAnnotations = { ...(meshSidecar ? sidecarAnnotations(terminationGracePeriodSeconds) : {}), ...podAnnotations };
    this.deployment = new kinds.KubeDeployment(this, 'deployment', {
      metadata: {
        name,
        labels: labels.versioned,
        annotations: { ...this.connections.poolsAnnotation(), ...(memoryAtIdle !== undefined ? { [MEMORY_AT_IDLE_ANNOTATION]: memoryAtIdle } : {}) },
      },
      spec: {
        // With an HPA, leave replicas out so a GitOps sync never resets its count.
        ...(autoscaling ? {} : { replicas }),
        selector: { matchLabels: { ...labels.selector } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: intOrString(maxSurge), maxUnavailable: intOrString(maxUnavailable) } },
        minReadySeconds,
        revisionHistoryLimit,
        progressDeadlineSeconds,
        template: {
          metadata: {
            labels: { ...labels.versioned },
            ...(Object.keys(checksums).length + Object.keys(allPodAnnotations).length ? { annotations: { ...allPodAnnotations, ...checksums } } : {}),
          },
          spec: withPriority(this, 'service', withEphemeralStorage({
            serviceAccountName: name,
            automountServiceAccountToken: rbac,
            // Service-link env vars (AUTH_PORT, …) can clash with the app's own env.
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(containers.runAs),
            terminationGracePeriodSeconds,
            ...(imagePullSecrets.length ? { imagePullSecrets: imagePullSecrets.map((s) => ({ name: s })) } : {}),
            // ScheduleAnyway spread is harmless for one pod, so it follows the most replicas an HPA may run.
            ...(maxReplicas >= 2 ? { topologySpreadConstraints: spreadConstraints(labels.selector) } : {}),
            ...(pod.initContainers.length ? { initContainers: pod.initContainers } : {}),
            containers: pod.containers,
            volumes: pod.volumes,
          })),
        },
      },
    });
    this.service = clusterService(this, meta, labels.selector, this.ports, dedicatedMetrics, this.sessionAffinity);
    if (autoscaling) this.hpa = horizontalAutoscaler(this, meta, autoscaling);
    if (verticalAutoscaling) this.vpa = verticalAutoscaler(this, meta, verticalAutoscaling);
    if (minReplicas >= 2) this.pdb = drainSafePdb(this, 'pdb', { ...meta, selector: labels.selector });

    if (rbac && policy.apiServer) allowApiServer(this.connections, policy.apiServer);
    this.networkPolicy = workloadNetworkPolicy(this, 'network-policy', { ...meta, connections: this.connections });
    if (meshSidecar) this.authorizationPolicy = workloadAuthorizationPolicy(this, 'authorization-policy', { ...meta, connections: this.connections });
    if (meshSidecar && this.sessionAffinity) this.destinationRule = affinityDestinationRule(this, this, labels.all);
    if (metrics && metricsPort) {
      this.connections.allowFrom(Peer.namespace(metrics.scraperNamespace), [metricsPort]);
      if (meshSidecar && dedicatedMetrics) {
        const exception = meshMetricsException(this, { name, labels: labels.all, selector: labels.selector, port: dedicatedMetrics.targetPort, path: metrics.path });
        this.metricsPeerAuthentication = exception.peerAuthentication;
        this.metricsAuthorizationPolicy = exception.authorizationPolicy;
      }
      if (metrics.serviceMonitor) this.serviceMonitor = serviceMonitor(this, name, labels, metrics, metricsPort.name);
    }
  }

  /** The Service port named `name`. */
  public port(name: string): ServicePort {
    const found = this.ports.find((p) => p.name === name);
    const problems = new Problems(this);
    problems.check(found !== undefined, 'ports', `has no port named ${JSON.stringify(name)} (ports: ${this.ports.map((p) => p.name).join(', ')})`, name);
    problems.throwIfAny();
    return found!;
  }

  /**
   * Lets this service call `other` (all its ports, or `ports`): opens both ends' policies.
   * `other` is a berth workload or a cdk8s-plus one (see PlusWorkload).
   * To a connection-limited store, each pod's `pool` counts against its limit (default 5).
   */
  public connectTo(other: Connectable, options?: readonly ServicePort[] | ConnectOptions): void {
    connect(this, this.connections, other, options, DEFAULT_SERVICE_POOL);
  }

  /** Admits `peer` on `ports`. @default all of this service's ports */
  public allowFrom(peer: NetworkPeer, ports?: readonly ServicePort[]): void {
    checkPeer(this, 'allowFrom', peer, ports);
    this.connections.allowFrom(peer, ports);
  }

  /** Lets this service call `peer` (outside berth: a CIDR, another namespace) on `ports`. */
  public allowTo(peer: NetworkPeer, ports: readonly ServicePort[]): void {
    checkPeer(this, 'allowTo', peer, ports);
    this.connections.allowTo(peer, ports);
  }
}

function intOrString(v: number | string): k8s.IntOrString {
  return typeof v === 'number' ? k8s.IntOrString.fromNumber(v) : k8s.IntOrString.fromString(v);
}

const PERCENT = /^(100|[1-9]?[0-9])%$/;

/** maxSurge and maxUnavailable: counts or percentages, and not both 0. */
function checkRollout(problems: Problems, maxSurge: number | string, maxUnavailable: number | string): void {
  const ok = (prop: string, v: number | string) =>
    problems.check(typeof v === 'number' ? Number.isInteger(v) && v >= 0 : PERCENT.test(v), prop, "must be an integer >= 0 or a percentage such as '25%'", v);
  const isZero = (v: number | string) => v === 0 || v === '0%';
  const okSurge = ok('maxSurge', maxSurge);
  const okUnavailable = ok('maxUnavailable', maxUnavailable);
  if (okSurge && okUnavailable && isZero(maxSurge)) {
    problems.check(!isZero(maxUnavailable), 'maxUnavailable', 'must not be 0 when maxSurge is 0 (the rollout could never progress)', maxUnavailable);
  }
}

// ---------------------------------------------------------------- run-time prop shapes

const SERVICE_PORT = object<ServicePortSpec>('ServicePortSpec', {
  name: req(str), port: req(num), targetPort: opt(num), protocol: opt(oneOf('TCP', 'UDP')), internalOnly: opt(bool),
});
const SCALING_RULES = object<ScalingRules>('ScalingRules', {
  stabilizationWindowSeconds: opt(num),
  policies: opt(arrayOf(object<ScalingPolicy>('ScalingPolicy', { type: req(oneOf('Pods', 'Percent')), value: req(num), periodSeconds: req(num) }))),
  selectPolicy: opt(oneOf('Max', 'Min', 'Disabled')),
});
/** Also the shape of `scaling()`'s `behavior` (charts/platform.ts). */
export const SCALING_BEHAVIOR = object<ScalingBehavior>('ScalingBehavior', { scaleUp: opt(SCALING_RULES), scaleDown: opt(SCALING_RULES) });
const AUTOSCALING = object<AutoscalingProps>('AutoscalingProps', {
  minReplicas: req(num),
  maxReplicas: req(num),
  cpuUtilization: opt(num),
  memoryUtilization: opt(num),
  behavior: opt(SCALING_BEHAVIOR),
});
const BOUNDS = object<ResourceBounds>('ResourceBounds', { cpu: opt(str), memory: opt(str) });
const METRICS = object<MetricsProps>('MetricsProps', {
  port: opt(anyOf(num, str)), path: opt(str), scraperNamespace: opt(str), serviceMonitor: opt(bool), serviceMonitorLabels: opt(STRING_MAP), interval: opt(str),
});
const RBAC_RULE = object<RbacRule>('RbacRule', {
  apiGroups: opt(STRINGS),
  resources: req(STRINGS),
  verbs: req(arrayOf(oneOf('get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'))),
  resourceNames: opt(STRINGS),
});
const INIT_CONTAINER = object<InitContainerProps>('InitContainerProps', {
  name: req(str), image: opt(IMAGE), command: opt(STRINGS), args: opt(STRINGS), env: opt(ENV_MAP), inheritEnv: opt(bool), resources: opt(RESOURCES),
});

const SCALING_INTENT = object<ScalingIntent>('ScalingIntent', {
  min: req(num), max: req(num), cpu: opt(num), memory: opt(num), behavior: opt(SCALING_BEHAVIOR), fixed: opt(num),
});

const WEB_SERVICE_PROPS = propsOf<WebServiceProps>('WebService', {
  name: opt(str),
  component: opt(str),
  image: req(IMAGE),
  allowMutableImageTags: opt(bool),
  imagePullSecrets: opt(STRINGS),
  command: opt(STRINGS),
  args: opt(STRINGS),
  ports: req(arrayOf(SERVICE_PORT)),
  env: opt(ENV_MAP),
  envFrom: opt(ENV_FROM),
  config: opt(STRING_MAP),
  resources: opt(RESOURCES),
  initContainers: opt(arrayOf(INIT_CONTAINER)),
  runAs: opt(RUN_AS),
  writablePaths: opt(STRINGS),
  writableSizeLimit: opt(str),
  healthPath: opt(str),
  readinessProbe: opt(PROBE),
  livenessProbe: opt(PROBE),
  startupProbe: opt(PROBE),
  scaling: opt(SCALING_INTENT),
  replicas: opt(num),
  autoscaling: opt(AUTOSCALING),
  verticalAutoscaling: opt(object<VerticalAutoscalingProps>('VerticalAutoscalingProps', {
    updateMode: opt(oneOf('Off', 'Initial', 'Recreate')), minAllowed: opt(BOUNDS), maxAllowed: opt(BOUNDS),
  })),
  maxSurge: opt(anyOf(num, str)),
  maxUnavailable: opt(anyOf(num, str)),
  minReadySeconds: opt(num),
  revisionHistoryLimit: opt(num),
  progressDeadlineSeconds: opt(num),
  terminationGracePeriodSeconds: opt(num),
  preStopSleepSeconds: opt(num),
  sessionAffinity: opt(oneOf('None', 'ClientIP')),
  sessionAffinityTimeoutSeconds: opt(num),
  rbac: opt(arrayOf(RBAC_RULE)),
  metrics: opt(METRICS),
  clusterDomain: opt(str),
  podAnnotations: opt(STRING_MAP),
  meshSidecar: opt(bool),
  memoryAtIdle: opt(str),
});
