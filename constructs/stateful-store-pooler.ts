// PgBouncer in front of a postgres StatefulStore: many client connections share a few server
// connections, so the clients' pools at their HPA maxima fit `max_connections`. Clients keep
// the store's Service name and port; the Service selects the pooler, and the pooler reaches
// the server over the headless Service.
import { Construct } from 'constructs';
import { Chart } from 'cdk8s';
import * as istiosec from '../imports/security.istio.io';
import { pullPolicyOf, withPriority } from './core/policy';
import * as k8s from '../imports/k8s';
import { checksum } from './core/checksum';
import { MAX_CLIENT_CONNECTIONS_ANNOTATION } from './core/connection-budget';
import { Connections, IConnectable, ServicePort, workloadNetworkPolicy } from './core/connections';
import { Problems } from './core/errors';
import { checkImage, formatImage, Image, imageVersion, parseImage } from './core/image';
import { appLabels } from './core/labels';
import { MESH_PROXY_RESOURCES, meshPrincipal, workloadAuthorizationPolicy } from './core/mesh';
import { Probe, PROBE_DEFAULTS } from './core/probes';
import { checkResources, Resources, resolveResources, toK8sResources, withEphemeralStorage } from './core/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, writablePaths } from './core/security';
import { syncWave, Wave } from './core/waves';
import { CHECKSUM_ANNOTATION_PREFIX, drainSafePdb, serviceAccount, spreadConstraints } from './core/workload';
import * as kinds from './core/kinds';

/** A PgBouncer pooler in front of the postgres server (`postgres.pooler`). */
export interface PostgresPoolerProps {
  /**
   * Pooler pods; with 2 or more, one may be drained while the others hold every client.
   * @default 2
   */
  readonly replicas?: number;
  /**
   * `transaction` shares a server connection per transaction (session state such as `SET`,
   * advisory locks and `LISTEN` doesn't survive it: migrations connect directly, see
   * `connectionEnv({ direct: true })`); `session` per client connection.
   * @default 'transaction'
   */
  readonly poolMode?: 'transaction' | 'session';
  /**
   * Client connections one pooler pod accepts (`max_client_conn`).
   * @default 1000
   */
  readonly maxClientConnections?: number;
  /**
   * Server connections one pooler pod opens per database (`default_pool_size`): what counts
   * against `max_connections`.
   * @default 20
   */
  readonly defaultPoolSize?: number;
  /**
   * The PgBouncer image; it must have `/usr/bin/pgbouncer` and run as UID 70.
   * @default 'edoburu/pgbouncer:v1.24.1-p1'
   */
  readonly image?: Image;
  /**
   * @default 'micro'
   */
  readonly resources?: Resources;
}

/** The port PgBouncer listens on; the store's Service maps its client port to it. */
export const POOLER_PORT = 6432;
const POOLER_UID = 70;

export interface PoolerContext {
  readonly name: string;
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly headlessServiceName: string;
  /** The Secret that holds `userlist.txt`. */
  readonly secretName: string;
  readonly databases: readonly string[];
  readonly meshSidecar: boolean;
  readonly allowMutableImageTags: boolean;
  /** The server's pods, which the pooler connects to. */
  readonly server: IConnectable;
}

/** Validates pooler props, naming them under `postgres.pooler`. */
export function checkPooler(problems: Problems, props: PostgresPoolerProps, allowMutableImageTags: boolean): void {
  const int = (prop: string, v: number | undefined, min: number, max: number) => {
    if (v !== undefined) problems.check(Number.isInteger(v) && v >= min && v <= max, `postgres.pooler.${prop}`, `must be an integer from ${min} to ${max}`, v);
  };
  int('replicas', props.replicas, 1, 100);
  int('maxClientConnections', props.maxClientConnections, 1, 100000);
  int('defaultPoolSize', props.defaultPoolSize, 1, 10000);
  if (props.poolMode !== undefined) {
    problems.check(props.poolMode === 'transaction' || props.poolMode === 'session', 'postgres.pooler.poolMode', 'must be transaction or session', props.poolMode);
  }
  if (props.image !== undefined) checkImage(problems, 'postgres.pooler.image', props.image, allowMutableImageTags);
  if (props.resources !== undefined) checkResources(problems, 'postgres.pooler.resources', props.resources);
}

/** The userlist.txt template of the credentials Secret: PgBouncer's `"user" "password"`, quotes doubled. */
export const USERLIST_TEMPLATE = [
  '"', { key: 'username', escape: 'double-quote' as const }, '" "', { key: 'password', escape: 'double-quote' as const }, '"\n',
];

/** The pooler's objects. */
export class PostgresPooler extends Construct implements IConnectable {
  public readonly connections: Connections;
  public readonly deployment: k8s.KubeDeployment;
  public readonly configMap: k8s.KubeConfigMap;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  public readonly pdb?: k8s.KubePodDisruptionBudget;
  /** In the mesh: admits exactly the store's declared clients, by their mesh identity. */
  public readonly authorizationPolicy?: istiosec.AuthorizationPolicy;
  /** The pooler pods' labels that the store's client Service selects. */
  public readonly selector: Record<string, string>;
  /** The client port, mapped to the pooler's. */
  public readonly clientPort: ServicePort;

