// Engine presets for StatefulStore: images, users, ports, config, probes, backups.
// Each preset follows what its official image expects, with a read-only root filesystem.

import * as k8s from '../imports/k8s';
import { AppSecret, SecretTemplate } from './app-secret';
import { ServicePort } from './core/connections';
import { EnvMap, EnvValue } from './core/env';
import { parseImage } from './core/image';
import { SidecarQuitTool } from './core/mesh';
import type { PullPolicy } from './core/policy';
import { jvmOverheadBytes } from './core/jvm';
import { Probe } from './core/probes';
import { parseQuantity } from './core/quantity';
import { ResourceSpec } from './core/resources';
import { DEFAULT_UID, RunAs } from './core/security';

export type StoreEngine = 'postgres' | 'redis' | 'nats' | 'neo4j';

/** What a preset needs to know about the store it builds. */
export interface EngineContext {
  readonly name: string;
  readonly namespace: string;
  readonly clusterDomain: string;
  readonly headlessServiceName: string;
  /** The host that reaches the engine itself, bypassing any pooler: what backups use. */
  readonly directHost: string;
  readonly image: string;
  readonly replicas: number;
  readonly resources: ResourceSpec;
  /** The data volume's size in bytes. */
  readonly storageBytes: number;
  /** What clients get: postgres' application role, the one user of the other engines. */
  readonly credentials: AppSecret;
  /** What the store's own processes (init, exporter, backups) use: postgres' superuser, else `credentials`. */
  readonly adminCredentials: AppSecret;
  readonly postgres: ResolvedPostgres;
  readonly redis: ResolvedRedis;
  readonly nats: ResolvedNats;
  readonly neo4j: ResolvedNeo4j;
}

export interface ResolvedPostgres {
  readonly database: string;
  readonly username: string;
  readonly adminUsername: string;
  readonly schemas: readonly string[];
  readonly databases: readonly string[];
  readonly initScripts: Readonly<Record<string, string>>;
  readonly settings: Readonly<Record<string, string>>;
  readonly initdbArgs: string;
  /** `max_connections`. */
  readonly maxConnections: number;
  /** Clients reach a PgBouncer in front of the server: the server's own address is `directHost`. */
  readonly pooled: boolean;
}
export interface ResolvedRedis {
  readonly appendOnly: boolean;
  readonly maxmemoryPolicy: string;
}
export interface ResolvedNats {
  readonly cluster: boolean;
}
export interface ResolvedNeo4j {
  readonly apoc: boolean;
}

/** The engine container and everything around it, as the preset wants it. */
export interface EnginePlan {
  /** The store ConfigMap's data. */
  readonly config: Record<string, string>;
  /** Keys of `config` that change the running engine: their checksum rolls the pods. */
  readonly runtimeConfigKeys: readonly string[];
  readonly env: EnvMap;
  /** Read every `config` key as an env var (Neo4j's image turns NEO4J_* vars into settings). */
  readonly envFromConfig: boolean;
  /** Arguments to the image's entrypoint, which every preset keeps. */
  readonly args?: string[];
  readonly dataMountPath: string;
  /** emptyDirs for paths the engine writes besides its data. */
  readonly writablePaths: readonly string[];
  /** Writable paths that need more room than the 256Mi default (logs). */
  readonly largeWritablePaths?: readonly string[];
  /**
   * Mounts of the store ConfigMap: volume name, mount path, keys, and keys of the
   * credentials Secret projected into the same directory (files that hold a password).
   */
  readonly configMounts: readonly {
    readonly volume: string; readonly mountPath: string; readonly keys: readonly string[]; readonly secretKeys?: readonly string[];
  }[];
  readonly extraVolumes: readonly k8s.Volume[];
  readonly extraMounts: readonly k8s.VolumeMount[];
  readonly readiness: Probe;
  readonly liveness: Probe;
  readonly startup: Probe;
  readonly lifecycle?: k8s.Lifecycle;
  /** Init containers, given the engine container's image and security context. */
  readonly initContainers?: (base: { image: string; pullPolicy: PullPolicy; securityContext: k8s.SecurityContext; resources: k8s.ResourceRequirements }) => k8s.Container[];
}

/** A Prometheus exporter sidecar that reads the engine over localhost. */
export interface ExporterPlan {
  readonly image: string;
  readonly port: number;
  readonly uid: number;
  readonly env: EnvMap;
  readonly args?: string[];
}

