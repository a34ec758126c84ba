// StatefulStore: its props (every default documented here), their defaults and checks, and the
// class that wires its facets, which render in constructs/stateful-store/: statefulset.ts (the
// StatefulSet, its ConfigMap and Services), credentials.ts, connection.ts (host, port, URLs and
// the env clients read), backups.ts, metrics.ts, and settings.ts (what they share). The engine
// presets are in stateful-store-engines.ts, PgBouncer in stateful-store-pooler.ts.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as k8s from '../imports/k8s';
import * as monitoring from '../imports/monitoring.coreos.com';
import * as istiosec from '../imports/security.istio.io';
import { AppSecret, SECRET_SOURCE, SecretSource } from './app-secret';
import { checkPeerCidr, isPrivateCidr } from './core/cidr';
import { Connections, IConnectable, NetworkPeer, ServicePort, workloadNetworkPolicy } from './core/connections';
import { EnvMap } from './core/env';
import { Problems, ValidationError } from './core/errors';
import { checkImage, formatImage, Image, imageVersion } from './core/image';
import { appLabels } from './core/labels';
import { meshPrincipal, workloadAuthorizationPolicy } from './core/mesh';
import { isDns1123Subdomain } from './core/names';
import { platformPolicy, PlatformPolicy, pullPolicyOf } from './core/policy';
import { IMAGE, RESOURCES, RUN_AS, STRING_MAP, STRINGS } from './core/prop-shapes';
import { anyOf, bool, checkProps, num, object, oneOf, opt, propsOf, req, str, text } from './core/props';
import { HOLDS_DATA } from './core/routable';
import { checkResources, Resources } from './core/resources';
import { RunAs } from './core/security';
import { syncWave, Wave } from './core/waves';
import { drainSafePdb, serviceAccount } from './core/workload';
import { defaultInitdbArgs, EnginePreset, ENGINE_PRESETS, ResolvedPostgres, StoreEngine } from './stateful-store-engines';
import { checkPooler, PostgresPooler, PostgresPoolerProps } from './stateful-store-pooler';
import { checkBackup, MAX_BACKUP_NAME, storeBackups } from './stateful-store/backups';
import { connectionEnvOf, connectionUrlTemplates, StoreEndpoints } from './stateful-store/connection';
import { adminSourceOf, checkAdminCredentials, checkCredentials, storeCredentials, workloadMeta } from './stateful-store/credentials';
import { admitScraper, checkMetrics, storeExporter, storeServiceMonitor } from './stateful-store/metrics';
import { checkSize, engineContext, StoreSettings } from './stateful-store/settings';
import { clientService, headlessService, storeConfigMap, storeStatefulSet } from './stateful-store/statefulset';

export { StoreEngine, ENGINE_PRESETS, STORE_PROBE_TIMING } from './stateful-store-engines';
export { PostgresPoolerProps } from './stateful-store-pooler';

/** Each replica's data volume. */
export interface StoreStorageProps {
  /**
   * Size of each replica's PersistentVolumeClaim. A StatefulSet cannot change it later:
   * grow the PVCs themselves (if the class allows expansion).
   * @default - the size of `tier`, or the engine's: postgres '10Gi', redis '1Gi', nats '1Gi', neo4j '10Gi'
   */
  readonly size?: string;
  /**
   * One of the environment's storage tiers (`small`, `medium`, `large` in the reference
   * environments): the chart's platform policy gives its size. Not together with `size`.
   * @default - none: `size`, or the engine's
   */
  readonly tier?: string;
  /**
   * The StorageClass.
   * @default - the chart's platform policy (a berth chart: the environment's class), else the cluster's default StorageClass
   */
  readonly storageClass?: string;
}

/** PostgreSQL settings (engine `postgres` only). */
export interface PostgresOptions {
  /**
   * The database created at init (`POSTGRES_DB`), and the one clients get by default.
   * @default - the store name with '-' replaced by '_'
   */
  readonly database?: string;
  /**
   * The application role's name, written into `<name>-credentials`: what `connectionEnv()`
   * and so every client and migration use. It is no superuser and owns the store's
   * databases and schemas, created at init. Must differ from `adminUsername`.
   * @default 'app'
   */
  readonly username?: string;
  /**
   * The superuser's name (`POSTGRES_USER`), written into `<name>-admin-credentials`. Only
   * the server's init, the metrics exporter and the backup and restore jobs use it.
   * @default 'postgres'
   */
  readonly adminUsername?: string;
  /**
   * Where the superuser's Secret `<name>-admin-credentials` (keys `username` and
   * `password`) comes from, like `credentials`.
   * @default - the `credentials` source, when it is `generated` or `external` (the remote key
   *   then ends in `<name>-admin-credentials`); required when it is `sealed` or `existing`
   */
  readonly adminCredentials?: SecretSource;
  /**
   * Schemas created in `database` at init, owned by the application role: one per service (`giia`).
   * @default - none
   */
  readonly schemas?: readonly string[];
  /**
   * More databases created at init, owned by the application role: one per service.
   * @default - none
   */
  readonly databases?: readonly string[];
  /**
   * SQL (`.sql`) or shell (`.sh`) files run once, when the data directory is first
   * initialized, in name order after berth's own `00-berth-*` scripts. They run as the
   * superuser: grant what they create to the application role, or `SET ROLE` to it first.
   * @default - none
   */
  readonly initScripts?: Readonly<Record<string, string>>;
  /**
   * postgresql.conf settings, added to or replacing berth's (values as written in the file,
   * strings quoted: `{ work_mem: "'16MB'" }`).
   * @default - none
   */
  readonly settings?: Readonly<Record<string, string>>;
  /**
   * `POSTGRES_INITDB_ARGS`, used once at init.
   * @default - '--auth-host=scram-sha-256 --encoding=UTF8 --locale-provider=builtin --builtin-locale=C.UTF-8' (before PostgreSQL 17: '--locale=C.UTF-8')
   */
  readonly initdbArgs?: string;
  /**
   * `max_connections`: what every client's pool at its peak must fit (the synth adds them
   * up). Each connection is a server process of ~10 MiB: raise the memory with it.
   * @default 100
   */
  readonly maxConnections?: number;
  /**
   * PgBouncer in front of the server: clients keep the store's Service name and port and
   * share a few server connections. Migrations and other session-bound clients connect
   * directly (`connectionEnv({ direct: true })`, `connectTo(store.direct)`).
   * @default - none: clients connect to the server
   */
  readonly pooler?: PostgresPoolerProps;
}