  constructor(scope: Construct, id: string, props: PostgresPoolerProps, ctx: PoolerContext) {
    super(scope, id);
    const replicas = props.replicas ?? 2;
    const poolMode = props.poolMode ?? 'transaction';
    const maxClientConnections = props.maxClientConnections ?? 1000;
    const defaultPoolSize = props.defaultPoolSize ?? 20;
    const image = props.image ?? 'edoburu/pgbouncer:v1.24.1-p1';
    const resources = props.resources ?? 'micro';

    const name = `${ctx.name}-pooler`;
    const labels = appLabels(this, { name, component: 'pooler', version: imageVersion(image) });
    this.selector = labels.selector;
    this.clientPort = { name: 'postgres', port: 5432, targetPort: POOLER_PORT, protocol: 'TCP' };
    // Clients' pools count against the pooler's client limit, under the store's Service name.
    this.connections = new Connections(labels.selector, [this.clientPort], ctx.name, meshPrincipal(Chart.of(this).namespace ?? 'default', name));
    // Each pooler pod keeps up to defaultPoolSize server connections per database.
    this.connections.connectTo(ctx.server, undefined, defaultPoolSize * ctx.databases.length);

    const ini = [
      '# Managed by berth; a change rolls the pods.',
      '[databases]',
      `* = host=${ctx.headlessServiceName}.${ctx.namespace}.svc.${ctx.clusterDomain} port=5432`,
      '',
      '[pgbouncer]',
      'listen_addr = 0.0.0.0',
      `listen_port = ${POOLER_PORT}`,
      'unix_socket_dir =',
      'auth_type = scram-sha-256',
      'auth_file = /etc/pgbouncer/userlist.txt',
      `pool_mode = ${poolMode}`,
      `max_client_conn = ${maxClientConnections}`,
      `default_pool_size = ${defaultPoolSize}`,
      'reserve_pool_size = 0',
      // Protocol-level prepared statements (asyncpg, pgx, JDBC) work in transaction mode.
      'max_prepared_statements = 200',
      'ignore_startup_parameters = extra_float_digits,options',
      'server_tls_sslmode = disable',
      'client_tls_sslmode = disable',
      'admin_users =',
      '',
    ].join('\n');
    this.configMap = new kinds.KubeConfigMap(this, 'config', { metadata: { name, labels: labels.all }, data: { 'pgbouncer.ini': ini } });
    syncWave(this.configMap, Wave.CONFIG);
    this.serviceAccount = serviceAccount(this, 'service-account', { name, labels: labels.all, automountToken: false });

    const runAs = { uid: POOLER_UID, gid: POOLER_UID };
    const tmp = writablePaths(['/tmp']);
    const probe = Probe.tcp();
    const probePort = { name: 'pgbouncer', number: POOLER_PORT };
    this.deployment = new kinds.KubeDeployment(this, 'deployment', {
      metadata: {
        name,
        labels: labels.versioned,
        annotations: { [MAX_CLIENT_CONNECTIONS_ANNOTATION]: String(maxClientConnections), ...this.connections.poolsAnnotation() },
      },
      spec: {
        replicas,
        selector: { matchLabels: { ...labels.selector } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        minReadySeconds: 5,
        revisionHistoryLimit: 5,
        template: {
          metadata: {
            labels: { ...labels.versioned },
            annotations: { ...(ctx.meshSidecar ? MESH_PROXY_RESOURCES : {}), [`${CHECKSUM_ANNOTATION_PREFIX}config`]: checksum({ 'pgbouncer.ini': ini }) },
          },
          // The stores' priority: every client of the store reaches it through the pooler.
          spec: withPriority(this, 'store', withEphemeralStorage({
            serviceAccountName: name,
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: restrictedPodSecurityContext(runAs),
            terminationGracePeriodSeconds: 30,
            ...(replicas >= 2 ? { topologySpreadConstraints: spreadConstraints(labels.selector) } : {}),
            containers: [{
              name: 'pgbouncer',
              image: formatImage(parseImage(image)),
              imagePullPolicy: pullPolicyOf(this),
              // The image's entrypoint writes a config from env; berth mounts its own.
              command: ['/usr/bin/pgbouncer', '/etc/pgbouncer/pgbouncer.ini'],
              ports: [{ name: 'pgbouncer', containerPort: POOLER_PORT, protocol: 'TCP' }],
              resources: toK8sResources(resolveResources(resources)),
              securityContext: restrictedContainerSecurityContext(runAs),
              readinessProbe: probe.render(PROBE_DEFAULTS.readiness, probePort),
              livenessProbe: probe.render(PROBE_DEFAULTS.liveness, probePort),
              // Let clients finish their transactions: PgBouncer drains on SIGINT, not on SIGTERM.
              lifecycle: { preStop: { exec: { command: ['/bin/sh', '-c', 'kill -INT 1; sleep 20'] } } },
              volumeMounts: [{ name: 'config', mountPath: '/etc/pgbouncer', readOnly: true }, ...tmp.mounts],
            }],
            volumes: [
              {
                name: 'config',
                projected: {
                  sources: [
                    { configMap: { name, items: [{ key: 'pgbouncer.ini', path: 'pgbouncer.ini' }] } },
                    { secret: { name: ctx.secretName, items: [{ key: 'userlist.txt', path: 'userlist.txt' }] } },
                  ],
                },
              },
              ...tmp.volumes,
            ],
          })),
        },
      },
    });
    syncWave(this.deployment, Wave.STORES);
    this.networkPolicy = workloadNetworkPolicy(this, 'network-policy', { name, labels: labels.all, connections: this.connections });
    if (ctx.meshSidecar) this.authorizationPolicy = workloadAuthorizationPolicy(this, 'authorization-policy', { name, labels: labels.all, connections: this.connections });
    if (replicas >= 2) {
      this.pdb = drainSafePdb(this, 'pdb', { name, labels: labels.all, selector: labels.selector });
      syncWave(this.pdb, Wave.STORES);
    }
  }
}