/** A logical backup: a script that writes one directory per run under /backups. */
export interface BackupPlan {
  readonly env: EnvMap;
  readonly backupScript: string;
  readonly restoreScript: string;
  /** The shell that runs the scripts. */
  readonly shell: string;
  /** The image's HTTP client, to tell an Istio sidecar to exit. */
  readonly sidecarQuitTool: SidecarQuitTool;
  /** Where the client tools write temporary files. */
  readonly writablePaths: readonly string[];
  readonly defaultResources: ResourceSpec;
}

export interface EnginePreset {
  readonly engine: StoreEngine;
  /** The official image, pinned by tag. */
  readonly image: string;
  /** `app.kubernetes.io/component`. */
  readonly component: string;
  /** The image's own non-root user, so files on the volume keep their usual owner. */
  readonly runAs: RunAs;
  readonly storageSize: string;
  /** Memory request = limit: a store is never the first pod the kubelet evicts or the kernel OOM-kills under pressure. */
  readonly resources: ResourceSpec;
  /** The fixed user name written into the credentials Secret. */
  readonly username: (ctx: Pick<EngineContext, 'postgres'>) => string;
  /** Keys of the credentials Secret rendered from `username` and `password` (see `AppSecret` templates). */
  readonly credentialTemplates?: Readonly<Record<string, SecretTemplate>>;
  /** Ports clients reach on the client Service (the first is `port`). */
  readonly clientPorts: readonly ServicePort[];
  /** Extra ports on the headless Service, that peers reach. */
  readonly peerPorts: (clustered: boolean) => readonly ServicePort[];
  /** Container ports for the pod itself (probes, a local exporter), on no Service. @default - none */
  readonly localPorts?: readonly ServicePort[];
  /** Why replicas > 1 is refused, or undefined when the configuration replicates. */
  readonly singleNodeReason: (ctx: { nats: ResolvedNats }) => string | undefined;
  readonly plan: (ctx: EngineContext) => EnginePlan;
  /** Exporter image and wiring, or why there is none. */
  readonly exporter: ((ctx: EngineContext, image: string) => ExporterPlan) | { readonly unsupported: string };
  readonly exporterImage?: string;
  /** Backup scripts, or why there are none. */
  readonly backup: ((ctx: EngineContext) => BackupPlan) | { readonly unsupported: string };
  /** Env a client needs to connect, keyed without prefix. */
  readonly connectionEnv: (ctx: ConnectionContext) => [string, string | EnvValue][];
  /** The connection URL with its credentials, as a template of the credentials Secret. @default - none (neo4j's URI carries none) */
  readonly urlTemplate?: (target: UrlTarget) => SecretTemplate;
}

export interface ConnectionContext {
  readonly host: string;
  readonly port: number;
  readonly prefix: string;
  readonly database?: string;
  readonly credentials: AppSecret;
  /** The connection URL's key in the credentials Secret, where the engine has one. */
  readonly url?: EnvValue;
}

/** Where a URL template connects. */
export interface UrlTarget {
  readonly host: string;
  readonly port: number;
  readonly database?: string;
}

/**
 * `<scheme>://<user>:<password>@<host>:<port><suffix>` as a Secret template: the user and
 * password URL-encoded where the Secret is made, so any password gives a working URL.
 */
function credentialUrl(scheme: string, t: UrlTarget, suffix: string): SecretTemplate {
  return [`${scheme}://`, { key: 'username', escape: 'url' }, ':', { key: 'password', escape: 'url' }, `@${t.host}:${t.port}${suffix}`];
}

/** Probe timing for stores: slower to act than stateless services, since a restart costs recovery time. */
export const STORE_PROBE_TIMING = {
  readiness: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 3 },
  liveness: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 6 },
  // 90 × 10 s = 15 min for crash recovery (WAL replay, AOF load, JetStream stream recovery).
  startup: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold: 90 },
} as const;

const MiB = 2 ** 20;
const mib = (bytes: number, fraction: number) => Math.max(1, Math.floor((bytes * fraction) / MiB));

/** The memory limit in bytes (checked well-formed before any preset runs). */
function memoryLimitBytes(resources: ResourceSpec): number {
  return parseQuantity(resources.memory.limit) ?? 256 * MiB;
}