/** Redis settings (engine `redis` only). */
export interface RedisOptions {
  /**
   * Append-only file persistence (`appendonly yes`, fsync every second).
   * @default true
   */
  readonly appendOnly?: boolean;
  /**
   * What Redis does at `maxmemory` (75% of the memory limit). `noeviction` refuses writes
   * rather than silently dropping data; use `allkeys-lru` for a pure cache.
   * @default 'noeviction'
   */
  readonly maxmemoryPolicy?: 'noeviction' | 'allkeys-lru' | 'allkeys-lfu' | 'volatile-lru' | 'volatile-lfu' | 'allkeys-random' | 'volatile-random' | 'volatile-ttl';
}

/** NATS settings (engine `nats` only). JetStream file storage is always on. */
export interface NatsOptions {
  /**
   * Run `replicas` servers (odd, at least 3) as one JetStream cluster, routes between
   * peers over the headless Service.
   * @default false
   */
  readonly cluster?: boolean;
}

/** Neo4j settings (engine `neo4j` only). */
export interface Neo4jOptions {
  /**
   * Load APOC core (shipped in the image, no download). Backups need it.
   * @default - true when `backup` is set, else false
   */
  readonly apoc?: boolean;
}

/**
 * Scheduled logical backups to a PVC of their own. postgres: `pg_dump` of every database
 * plus roles; neo4j: an online APOC export as Cypher. redis and nats have none.
 */
export interface StoreBackupProps {
  /**
   * Cron schedule, 5 fields.
   * @default '0 3 * * *'
   */
  readonly schedule?: string;
  /**
   * Backups kept; older ones are removed after each successful run.
   * @default 7
   */
  readonly retain?: number;
  /**
   * Size of the backups PVC.
   * @default - the data volume's size
   */
  readonly size?: string;
  /**
   * StorageClass of the backups PVC.
   * @default - the data volume's class
   */
  readonly storageClass?: string;
  /**
   * The schedule's time zone.
   * @default 'Etc/UTC'
   */
  readonly timeZone?: string;
  /**
   * A run missed by more than this (controller down) is skipped until the next one.
   * @default 3600
   */
  readonly startingDeadlineSeconds?: number;
  /**
   * A run taking longer than this is stopped (and retried once).
   * @default 3600
   */
  readonly activeDeadlineSeconds?: number;
  /**
   * The backup container's resources.
   * @default - postgres: 100m/1 CPU, 256Mi; neo4j: 100m/1 CPU, 1Gi (the export is parsed in memory)
   */
  readonly resources?: Resources;
}

/** A Prometheus exporter sidecar on the `metrics` port. */
export interface StoreMetricsProps {
  /**
   * The exporter image.
   * @default - postgres: quay.io/prometheuscommunity/postgres-exporter:v0.19.1, redis: oliver006/redis_exporter:v1.90.0, nats: natsio/prometheus-nats-exporter:0.19.2
   */
  readonly image?: Image;
  /**
   * The namespace the scraper runs in; the NetworkPolicy admits it on the metrics port.
   * @default - the chart's platform policy, else 'monitoring'
   */
  readonly scraperNamespace?: string;
  /**
   * Emit a `monitoring.coreos.com/v1` ServiceMonitor.
   * @default - the chart's platform policy (a berth chart: where the environment monitors), else false (the cluster may lack the Prometheus Operator CRDs)
   */
  readonly serviceMonitor?: boolean;
  /**
   * Extra ServiceMonitor labels, to match a Prometheus' `serviceMonitorSelector`.
   * @default - none
   */
  readonly serviceMonitorLabels?: Readonly<Record<string, string>>;
  /**
   * Scrape interval such as `30s`.
   * @default - the Prometheus' own interval
   */
  readonly interval?: string;
}