/** One directory per run, named by UTC time; RETAIN newest kept. Shared by every engine. */
const RETENTION = `ls -1d 2*/ 2>/dev/null | sort -r | tail -n +"$((BACKUP_RETAIN + 1))" | while read -r old; do
  echo "removing expired backup \${old%/}"; rm -rf -- "$old"
done`;

const PICK_BACKUP = `id="\${RESTORE_FROM:-latest}"
if [ "$id" = latest ]; then id="$(ls -1d 2*/ 2>/dev/null | sort -r | head -n 1)"; id="\${id%/}"; fi
if [ -z "$id" ] || [ ! -d "/backups/$id" ]; then
  echo "no backup '\${RESTORE_FROM:-latest}' in /backups; available:" >&2; ls -1 /backups >&2; exit 1
fi
echo "restoring backup $id"`;

// ---------------------------------------------------------------------------------------
// PostgreSQL

/** The image's major version, when its tag says it (`18.6-alpine3.24` → 18). */
export function postgresMajor(image: string): number | undefined {
  const m = /^(\d+)(?=[.-]|$)/.exec(parseImage(image).tag ?? '');
  return m ? Number(m[1]) : undefined;
}

/** initdb arguments: scram for TCP, and (17+) a collation independent of the C library. */
export function defaultInitdbArgs(image: string): string {
  const major = postgresMajor(image);
  // The builtin provider (17+) sorts the same on musl and glibc, so an image change never reorders text indexes.
  const locale = major === undefined || major >= 17 ? '--locale-provider=builtin --builtin-locale=C.UTF-8' : '--locale=C.UTF-8';
  return `--auth-host=scram-sha-256 --encoding=UTF8 ${locale}`;
}

const quoteIdent = (id: string) => `"${id.replace(/"/g, '""')}"`;

/**
 * The initdb script that creates the application role: not a superuser, and the owner of
 * the store's databases and schemas, so clients and their migrations never need the
 * superuser. psql reads the role's name and password from the environment (the credentials
 * Secret) and quotes them itself: neither is in the ConfigMap or on a command line.
 */
function appRoleScript(pg: ResolvedPostgres): string {
  const db = quoteIdent(pg.database);
  return [
    '# Managed by berth: the application role and what it owns. Runs once, at init.',
    "docker_process_sql --dbname postgres <<'EOSQL'",
    '-- A failing statement is logged with its text: keep the password out of the log.',
    'SET log_min_error_statement = panic;',
    '\\set app_user `printenv BERTH_APP_USER`',
    '\\set app_password `printenv BERTH_APP_PASSWORD`',
    'CREATE ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :\'app_password\';',
    `ALTER DATABASE ${db} OWNER TO :"app_user";`,
    ...pg.databases.map((d) => `CREATE DATABASE ${quoteIdent(d)} OWNER :"app_user";`),
    ...(pg.schemas.length > 0 ? [
      `\\connect ${db}`,
      ...pg.schemas.map((schema) => `CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)} AUTHORIZATION :"app_user";`),
    ] : []),
    'EOSQL',
    '',
  ].join('\n');
}

const postgres: EnginePreset = {
  engine: 'postgres',
  // The current major's latest patch; Alpine (uid 70) for a small base, pinned to alpine3.24.
  image: 'postgres:18.6-alpine3.24',
  component: 'database',
  runAs: { uid: 70, gid: 70, fsGroup: 70 },
  storageSize: '10Gi',
  resources: { cpu: { request: '250m', limit: '1' }, memory: { request: '1Gi', limit: '1Gi' } },
  username: (ctx) => ctx.postgres.username,
  clientPorts: [{ name: 'postgres', port: 5432, targetPort: 5432 }],
  peerPorts: () => [],
  singleNodeReason: () => 'postgres runs a single primary without replication here (use an operator such as CloudNativePG for HA)',
  plan: (ctx) => {
    const pg = ctx.postgres;
    const major = postgresMajor(ctx.image);
    // 18+ images keep PGDATA in /var/lib/postgresql/<major>/docker and declare that parent as
    // the VOLUME; older ones declare /var/lib/postgresql/data. The mount must be the VOLUME
    // path or the runtime adds an anonymous volume over the PVC.
    const legacy = major !== undefined && major < 18;
    const dataMountPath = legacy ? '/var/lib/postgresql/data' : '/var/lib/postgresql';
    const pgdata = legacy ? '/var/lib/postgresql/data/pgdata' : major !== undefined ? `/var/lib/postgresql/${major}/docker` : undefined;
    const memory = memoryLimitBytes(ctx.resources);
    const settings: Record<string, string> = {
      listen_addresses: "'*'",
      port: '5432',
      unix_socket_directories: "'/var/run/postgresql'",
      max_connections: String(pg.maxConnections),
      shared_buffers: `${Math.max(32, mib(memory, 0.25))}MB`,
      effective_cache_size: `${mib(memory, 0.5)}MB`,
      maintenance_work_mem: '64MB',
      password_encryption: "'scram-sha-256'",
      dynamic_shared_memory_type: 'posix',
      log_destination: "'stderr'",
      logging_collector: 'off',
      log_min_duration_statement: '1000',
      log_timezone: "'UTC'",
      timezone: "'UTC'",
      ...pg.settings,
    };
    const conf = [
      '# Managed by berth; a change rolls the pods.',
      ...Object.entries(settings).map(([k, v]) => `${k} = ${v}`),
      '',
    ].join('\n');
    const init: Record<string, string> = { '00-berth-app-role.sh': appRoleScript(pg), ...pg.initScripts };
    const isReady = ['/bin/sh', '-c', 'exec pg_isready -q -h 127.0.0.1 -p 5432 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'];
    return {
      config: { 'postgresql.conf': conf, ...init },
      runtimeConfigKeys: ['postgresql.conf'],
      env: {
        POSTGRES_USER: ctx.adminCredentials.envValue('username'),
        POSTGRES_PASSWORD: ctx.adminCredentials.envValue('password'),
        POSTGRES_DB: pg.database,
        POSTGRES_INITDB_ARGS: pg.initdbArgs,
        ...(pgdata ? { PGDATA: pgdata } : {}),
        // Read by 00-berth-app-role.sh at init.
        BERTH_APP_USER: ctx.credentials.envValue('username'),
        BERTH_APP_PASSWORD: ctx.credentials.envValue('password'),
      },
      envFromConfig: false,
      args: ['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf'],
      dataMountPath,
      writablePaths: ['/var/run/postgresql', '/tmp'],
      configMounts: [
        { volume: 'config', mountPath: '/etc/postgresql', keys: ['postgresql.conf'] },
        { volume: 'initdb', mountPath: '/docker-entrypoint-initdb.d', keys: Object.keys(init).sort() },
      ],
      // Parallel queries use POSIX shared memory; the runtime's default /dev/shm is 64Mi.
      extraVolumes: [{ name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: k8s.Quantity.fromString(`${Math.max(64, mib(memory, 0.25))}Mi`) } }],
      extraMounts: [{ name: 'dshm', mountPath: '/dev/shm' }],
      readiness: Probe.exec(isReady),
      // A connect only: a busy server that is slow to answer pg_isready is not restarted.
      liveness: Probe.tcp(),
      startup: Probe.exec(isReady),
    };
  },
  exporterImage: 'quay.io/prometheuscommunity/postgres-exporter:v0.19.1',
  exporter: (ctx, image) => ({
    image,
    port: 9187,
    uid: 65534,
    env: {
      DATA_SOURCE_URI: `127.0.0.1:5432/${ctx.postgres.database}?sslmode=disable`,
      // The superuser sees every statistic; the exporter runs in the store's own pod, on localhost.
      DATA_SOURCE_USER: ctx.adminCredentials.envValue('username'),
      DATA_SOURCE_PASS: ctx.adminCredentials.envValue('password'),
    },
  }),
  backup: (ctx) => ({
    shell: '/bin/sh',
    // Alpine's busybox has wget, not curl.
    sidecarQuitTool: 'wget',
    env: {
      // The server itself: a pooler in front knows only the application role.
      PGHOST: ctx.directHost,
      PGPORT: '5432',
      // The superuser: pg_dumpall reads every role, and restore recreates objects owned by any role.
      PGUSER: ctx.adminCredentials.envValue('username'),
      PGPASSWORD: ctx.adminCredentials.envValue('password'),
      PGDATABASE: ctx.postgres.database,
      // A database missing at restore is created for the application role.
      BERTH_APP_USER: ctx.credentials.envValue('username'),
    },
    writablePaths: ['/tmp'],
    defaultResources: { cpu: { request: '100m', limit: '1' }, memory: { request: '256Mi', limit: '256Mi' } },
    backupScript: `# berth: logical backup of every database (pg_dump custom format) plus roles.
set -eu
cd /backups
rm -rf ./.partial-*
ts="$(date -u +%Y%m%dT%H%M%SZ)"
work=".partial-$ts"
mkdir "$work"
pg_dumpall --globals-only --file="$work/globals.sql"
psql -d postgres -Atc "SELECT datname FROM pg_database WHERE datallowconn AND NOT datistemplate ORDER BY 1" |
while IFS= read -r db; do
  echo "dumping $db"
  pg_dump --format=custom --dbname="$db" --file="$work/$db.dump"
done
mv "$work" "$ts"
echo "backup $ts complete:"; ls -l "$ts"
${RETENTION}
`,
    restoreScript: `# berth: restore every database of one backup (RESTORE_FROM, default latest).
# Each database is restored in one transaction: it ends up fully restored or unchanged.
# Objects keep their owners (the application role, created at init). Roles are not
# replayed; apply <backup>/globals.sql by hand if you created other roles.
set -eu
cd /backups
${PICK_BACKUP}
for f in "$id"/*.dump; do
  [ -e "$f" ] || { echo "backup $id holds no database dumps" >&2; exit 1; }
  db="$(basename "$f" .dump)"
  if [ -z "$(psql -d postgres -Atc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then createdb --owner="$BERTH_APP_USER" "$db"; fi
  echo "restoring $db"
  pg_restore --clean --if-exists --single-transaction --dbname="$db" "$f"
done
echo "restore of $id complete"
`,
  }),
  connectionEnv: (c) => [
    ['HOST', c.host],
    ['PORT', String(c.port)],
    ['USER', c.credentials.envValue('username')],
    ['PASSWORD', c.credentials.envValue('password')],
    ['DATABASE', c.database!],
    ['URL', c.url!],
  ],
  // postgresql://, which libpq, pgx and SQLAlchemy all accept (SQLAlchemy refuses postgres://).
  urlTemplate: (t) => credentialUrl('postgresql', t, `/${t.database}`),
};