export interface StatefulStoreProps {
  /** Which engine preset. */
  readonly engine: StoreEngine;
  /**
   * The store's name: StatefulSet, client Service (the DNS name apps use) and prefix of
   * every other object. A DNS-1035 label of at most 44 characters, 39 with backups.
   * @default - the engine name ('postgres', 'redis', 'nats', 'neo4j')
   */
  readonly name?: string;
  /**
   * The image; also runs the backup job.
   * @default - the engine's official image, pinned: postgres:18.6-alpine3.24, redis:8.8.3-alpine, nats:2.14.5-alpine, neo4j:5.26.31-community
   */
  readonly image?: Image;
  /**
   * Accept `latest` and untagged images (dev only).
   * @default - the chart's platform policy (a berth chart: the environment's setting), else false
   */
  readonly allowMutableImageTags?: boolean;
  /**
   * Pods. More than 1 only where the engine replicates (a NATS cluster).
   * @default 1
   */
  readonly replicas?: number;
  /**
   * The data volumes.
   * @default - the engine's size on the cluster's default StorageClass
   */
  readonly storage?: StoreStorageProps;
  /**
   * The engine container's resources. Memory settings (shared_buffers, maxmemory, heap,
   * GOMEMLIMIT) follow the memory limit.
   * @default - the engine's: postgres 250m/1 CPU, 1Gi; redis 100m/500m, 256Mi; nats 100m/500m, 512Mi; neo4j 500m/2, 2Gi
   */
  readonly resources?: Resources;
  /**
   * Where the credentials Secret (`<name>-credentials`, keys `username` and `password`)
   * comes from: what clients get from `connectionEnv()`. For postgres that is the
   * application role (the superuser has a Secret of its own, see `postgres.adminCredentials`);
   * for the other engines, their one user. The environment decides: `generated` in dev,
   * `external` or `sealed` elsewhere; `existing` names a Secret that must hold both keys,
   * and for nats also `auth.conf` (the `authorization` block that nats.conf includes, with
   * both values as double-quoted strings). postgres and neo4j take the password at first
   * init only: rotating it means changing it in the database too.
   * @default - the chart's platform policy for `<name>-credentials` (a berth chart: the
   *   environment's secrets mode); required outside a berth chart
   */
  readonly credentials?: SecretSource;
  /**
   * Accept `generated` (plaintext in git) credentials. Only dev environments set it.
   * @default - the chart's platform policy (a berth chart: only where the environment generates Secrets), else false
   */
  readonly allowGeneratedCredentials?: boolean;
  /** @default - engine defaults */
  readonly postgres?: PostgresOptions;
  /** @default - engine defaults */
  readonly redis?: RedisOptions;
  /** @default - engine defaults */
  readonly nats?: NatsOptions;
  /** @default - engine defaults */
  readonly neo4j?: Neo4jOptions;
  /**
   * How the StatefulSet starts and stops pods.
   * @default - 'Parallel' for a NATS cluster (peers must start together to elect a leader), else 'OrderedReady'
   */
  readonly podManagementPolicy?: 'OrderedReady' | 'Parallel';
  /**
   * Time for a clean shutdown (checkpoint, AOF fsync, lame duck) before SIGKILL.
   * @default 120
   */
  readonly terminationGracePeriodSeconds?: number;
  /**
   * The UID/GID the engine runs as and the volume group; set it with a non-default image.
   * @default - the official image's user: postgres 70, redis 999 (group 1000), nats 10001, neo4j 7474
   */
  readonly runAs?: RunAs;
  /**
   * Scheduled backups (postgres, neo4j). `true` backs the store up on the environment's
   * schedule (the chart's platform policy; none where the environment schedules none; outside
   * a berth chart, the defaults below); an object sets them explicitly.
   * @default false
   */
  readonly backup?: StoreBackupProps | boolean;
  /**
   * A metrics exporter sidecar (postgres, redis, nats).
   * @default - none
   */
  readonly metrics?: StoreMetricsProps;
  /**
   * The backup, restore and backup-volume bind Job pods get an Istio sidecar (the namespace
   * is in the mesh): they wait for the proxy to start and, success or failure, tell it to exit with `wget`
   * (in both official images; a custom `image` must have it too), or the Jobs never complete.
   * The StatefulSet's own pods get their proxy sized like every berth sidecar
   * (MESH_PROXY_RESOURCES), not Istio's 2-CPU default limit, which counts against the quota,
   * and an AuthorizationPolicy `<name>` (and `<name>-pooler`) admitting exactly the declared
   * clients' ServiceAccounts.
   * @default - the chart's platform policy (a berth chart: whether the stack is in the mesh), else false
   */
  readonly meshSidecar?: boolean;
  /**
   * The cluster's DNS domain, for `host` and NATS routes.
   * @default 'cluster.local'
   */
  readonly clusterDomain?: string;
}

/** Options of `connectionEnv`. */
export interface ConnectionEnvOptions {
  /**
   * Prepended to every variable name.
   * @default - 'POSTGRES_', 'REDIS_', 'NATS_' or 'NEO4J_'
   */
  readonly prefix?: string;
  /**
   * (postgres) The database to connect to: the main one or one of `postgres.databases`.
   * @default - `postgres.database`
   */
  readonly database?: string;
  /**
   * (postgres) Reach the server itself, past a pooler: for migrations and other clients that
   * need a session of their own (advisory locks, `SET`, `LISTEN`). Pair it with
   * `connectTo(store.direct)`. Without a pooler it changes nothing.
   * @default false
   */
  readonly direct?: boolean;
}

const DNS1035 = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const PG_IDENT = /^[a-z_][a-z0-9_]{0,62}$/;
const PG_SETTING = /^[a-z_][a-z0-9_.]*$/;
const INIT_SCRIPT = /^[A-Za-z0-9][-._A-Za-z0-9]*\.(sql|sh)$/;
/** `<name>-restore` is a CronJob name, at most 52 characters (its Jobs add 11). */
const MAX_NAME = 44;