// ---------------------------------------------------------------------------------------
// Redis

const redisPing = ['/bin/sh', '-c', 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG'];

const redis: EnginePreset = {
  engine: 'redis',
  // The current 8.8 line of the official image (the Bitnami one is unmaintained).
  image: 'redis:8.8.3-alpine',
  component: 'cache',
  // The image's redis user is 999 with group 1000 (Alpine already uses gid 999).
  runAs: { uid: 999, gid: 1000, fsGroup: 1000 },
  storageSize: '1Gi',
  resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '256Mi', limit: '256Mi' } },
  username: () => 'default',
  clientPorts: [{ name: 'redis', port: 6379, targetPort: 6379 }],
  peerPorts: () => [],
  singleNodeReason: () => 'redis runs a single node without replication here',
  plan: (ctx) => {
    const memory = memoryLimitBytes(ctx.resources);
    const conf = [
      '# Managed by berth; a change rolls the pods.',
      'bind * -::*',
      'port 6379',
      'protected-mode yes',
      'dir /data',
      `appendonly ${ctx.redis.appendOnly ? 'yes' : 'no'}`,
      'appendfsync everysec',
      'aof-use-rdb-preamble yes',
      'save 3600 1 300 100 60 10000',
      // Leave a quarter of the limit for the copy-on-write fork of AOF rewrites and snapshots.
      `maxmemory ${mib(memory, 0.75)}mb`,
      `maxmemory-policy ${ctx.redis.maxmemoryPolicy}`,
      'tcp-keepalive 300',
      '',
    ].join('\n');
    return {
      config: { 'redis.conf': conf },
      runtimeConfigKeys: ['redis.conf'],
      env: {
        REDIS_PASSWORD: ctx.credentials.envValue('password'),
        // redis-cli reads it, so probes authenticate without a password on the command line.
        REDISCLI_AUTH: ctx.credentials.envValue('password'),
      },
      envFromConfig: false,
      // Kubernetes expands $(REDIS_PASSWORD) from the Secret-backed env var; no literal in the manifest.
      args: ['redis-server', '/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)'],
      dataMountPath: '/data',
      writablePaths: [],
      configMounts: [{ volume: 'config', mountPath: '/etc/redis', keys: ['redis.conf'] }],
      extraVolumes: [],
      extraMounts: [],
      readiness: Probe.exec(redisPing),
      liveness: Probe.tcp(),
      startup: Probe.exec(redisPing),
    };
  },
  exporterImage: 'oliver006/redis_exporter:v1.90.0',
  exporter: (ctx, image) => ({
    image,
    port: 9121,
    uid: 59000,
    env: { REDIS_ADDR: 'redis://127.0.0.1:6379', REDIS_PASSWORD: ctx.credentials.envValue('password') },
  }),
  backup: { unsupported: 'redis keeps its data durable with AOF on its volume; berth backs up postgres and neo4j only' },
  connectionEnv: (c) => [
    ['HOST', c.host],
    ['PORT', String(c.port)],
    // Redis 6+ ACL user that `requirepass` protects.
    ['USER', c.credentials.envValue('username')],
    ['PASSWORD', c.credentials.envValue('password')],
    ['URL', c.url!],
  ],
  urlTemplate: (t) => credentialUrl('redis', t, '/0'),
};

// ---------------------------------------------------------------------------------------
// NATS

const nats: EnginePreset = {
  engine: 'nats',
  // The current 2.14 line; Alpine rather than scratch keeps a shell for `kubectl exec`.
  image: 'nats:2.14.5-alpine',
  component: 'messaging',
  // The image has no user of its own; any non-root UID works.
  runAs: { uid: DEFAULT_UID, gid: DEFAULT_UID, fsGroup: DEFAULT_UID },
  storageSize: '1Gi',
  resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '512Mi', limit: '512Mi' } },
  username: () => 'nats',
  // NATS re-parses a `$VAR` value as config, so a password such as `1e5`, `10k` or one with
  // `}` or a space would break it: the credentials go into a quoted string in a file of the
  // Secret instead, rendered where the Secret is made.
  credentialTemplates: {
    'auth.conf': [
      '# Managed by berth: the credentials from the Secret, included by nats.conf.\nauthorization {\n  user: "',
      { key: 'username', escape: 'backslash' },
      '"\n  password: "',
      { key: 'password', escape: 'backslash' },
      '"\n}\n',
    ],
  },
  clientPorts: [{ name: 'nats', port: 4222, targetPort: 4222 }],
  peerPorts: (clustered) => (clustered ? [{ name: 'cluster', port: 6222, targetPort: 6222 }] : []),
  // The kubelet's probes and a local exporter read it; no other pod needs to.
  localPorts: [{ name: 'monitor', port: 8222, targetPort: 8222 }],
  singleNodeReason: (ctx) => (ctx.nats.cluster ? undefined : 'nats runs a single server unless nats.cluster is true'),
  plan: (ctx) => {
    const memory = memoryLimitBytes(ctx.resources);
    const routes = Array.from({ length: ctx.replicas }, (_, i) =>
      `    nats://${ctx.name}-${i}.${ctx.headlessServiceName}.${ctx.namespace}.svc.${ctx.clusterDomain}:6222`);
    const conf = [
      '# Managed by berth; a change rolls the pods. $SERVER_NAME comes from the environment.',
      'server_name: $SERVER_NAME',
      'listen: 0.0.0.0:4222',
      'http_port: 8222',
      'pid_file: "/var/run/nats/nats.pid"',
      'lame_duck_duration: "30s"',
      'lame_duck_grace_period: "10s"',
      // Next to this file: the Secret's auth.conf (an `authorization` block).
      'include "auth.conf"',
      'jetstream {',
      '  store_dir: "/data/jetstream"',
      // Headroom for compaction: JetStream never fills the volume.
      `  max_file_store: ${Math.floor(ctx.storageBytes * 0.9)}`,
      `  max_memory_store: ${Math.floor(memory * 0.25)}`,
      '}',
      ...(ctx.nats.cluster ? [
        'cluster {',
        `  name: ${ctx.name}`,
        '  listen: 0.0.0.0:6222',
        '  connect_retries: 120',
        '  routes: [',
        ...routes,
        '  ]',
        '}',
      ] : []),
      '',
    ].join('\n');
    return {
      config: { 'nats.conf': conf },
      runtimeConfigKeys: ['nats.conf'],
      env: {
        SERVER_NAME: EnvValue.fromField('metadata.name'),
        // The Go runtime sees the node's memory, not the limit.
        GOMEMLIMIT: `${mib(memory, 0.9)}MiB`,
      },
      envFromConfig: false,
      args: ['nats-server', '--config', '/etc/nats/nats.conf'],
      dataMountPath: '/data',
      writablePaths: ['/var/run/nats'],
      configMounts: [{ volume: 'config', mountPath: '/etc/nats', keys: ['nats.conf'], secretKeys: ['auth.conf'] }],
      extraVolumes: [],
      extraMounts: [],
      readiness: Probe.http('/healthz?js-server-only=true', { port: 'monitor' }),
      liveness: Probe.http('/healthz?js-enabled-only=true', { port: 'monitor' }),
      startup: Probe.http('/healthz', { port: 'monitor' }),
      // Lame duck mode: clients move to other servers before this one stops.
      lifecycle: { preStop: { exec: { command: ['nats-server', '--signal', 'ldm=/var/run/nats/nats.pid'] } } },
    };
  },
  exporterImage: 'natsio/prometheus-nats-exporter:0.19.2',
  exporter: (_ctx, image) => ({
    image,
    port: 7777,
    uid: DEFAULT_UID,
    env: {},
    args: ['-port=7777', '-varz', '-connz', '-routez', '-subz', '-jsz=all', 'http://127.0.0.1:8222'],
  }),
  backup: { unsupported: 'nats keeps JetStream on its volume (replicate streams with nats.cluster); berth backs up postgres and neo4j only' },
  connectionEnv: (c) => [
    ['HOST', c.host],
    ['PORT', String(c.port)],
    ['USER', c.credentials.envValue('username')],
    ['PASSWORD', c.credentials.envValue('password')],
    // The server requires the user and password: clients that read only NATS_URL need them in it.
    ['URL', c.url!],
  ],
  urlTemplate: (t) => credentialUrl('nats', t, ''),
};