/** Store names per chart (one namespace): two stores with one name would overwrite each other. */
const NAMES = new WeakMap<Chart, Map<string, string>>();

/**
 * A database or broker that keeps its data: PostgreSQL, Redis, NATS JetStream or Neo4j
 * from their official images, as a StatefulSet with persistent volumes that outlive it.
 *
 * It emits the StatefulSet (volumeClaimTemplates retained on delete and on scale-down,
 * restricted security with a read-only root filesystem), a headless Service
 * `<name>-headless` for pod identities, a client Service `<name>` (the DNS name apps use),
 * the credentials (see `AppSecret`), a ConfigMap whose checksum rolls the pods, a
 * ServiceAccount without API token, a NetworkPolicy admitting only declared clients
 * (`web.connectTo(store)`), a PodDisruptionBudget when replicas ≥ 2, and optionally an
 * exporter sidecar with ServiceMonitor and a backup CronJob.
 *
 * **postgres roles.** Clients never get the superuser. `<name>-credentials` holds an
 * application role, created at init without superuser rights as the owner of the store's
 * databases and schemas, so migrations run as it and the tables they create are its own;
 * `<name>-admin-credentials` holds the superuser, used only by the server's init, the
 * exporter and the backup and restore jobs.
 *
 * **Backups and restore.** With `backup`, a CronJob `<name>-backup` writes one directory
 * per run, named by UTC time (`20261122T030000Z`), to the PVC `<name>-backups` (Argo CD
 * never prunes it) and keeps the newest `retain`. The Job `<name>-backups-bind`, an Argo CD
 * `Sync` hook in the stores' wave, mounts the PVC once so that it binds during the sync
 * on a `WaitForFirstConsumer` StorageClass: Argo CD waits for the PVC to be Bound before
 * the next wave, and only the backup would mount it otherwise, up to a day later. A
 * suspended CronJob `<name>-restore` with the same volume, credentials and network access
 * is the ready restore job; it never runs on its own. To restore (stop the store's clients
 * first):
 *
 * ```sh
 * scripts/restore-store.sh <namespace> <store> [<backup>|latest]
 * # which runs:
 * kubectl -n <ns> create job <store>-restore-<ts> --from=cronjob/<store>-restore --dry-run=client -o yaml \
 *   | kubectl set env --local -f - RESTORE_FROM=<backup> -o yaml | kubectl -n <ns> create -f -
 * ```
 *
 * postgres restores each database with `pg_restore --clean --if-exists --single-transaction`
 * (a database is fully restored or left unchanged); neo4j empties the database and replays
 * the Cypher export with `cypher-shell`. List backups with
 * `kubectl -n <ns> logs job/<a backup job>` or by mounting the PVC.
 */
export class StatefulStore extends Construct implements IConnectable {
  /** A store holds data: never routed by a gateway, never open to public addresses. */
  public readonly [HOLDS_DATA] = true as const;
  /** The engine. */
  public readonly engine: StoreEngine;
  /** The store's name: the StatefulSet's and the client Service's. */
  public readonly storeName: string;
  /** The client Service's name. */
  public readonly serviceName: string;
  /** The headless Service's name (`<name>-headless`). */
  public readonly headlessServiceName: string;
  /** Cluster DNS name of the client Service: `<name>.<namespace>.svc.<clusterDomain>`. */
  public readonly host: string;
  /** The engine's client port (postgres 5432, redis 6379, nats 4222, neo4j bolt 7687). */
  public readonly port: number;
  /** The credentials Secret's name: what clients read (postgres: the application role). */
  public readonly secretName: string;
  /** The superuser's Secret's name (postgres). */
  public readonly adminSecretName?: string;
  /** The database clients get by default (postgres). */
  public readonly database?: string;
  /** Who may connect: `web.connectTo(store)` admits a WebService (to the pooler, when there is one). */
  public readonly connections: Connections;
  /** The server's own pods, past any pooler: what `connectionEnv({ direct: true })` clients connect to. */
  public readonly direct: IConnectable;
  /** PgBouncer in front of the server (postgres with `postgres.pooler`). */
  public readonly pooler?: PostgresPooler;
  public readonly credentials: AppSecret;
  /** The superuser's credentials (postgres). */
  public readonly adminCredentials?: AppSecret;
  public readonly statefulSet: k8s.KubeStatefulSet;
  public readonly service: k8s.KubeService;
  public readonly headlessService: k8s.KubeService;
  public readonly configMap: k8s.KubeConfigMap;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  public readonly pdb?: k8s.KubePodDisruptionBudget;
  public readonly backupCronJob?: k8s.KubeCronJob;
  public readonly restoreCronJob?: k8s.KubeCronJob;
  public readonly backupPvc?: k8s.KubePersistentVolumeClaim;
  /** Binds `backupPvc` during the sync: an Argo CD `Sync` hook that mounts it and exits. */
  public readonly backupBindJob?: k8s.KubeJob;
  public readonly backupNetworkPolicy?: k8s.KubeNetworkPolicy;
  /** The backup, restore and backup-volume bind jobs' own identity, `<name>-backup`, without an API token. */
  public readonly backupServiceAccount?: k8s.KubeServiceAccount;
  public readonly serviceMonitor?: monitoring.ServiceMonitor;
  /** With `meshSidecar`: admits exactly the server's declared callers (the pooler, direct clients, backups), by their mesh identity. */
  public readonly authorizationPolicy?: istiosec.AuthorizationPolicy;