// ---------------------------------------------------------------------------------------
// Neo4j

const neo4jHttp = Probe.http('/', { port: 'http' });

const neo4j: EnginePreset = {
  engine: 'neo4j',
  // 5.26 is the LTS line (calendar releases get no patches once superseded); APOC core ships in it.
  image: 'neo4j:5.26.31-community',
  component: 'database',
  runAs: { uid: 7474, gid: 7474, fsGroup: 7474 },
  storageSize: '10Gi',
  resources: { cpu: { request: '500m', limit: '2' }, memory: { request: '2Gi', limit: '2Gi' } },
  username: () => 'neo4j',
  clientPorts: [{ name: 'bolt', port: 7687, targetPort: 7687 }, { name: 'http', port: 7474, targetPort: 7474 }],
  peerPorts: () => [],
  singleNodeReason: () => 'neo4j Community Edition has no clustering',
  plan: (ctx) => {
    const memory = memoryLimitBytes(ctx.resources);
    // Heap and page cache share what the JVM's native memory leaves; the synth checks the sum.
    const rest = memory - jvmOverheadBytes(memory);
    // The image's entrypoint turns NEO4J_* variables into neo4j.conf settings.
    const heap = `${mib(rest, 0.5)}m`;
    const config: Record<string, string> = {
      NEO4J_server_memory_heap_initial__size: heap,
      NEO4J_server_memory_heap_max__size: heap,
      NEO4J_server_memory_pagecache_size: `${mib(rest, 0.5)}m`,
      NEO4J_server_directories_run: '/var/lib/neo4j/run',
      NEO4J_server_jvm_additional: '-XX:+ExitOnOutOfMemoryError',
      // APOC core ships in the image (labs/); the entrypoint copies it into /plugins, no download.
      ...(ctx.neo4j.apoc ? { NEO4J_PLUGINS: '["apoc"]' } : {}),
    };
    return {
      config,
      runtimeConfigKeys: Object.keys(config),
      env: {
        AUTH_PASSWORD: ctx.credentials.envValue('password'),
        // Sets the initial password; $(AUTH_PASSWORD) is expanded by the kubelet, not written here.
        NEO4J_AUTH: 'neo4j/$(AUTH_PASSWORD)',
      },
      envFromConfig: true,
      dataMountPath: '/data',
      // The entrypoint rewrites conf/neo4j.conf, so conf/ is a writable copy seeded from the image.
      writablePaths: ['/var/lib/neo4j/conf', '/var/lib/neo4j/run', '/tmp', ...(ctx.neo4j.apoc ? ['/plugins'] : [])],
      largeWritablePaths: ['/logs'],
      configMounts: [],
      extraVolumes: [],
      extraMounts: [],
      readiness: neo4jHttp,
      // Bolt accepting connections: a JVM in a long GC pause answers HTTP late, and is not restarted for it.
      liveness: Probe.tcp(),
      startup: neo4jHttp,
      initContainers: (base) => [{
        name: 'seed-conf',
        image: base.image,
        imagePullPolicy: base.pullPolicy,
        command: ['cp', '-R', '/var/lib/neo4j/conf/.', '/seed/'],
        resources: base.resources,
        securityContext: base.securityContext,
        volumeMounts: [{ name: 'var-lib-neo4j-conf', mountPath: '/seed' }],
      }],
    };
  },
  exporter: { unsupported: 'neo4j Community Edition has no Prometheus endpoint' },
  backup: (ctx) => ({
    shell: '/bin/bash',
    // The image keeps wget (the backup uses it) and drops curl.
    sidecarQuitTool: 'wget',
    env: {
      NEO4J_HOST: ctx.name,
      NEO4J_USERNAME: ctx.credentials.envValue('username'),
      NEO4J_PASSWORD: ctx.credentials.envValue('password'),
      // cypher-shell and the JVM keep state under $HOME; the image's is read-only here.
      HOME: '/tmp',
    },
    writablePaths: ['/tmp'],
    defaultResources: { cpu: { request: '100m', limit: '1' }, memory: { request: '1Gi', limit: '1Gi' } },
    backupScript: `# berth: online logical backup of the neo4j database with APOC (Community Edition has
# no online neo4j-admin backup). The export streams through the HTTP API as Cypher.
set -euo pipefail
umask 077
cd /backups
rm -rf ./.partial-*
ts="$(date -u +%Y%m%dT%H%M%SZ)"
work=".partial-$ts"
mkdir "$work"
# Credentials go to wget through a file, not its command line.
printf 'user=%s\\npassword=%s\\nauth_no_challenge=on\\n' "$NEO4J_USERNAME" "$NEO4J_PASSWORD" > /tmp/wgetrc
export WGETRC=/tmp/wgetrc
query='{"statements":[{"statement":"CALL apoc.export.cypher.all(null, {stream: true, format: \\"cypher-shell\\", useOptimizations: {type: \\"UNWIND_BATCH\\", unwindBatchSize: 1000}}) YIELD cypherStatements RETURN cypherStatements"}]}'
wget -q -O "$work/response.json" --header='Content-Type: application/json' --header='Accept: application/json' \\
  --post-data="$query" "http://$NEO4J_HOST:7474/db/neo4j/tx/commit"
if ! jq -e '.errors | length == 0' "$work/response.json" > /dev/null; then
  jq -r '.errors[] | .code + ": " + .message' "$work/response.json" >&2; exit 1
fi
jq -r '.results[0].data[].row[0]' "$work/response.json" | gzip -c > "$work/neo4j.cypher.gz"
rm "$work/response.json"
mv "$work" "$ts"
echo "backup $ts complete:"; ls -l "$ts"
${RETENTION}
`,
    restoreScript: `# berth: restore the neo4j database from one backup (RESTORE_FROM, default latest).
# Empties the database (data, indexes, constraints), then replays the export.
set -euo pipefail
cd /backups
${PICK_BACKUP}
addr="neo4j://$NEO4J_HOST:7687"
cypher-shell -a "$addr" --non-interactive "CALL apoc.periodic.iterate('MATCH (n) RETURN n', 'DETACH DELETE n', {batchSize: 10000})"
cypher-shell -a "$addr" --non-interactive "CALL apoc.schema.assert({}, {}, true)"
gunzip -c "$id/neo4j.cypher.gz" | cypher-shell -a "$addr" --non-interactive
echo "restore of $id complete"
`,
  }),
  connectionEnv: (c) => [
    ['HOST', c.host],
    ['PORT', String(c.port)],
    ['USER', c.credentials.envValue('username')],
    ['PASSWORD', c.credentials.envValue('password')],
    ['URI', `neo4j://${c.host}:${c.port}`],
  ],
};

export const ENGINE_PRESETS: Readonly<Record<StoreEngine, EnginePreset>> = { postgres, redis, nats, neo4j };