  /** Where clients connect: what `connectionEnv` builds from. */
  private readonly endpoints: StoreEndpoints;

  constructor(scope: Construct, id: string, props: StatefulStoreProps) {
    super(scope, id);
    checkProps(new Problems(this), STORE_PROPS, props);
    const preset = ENGINE_PRESETS[props.engine] as EnginePreset | undefined;
    if (!preset) {
      throw new ValidationError([`[${this.node.path}] 'engine' must be one of ${Object.keys(ENGINE_PRESETS).join(', ')}, received ${JSON.stringify(props.engine)}`]);
    }
    const policy = platformPolicy(this);
    const s = resolveSettings(this, props, preset, policy);
    checkSettings(this, props, s, policy);
    const { name, namespace, clusterDomain } = s;

    // ---- wiring values
    this.engine = preset.engine;
    this.storeName = name;
    this.serviceName = name;
    this.headlessServiceName = `${name}-headless`;
    this.host = `${name}.${namespace}.svc.${clusterDomain}`;
    this.port = preset.clientPorts[0].port;
    this.database = preset.engine === 'postgres' ? s.postgres.database : undefined;
    this.endpoints = {
      preset, host: this.host, directHost: `${this.headlessServiceName}.${namespace}.svc.${clusterDomain}`, pooled: s.postgres.pooled,
      port: this.port, database: this.database, databases: preset.engine === 'postgres' ? [s.postgres.database, ...s.postgres.databases] : [],
    };
    const version = imageVersion(s.image);
    const labels = appLabels(this, { name, component: preset.component, version });
    // A postgres server limits its connections: clients' pools count under the Service they use.
    const serverConnections = new Connections(labels.selector, preset.clientPorts,
      preset.engine !== 'postgres' ? undefined : s.postgres.pooled ? this.headlessServiceName : name, meshPrincipal(namespace, name));
    this.direct = { connections: serverConnections };

    // ---- credentials, config, identity
    const credentials = storeCredentials(this, s, connectionUrlTemplates(this.endpoints));
    this.credentials = credentials.credentials;
    this.secretName = this.credentials.secretName;
    if (credentials.adminCredentials) {
      this.adminCredentials = credentials.adminCredentials;
      this.adminSecretName = this.adminCredentials.secretName;
    }
    const meta = workloadMeta(labels, credentials);
    const ctx = engineContext(s, credentials);
    const plan = preset.plan(ctx);
    this.configMap = storeConfigMap(this, s, labels, plan);
    this.serviceAccount = serviceAccount(this, 'service-account', { name, labels: labels.all, automountToken: false });

    // ---- the server, its Services and any pooler in front
    const exporter = storeExporter(preset, ctx, s.metrics, s.pullPolicy);
    this.headlessService = headlessService(this, s, labels, exporter?.port);
    // s.postgres.pooled decides; the props only narrow the type.
    if (s.postgres.pooled && props.postgres?.pooler) {
      this.pooler = new PostgresPooler(this, 'pooler', props.postgres.pooler, {
        name, namespace, clusterDomain, headlessServiceName: this.headlessServiceName, secretName: this.secretName,
        databases: [...this.endpoints.databases], meshSidecar: s.meshSidecar, allowMutableImageTags: s.allowMutableImageTags, server: this.direct,
      });
    }
    this.connections = this.pooler?.connections ?? serverConnections;
    this.service = clientService(this, s, labels, this.pooler, exporter?.port);
    this.statefulSet = storeStatefulSet(this, s, {
      labels, workloadMeta: meta, plan, secretName: this.secretName, sidecars: exporter ? [exporter.container] : [],
    });

    // ---- network
    if (s.nats.cluster) {
      const routes = preset.peerPorts(true).filter((p) => p.name === 'cluster');
      serverConnections.allowFrom(serverConnections.peer, routes);
      serverConnections.allowTo(serverConnections.peer, routes);
    }
    if (s.metrics && exporter) admitScraper(serverConnections, s.metrics, exporter);
    this.networkPolicy = workloadNetworkPolicy(this, 'network-policy', { name, labels: labels.all, connections: serverConnections });
    if (s.meshSidecar) this.authorizationPolicy = workloadAuthorizationPolicy(this, 'authorization-policy', { name, labels: labels.all, connections: serverConnections });

    if (s.replicas >= 2) {
      this.pdb = drainSafePdb(this, 'pdb', { name, labels: labels.all, selector: labels.selector });
      syncWave(this.pdb, Wave.STORES);
    }
    if (s.metrics?.serviceMonitor && exporter) this.serviceMonitor = storeServiceMonitor(this, name, labels, s.metrics, exporter);

    // ---- backups
    if (s.backup && !('unsupported' in preset.backup)) {
      const backups = storeBackups(this, s, s.backup, preset.backup(ctx), { version, workloadMeta: meta, server: this.direct });
      this.backupPvc = backups.backupPvc;
      this.backupServiceAccount = backups.backupServiceAccount;
      this.backupBindJob = backups.backupBindJob;
      this.backupCronJob = backups.backupCronJob;
      this.restoreCronJob = backups.restoreCronJob;
      this.backupNetworkPolicy = backups.backupNetworkPolicy;
    }
  }

  /**
   * The env a client needs, in one call: `<PREFIX>HOST`, `PORT`, `USER` and `PASSWORD`
   * (from `<name>-credentials`: for postgres the application role, never the superuser),
   * `DATABASE` (postgres) and a `URL`/`URI` whose password is expanded by the kubelet from
   * `PASSWORD` (never written in the manifest). Pass it as a WebService's `env`, and call
   * `web.connectTo(store)` to open the network path.
   *
   * The URL embeds the password as-is: fine for generated values (letters and digits); with
   * external or sealed passwords, use characters that need no URL encoding.
   */
  public connectionEnv(options: ConnectionEnvOptions = {}): EnvMap {
    checkProps(new Problems(this), CONNECTION_ENV_OPTIONS, options);
    return connectionEnvOf(this, this.endpoints, this.credentials, options);
  }

  /**
   * Admits `peer` (a Job, another namespace, a private network) on the store's client ports.
   * An address range beyond private networks is refused: the store's port would be public.
   */
  public allowFrom(peer: NetworkPeer, ports?: readonly ServicePort[]): void {
    const problems = new Problems(this);
    const cidr = checkPeerCidr(problems, 'allowFrom', peer);
    if (cidr !== undefined) {
      problems.check(isPrivateCidr(cidr), 'allowFrom',
        'must not admit addresses beyond private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) to a store: its port would be reachable from outside; connect the services that use it (service.connectTo(store))',
        peer.policyPeer.ipBlock?.cidr);
    }
    problems.throwIfAny();
    this.connections.allowFrom(peer, ports);
  }
}

// ---------------------------------------------------------------- defaults and checks

/** The size of storage tier `tier` in the chart's policy, if it has that tier. */
function tierSizeOf(policy: PlatformPolicy, tier: string | undefined): string | undefined {
  return tier !== undefined && policy.storage && Object.prototype.hasOwnProperty.call(policy.storage.sizes, tier) ? policy.storage.sizes[tier] : undefined;
}

/** `backup` as asked: `true` takes the environment's schedule (none where it schedules none). */
function backupPropsOf(props: StatefulStoreProps, policy: PlatformPolicy): StoreBackupProps | undefined {
  return props.backup === true ? (policy.backups === false ? undefined : policy.backups ?? {})
    : props.backup === false ? undefined : props.backup;
}

/** The props with every default applied: as given, else the chart's platform policy, else the engine's. */
function resolveSettings(scope: Construct, props: StatefulStoreProps, preset: EnginePreset, policy: PlatformPolicy): StoreSettings {
  const name = props.name ?? preset.engine;
  const image = props.image ?? preset.image;
  const storageSize = props.storage?.size ?? tierSizeOf(policy, props.storage?.tier) ?? preset.storageSize;
  const storageClass = props.storage?.storageClass ?? policy.storage?.storageClass;
  const credentialsSource = props.credentials ?? policy.secrets?.sourceFor(`${name}-credentials`);
  if (!credentialsSource) throw new ValidationError([`[${scope.node.path}] 'credentials' is required outside a chart that supplies a platform policy (a berth StackChart), received undefined`]);
  const credentials: SecretSource = credentialsSource;
  const backupProps = backupPropsOf(props, policy);
  const nats = { cluster: props.nats?.cluster ?? false };
  const imageText = typeof image === 'string' ? image : formatImage(image);
  return {
    preset,
    name,
    namespace: Chart.of(scope).namespace ?? 'default',
    clusterDomain: props.clusterDomain ?? 'cluster.local',
    image,
    imageText,
    allowMutableImageTags: props.allowMutableImageTags ?? policy.images?.allowMutableTags ?? false,
    pullPolicy: pullPolicyOf(scope),
    replicas: props.replicas ?? 1,
    storageSize,
    storageClass,
    resources: props.resources ?? preset.resources,
    credentials,
    // postgres' superuser Secret: by default from where the application role's comes, when
    // that source can make a second Secret (a sealed one is encrypted for one name only).
    adminCredentials: adminSourceOf(preset, props.postgres?.adminCredentials, credentials, policy, name),
    allowGeneratedCredentials: props.allowGeneratedCredentials ?? policy.secrets?.allowGenerated ?? false,
    podManagementPolicy: props.podManagementPolicy ?? (nats.cluster ? 'Parallel' : 'OrderedReady'),
    terminationGracePeriodSeconds: props.terminationGracePeriodSeconds ?? 120,
    runAs: props.runAs ?? preset.runAs,
    meshSidecar: props.meshSidecar ?? policy.meshSidecar ?? false,
    postgres: {
      database: props.postgres?.database ?? name.replace(/-/g, '_'),
      username: props.postgres?.username ?? 'app',
      adminUsername: props.postgres?.adminUsername ?? 'postgres',
      schemas: props.postgres?.schemas ?? [],
      databases: props.postgres?.databases ?? [],
      initScripts: props.postgres?.initScripts ?? {},
      settings: props.postgres?.settings ?? {},
      initdbArgs: props.postgres?.initdbArgs ?? defaultInitdbArgs(imageText),
      maxConnections: props.postgres?.maxConnections ?? 100,
      // The one place that decides there is a pooler: the URLs, the Services and the pooler itself read it.
      pooled: preset.engine === 'postgres' && props.postgres?.pooler !== undefined,
    },
    redis: { appendOnly: props.redis?.appendOnly ?? true, maxmemoryPolicy: props.redis?.maxmemoryPolicy ?? 'noeviction' },
    nats,
    neo4j: { apoc: props.neo4j?.apoc ?? backupProps !== undefined },
    backup: backupProps && {
      schedule: backupProps.schedule ?? '0 3 * * *',
      retain: backupProps.retain ?? 7,
      size: backupProps.size ?? storageSize,
      storageClass: backupProps.storageClass ?? storageClass,
      timeZone: backupProps.timeZone ?? 'Etc/UTC',
      startingDeadlineSeconds: backupProps.startingDeadlineSeconds ?? 3600,
      activeDeadlineSeconds: backupProps.activeDeadlineSeconds ?? 3600,
      resources: backupProps.resources,
    },
    metrics: props.metrics && {
      image: props.metrics.image ?? preset.exporterImage,
      scraperNamespace: props.metrics.scraperNamespace ?? policy.metrics?.scraperNamespace ?? 'monitoring',
      serviceMonitor: props.metrics.serviceMonitor ?? policy.metrics?.serviceMonitor ?? false,
      serviceMonitorLabels: props.metrics.serviceMonitorLabels ?? {},
      interval: props.metrics.interval,
    },
  };
}

/** Checks everything, then throws once; claims the store's name in its namespace. */
function checkSettings(scope: Construct, props: StatefulStoreProps, s: StoreSettings, policy: PlatformPolicy): void {
  const { preset, name, replicas, backup } = s;
  const problems = new Problems(scope);
  const nameOk = problems.check(DNS1035.test(name) && name.length <= MAX_NAME, 'name',
    `must be a DNS-1035 label (lowercase alphanumerics and -, starting with a letter) of at most ${MAX_NAME} characters`, name);
  if (nameOk && backup && !('unsupported' in preset.backup)) {
    problems.check(name.length <= MAX_BACKUP_NAME, 'name', `must be at most ${MAX_BACKUP_NAME} characters with backups (the Job <name>-backups-bind-<hash> is at most 63)`, name);
  }
  const chart = Chart.of(scope);
  const names = NAMES.get(chart) ?? new Map<string, string>();
  const taken = names.get(name);
  if (nameOk && taken !== undefined) {
    problems.add('name', `must be unique among the StatefulStores of namespace ${JSON.stringify(s.namespace)} (${taken} already uses it)`, name);
  }
  checkImage(problems, 'image', s.image, s.allowMutableImageTags);
  const reason = preset.singleNodeReason({ nats: s.nats });
  if (problems.check(Number.isInteger(replicas) && replicas >= 1, 'replicas', 'must be an integer >= 1', replicas)) {
    if (reason !== undefined) {
      problems.check(replicas === 1, 'replicas', `must be 1: ${reason}`, replicas);
    } else if (preset.engine === 'nats') {
      problems.check(replicas >= 3 && replicas % 2 === 1, 'replicas', 'must be an odd number >= 3 for a NATS JetStream cluster (RAFT quorum)', replicas);
    }
  }
  const tier = props.storage?.tier;
  if (tier !== undefined) {
    const tiers = policy.storage ? Object.keys(policy.storage.sizes) : [];
    problems.check(tierSizeOf(policy, tier) !== undefined, 'storage.tier', tiers.length
      ? `must be one of the environment's storage tiers (${tiers.join(', ')})`
      : 'needs a chart that supplies storage tiers (a berth StackChart); outside one, give storage.size', tier);
    problems.check(props.storage?.size === undefined, 'storage.size', 'must not be set together with storage.tier', props.storage?.size);
  }
  checkSize(problems, 'storage.size', s.storageSize);
  if (s.storageClass !== undefined) {
    problems.check(isDns1123Subdomain(s.storageClass), 'storage.storageClass', 'must be a StorageClass name (DNS-1123 subdomain)', s.storageClass);
  }
  checkResources(problems, 'resources', s.resources);
  checkCredentials(problems, s);
  for (const engine of ['postgres', 'redis', 'nats', 'neo4j'] as const) {
    if (props[engine] !== undefined && engine !== preset.engine) {
      problems.add(engine, `applies only to engine '${engine}', not '${preset.engine}'`, props[engine]);
    }
  }
  if (preset.engine === 'postgres') {
    checkPostgres(problems, s.postgres);
    if (props.postgres?.pooler) checkPooler(problems, props.postgres.pooler, s.allowMutableImageTags);
    checkAdminCredentials(problems, s, props.postgres?.adminCredentials);
  }
  problems.check(Number.isInteger(s.terminationGracePeriodSeconds) && s.terminationGracePeriodSeconds >= 0,
    'terminationGracePeriodSeconds', 'must be an integer >= 0', s.terminationGracePeriodSeconds);
  problems.check(Number.isInteger(s.runAs.uid) && s.runAs.uid > 0, 'runAs.uid', 'must be a non-zero UID (restricted pods never run as root)', s.runAs.uid);
  problems.check(isDns1123Subdomain(s.clusterDomain), 'clusterDomain', 'must be a DNS name', s.clusterDomain);
  if (backup) checkBackup(problems, preset, backup, backupPropsOf(props, policy));
  if (s.metrics) checkMetrics(problems, preset, s.metrics, props.metrics, s.allowMutableImageTags);
  problems.throwIfAny();
  names.set(name, scope.node.path);
  NAMES.set(chart, names);
}

/** Checks the postgres settings: identifiers, init script names, setting names, `maxConnections`. */
function checkPostgres(problems: Problems, pg: ResolvedPostgres): void {
  const ident = 'must be a lowercase SQL identifier (a-z, 0-9, _; at most 63, not starting with a digit)';
  problems.check(PG_IDENT.test(pg.database), 'postgres.database', ident, pg.database);
  problems.check(PG_IDENT.test(pg.username), 'postgres.username', ident, pg.username);
  problems.check(PG_IDENT.test(pg.adminUsername), 'postgres.adminUsername', ident, pg.adminUsername);
  problems.check(pg.username !== pg.adminUsername, 'postgres.username',
    `must differ from postgres.adminUsername (${JSON.stringify(pg.adminUsername)}): clients never connect as the superuser`, pg.username);
  pg.schemas.forEach((s, i) => {
    problems.check(PG_IDENT.test(s), `postgres.schemas[${i}]`, ident, s);
    problems.check(pg.schemas.indexOf(s) === i, `postgres.schemas[${i}]`, 'must not repeat a schema', s);
  });
  pg.databases.forEach((d, i) => {
    problems.check(PG_IDENT.test(d), `postgres.databases[${i}]`, ident, d);
    problems.check(pg.databases.indexOf(d) === i && d !== pg.database, `postgres.databases[${i}]`,
      `must not repeat a database (postgres.database is ${JSON.stringify(pg.database)})`, d);
    problems.check(!['postgres', 'template0', 'template1'].includes(d), `postgres.databases[${i}]`, 'must not name a database initdb creates', d);
  });
  for (const file of Object.keys(pg.initScripts)) {
    problems.check(INIT_SCRIPT.test(file) && !file.startsWith('00-berth-'), `postgres.initScripts`,
      "must name .sql or .sh files (letters, digits, - _ .), not starting with '00-berth-'", file);
  }
  for (const key of Object.keys(pg.settings)) {
    problems.check(PG_SETTING.test(key), 'postgres.settings', 'must use postgresql.conf parameter names', key);
  }
  problems.check(Number.isInteger(pg.maxConnections) && pg.maxConnections >= 10 && pg.maxConnections <= 10000,
    'postgres.maxConnections', 'must be an integer from 10 to 10000', pg.maxConnections);
}

// ---------------------------------------------------------------- run-time prop shapes

const STORE_PROPS = propsOf<StatefulStoreProps>('StatefulStore', {
  engine: req(text<StoreEngine>()),
  name: opt(str),
  image: opt(IMAGE),
  allowMutableImageTags: opt(bool),
  replicas: opt(num),
  storage: opt(object<StoreStorageProps>('StoreStorageProps', { size: opt(str), tier: opt(str), storageClass: opt(str) })),
  resources: opt(RESOURCES),
  credentials: opt(SECRET_SOURCE),
  allowGeneratedCredentials: opt(bool),
  postgres: opt(object<PostgresOptions>('PostgresOptions', {
    database: opt(str),
    username: opt(str),
    adminUsername: opt(str),
    adminCredentials: opt(SECRET_SOURCE),
    schemas: opt(STRINGS),
    databases: opt(STRINGS),
    initScripts: opt(STRING_MAP),
    settings: opt(STRING_MAP),
    initdbArgs: opt(str),
    maxConnections: opt(num),
    pooler: opt(object<PostgresPoolerProps>('PostgresPoolerProps', {
      replicas: opt(num),
      poolMode: opt(text<NonNullable<PostgresPoolerProps['poolMode']>>()),
      maxClientConnections: opt(num),
      defaultPoolSize: opt(num),
      image: opt(IMAGE),
      resources: opt(RESOURCES),
    })),
  })),
  redis: opt(object<RedisOptions>('RedisOptions', {
    appendOnly: opt(bool),
    maxmemoryPolicy: opt(oneOf('noeviction', 'allkeys-lru', 'allkeys-lfu', 'volatile-lru', 'volatile-lfu', 'allkeys-random', 'volatile-random', 'volatile-ttl')),
  })),
  nats: opt(object<NatsOptions>('NatsOptions', { cluster: opt(bool) })),
  neo4j: opt(object<Neo4jOptions>('Neo4jOptions', { apoc: opt(bool) })),
  podManagementPolicy: opt(oneOf('OrderedReady', 'Parallel')),
  terminationGracePeriodSeconds: opt(num),
  runAs: opt(RUN_AS),
  backup: opt(anyOf(bool, object<StoreBackupProps>('StoreBackupProps', {
    schedule: opt(str),
    retain: opt(num),
    size: opt(str),
    storageClass: opt(str),
    timeZone: opt(str),
    startingDeadlineSeconds: opt(num),
    activeDeadlineSeconds: opt(num),
    resources: opt(RESOURCES),
  }))),
  metrics: opt(object<StoreMetricsProps>('StoreMetricsProps', {
    image: opt(IMAGE), scraperNamespace: opt(str), serviceMonitor: opt(bool), serviceMonitorLabels: opt(STRING_MAP), interval: opt(str),
  })),
  meshSidecar: opt(bool),
  clusterDomain: opt(str),
});

const CONNECTION_ENV_OPTIONS = object<ConnectionEnvOptions>('ConnectionEnvOptions', { prefix: opt(str), database: opt(str), direct: opt(bool) });
