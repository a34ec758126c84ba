// The facets of a StatefulStore (constructs/stateful-store/), each through its own functions
// with settings made here: what each renders, apart from the store that wires them (that is
// test/stateful-store.test.ts).
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { checksum } from '../constructs/core/checksum';
import { Connections, workloadNetworkPolicy } from '../constructs/core/connections';
import { EnvValue } from '../constructs/core/env';
import { Problems, ValidationError } from '../constructs/core/errors';
import { appLabels } from '../constructs/core/labels';
import { MESH_PROXY_RESOURCES } from '../constructs/core/mesh';
import { Probe } from '../constructs/core/probes';
import { SIZE_PRESETS, toK8sResources } from '../constructs/core/resources';
import { spreadConstraints } from '../constructs/core/workload';
import { EnginePlan, ENGINE_PRESETS, StoreEngine } from '../constructs/stateful-store-engines';
import { checkBackup, MAX_BACKUP_NAME, storeBackups } from '../constructs/stateful-store/backups';
import { connectionEnvOf, connectionUrlTemplates, StoreEndpoints } from '../constructs/stateful-store/connection';
import { adminSourceOf, checkAdminCredentials, checkCredentials, storeCredentials, workloadMeta } from '../constructs/stateful-store/credentials';
import { admitScraper, checkMetrics, storeExporter, storeServiceMonitor } from '../constructs/stateful-store/metrics';
import { checkSize, engineContext, StoreSettings } from '../constructs/stateful-store/settings';
import { clientService, headlessService, storeConfigMap, storeStatefulSet } from '../constructs/stateful-store/statefulset';
import { get, namespacedChart, one, synth } from './util';

const NS = 'shop-prod';
const EXTERNAL = { mode: 'external', clusterSecretStore: 'berth-prod' } as const;

/** A store's settings as the StatefulStore resolves them, for `engine` (postgres by default). */
function settings(over: Partial<StoreSettings> = {}, engine: StoreEngine = 'postgres'): StoreSettings {
  const preset = ENGINE_PRESETS[engine];
  return {
    preset, name: 'db', namespace: NS, clusterDomain: 'cluster.local', image: preset.image, imageText: preset.image,
    allowMutableImageTags: false, pullPolicy: 'IfNotPresent', replicas: 1, storageSize: '10Gi', resources: preset.resources,
    credentials: EXTERNAL, adminCredentials: engine === 'postgres' ? EXTERNAL : undefined, allowGeneratedCredentials: false,
    podManagementPolicy: 'OrderedReady', terminationGracePeriodSeconds: 120, runAs: preset.runAs, meshSidecar: false,
    postgres: {
      database: 'shop', username: 'app', adminUsername: 'postgres', schemas: [], databases: [], initScripts: {}, settings: {},
      initdbArgs: '', maxConnections: 100, pooled: false,
    },
    redis: { appendOnly: true, maxmemoryPolicy: 'noeviction' },
    nats: { cluster: false },
    neo4j: { apoc: false },
    ...over,
  };
}
const chart = (): Chart => namespacedChart(NS);
/** The problems `fn` reports, as the store would throw them; none when it reports none. */
const problemsFrom = (scope: string, fn: (p: Problems) => void): string[] => {
  const problems = new Problems(scope);
  fn(problems);
  try {
    problems.throwIfAny();
  } catch (e) {
    if (e instanceof ValidationError) return [...e.problems];
    throw e;
  }
  return [];
};
const selector = (name: string) => ({ 'app.kubernetes.io/name': name, 'app.kubernetes.io/instance': NS });
const labelsOf = (name: string, component: string, version?: string) => ({
  ...selector(name), 'app.kubernetes.io/component': component, 'app.kubernetes.io/part-of': NS, 'app.kubernetes.io/managed-by': 'berth',
  ...(version !== undefined ? { 'app.kubernetes.io/version': version } : {}),
});

/** A plan of the smallest kind, to see what the StatefulSet facet makes of each field. */
const PLAN: EnginePlan = {
  config: { 'engine.conf': 'port 1\n', 'init.sh': 'true\n' },
  runtimeConfigKeys: ['engine.conf'],
  env: { MODE: 'prod' },
  envFromConfig: false,
  dataMountPath: '/data',
  writablePaths: ['/tmp'],
  configMounts: [{ volume: 'config', mountPath: '/etc/engine', keys: ['engine.conf'], secretKeys: ['auth.conf'] }],
  extraVolumes: [],
  extraMounts: [],
  readiness: Probe.tcp(),
  liveness: Probe.tcp(),
  startup: Probe.tcp(),
};

const REDIS_METRICS = { name: 'metrics', port: 9121, targetPort: 9121 };
const redisLabels = (c: Construct) => appLabels(c, { name: 'db', component: 'cache', version: '8.8.3-alpine' });
/** The store's credentials, rendered into `c`: what the engine context and the env read. */
const credentialsIn = (c: Construct, s: StoreSettings) => storeCredentials(c, s, {});

describe('statefulset facet', () => {
  test('storeConfigMap: <name>-config holds the plan\'s config, in the config wave', () => {
    const c = chart();
    const s = settings({}, 'redis');
    storeConfigMap(c, s, redisLabels(c), PLAN);
    expect(synth(c)).toEqual([{
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'db-config', namespace: NS, labels: labelsOf('db', 'cache'), annotations: { 'argocd.argoproj.io/sync-wave': '2' } },
      data: { 'engine.conf': 'port 1\n', 'init.sh': 'true\n' },
    }]);
  });

  test('headlessService: pod identities published before ready, client and peer ports; the metrics port only behind a pooler', () => {
    const c = chart();
    const nats = settings({ nats: { cluster: true } }, 'nats');
    headlessService(c, nats, appLabels(c, { name: 'db', component: 'broker' }), undefined);
    const pooled = settings({ name: 'pg', postgres: { ...settings().postgres, pooled: true } });
    headlessService(new Construct(c, 'pg'), pooled, appLabels(c, { name: 'pg', component: 'database' }), { name: 'metrics', port: 9187, targetPort: 9187 });
    headlessService(new Construct(c, 'cache'), settings({ name: 'cache' }, 'redis'), appLabels(c, { name: 'cache', component: 'cache' }), REDIS_METRICS);
    const out = synth(c);
    expect(one(out, 'Service', 'db-headless')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db-headless', namespace: NS, labels: labelsOf('db', 'broker'), annotations: { 'argocd.argoproj.io/sync-wave': '3' } },
      spec: {
        clusterIP: 'None',
        publishNotReadyAddresses: true,
        selector: selector('db'),
        ports: [{ name: 'nats', port: 4222, targetPort: 4222, protocol: 'TCP' }, { name: 'cluster', port: 6222, targetPort: 6222, protocol: 'TCP' }],
      },
    });
    expect(get(one(out, 'Service', 'pg-headless'), 'spec', 'ports')).toEqual([
      { name: 'postgres', port: 5432, targetPort: 5432, protocol: 'TCP' }, { name: 'metrics', port: 9187, targetPort: 9187, protocol: 'TCP' },
    ]);
    expect(get(one(out, 'Service', 'cache-headless'), 'spec', 'ports')).toEqual([{ name: 'redis', port: 6379, targetPort: 6379, protocol: 'TCP' }]);
  });

  test('clientService: the server\'s pods with the metrics port, or the pooler\'s pods on its port only', () => {
    const c = chart();
    clientService(c, settings({}, 'redis'), redisLabels(c), undefined, REDIS_METRICS);
    const pooler = { selector: selector('pg-pooler'), clientPort: { name: 'postgres', port: 5432, targetPort: 6432 } };
    clientService(new Construct(c, 'pg'), settings({ name: 'pg' }), appLabels(c, { name: 'pg', component: 'database' }), pooler, { name: 'metrics', port: 9187, targetPort: 9187 });
    const out = synth(c);
    expect(one(out, 'Service', 'db')).toEqual({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db', namespace: NS, labels: labelsOf('db', 'cache'), annotations: { 'argocd.argoproj.io/sync-wave': '3' } },
      spec: {
        type: 'ClusterIP',
        selector: selector('db'),
        ports: [{ name: 'redis', port: 6379, targetPort: 6379, protocol: 'TCP' }, { name: 'metrics', port: 9121, targetPort: 9121, protocol: 'TCP' }],
      },
    });
    expect(get(one(out, 'Service', 'pg'), 'spec')).toEqual({
      type: 'ClusterIP', selector: selector('pg-pooler'), ports: [{ name: 'postgres', port: 5432, targetPort: 6432, protocol: 'TCP' }],
    });
  });

  test('storeStatefulSet: the plan\'s engine container and volumes, the config projected with the Secret\'s files, a checksum of the runtime config only', () => {
    const c = chart();
    const labels = redisLabels(c);
    const sidecar = { name: 'side', image: 'side:1' };
    storeStatefulSet(c, settings({}, 'redis'), {
      labels, workloadMeta: { labels: labels.versioned, annotations: { note: 'x' } }, plan: PLAN, secretName: 'db-credentials', sidecars: [sidecar],
    });
    const sts = one(synth(c), 'StatefulSet', 'db');
    const timing = (failureThreshold: number) => ({ initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold, tcpSocket: { port: 'redis' } });
    expect(sts.metadata).toEqual({
      name: 'db', namespace: NS, labels: labelsOf('db', 'cache', '8.8.3-alpine'), annotations: { note: 'x', 'argocd.argoproj.io/sync-wave': '3' },
    });
    expect(get(sts, 'spec', 'template', 'metadata')).toEqual({
      labels: labelsOf('db', 'cache', '8.8.3-alpine'), annotations: { 'checksum.berth.dev/config': checksum({ 'engine.conf': 'port 1\n' }) },
    });
    const { containers, volumes } = get(sts, 'spec', 'template', 'spec');
    expect(containers).toEqual([{
      name: 'redis',
      image: 'redis:8.8.3-alpine',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name: 'redis', containerPort: 6379, protocol: 'TCP' }],
      env: [{ name: 'MODE', value: 'prod' }],
      resources: { requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '320Mi' }, limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '320Mi' } },
      securityContext: {
        allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 999, runAsGroup: 1000,
        capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
      },
      startupProbe: timing(90),
      readinessProbe: timing(3),
      livenessProbe: timing(6),
      volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'config', mountPath: '/etc/engine', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
    }, {
      ...sidecar, resources: { requests: { 'ephemeral-storage': '64Mi' }, limits: { 'ephemeral-storage': '64Mi' } },
    }]);
    expect(volumes).toEqual([
      {
        name: 'config',
        projected: {
          sources: [
            { configMap: { name: 'db-config', items: [{ key: 'engine.conf', path: 'engine.conf' }] } },
            { secret: { name: 'db-credentials', items: [{ key: 'auth.conf', path: 'auth.conf' }] } },
          ],
        },
      },
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
    ]);
  });

  test('storeStatefulSet: replicas spread with parallel start, the plan\'s env from the ConfigMap and init containers, a class on the claims, sized mesh proxies', () => {
    const c = chart();
    const labels = appLabels(c, { name: 'db', component: 'broker' });
    const plan: EnginePlan = {
      ...PLAN, envFromConfig: true, configMounts: [{ volume: 'config', mountPath: '/etc/engine', keys: ['engine.conf'] }],
      initContainers: (base) => [{ name: 'seed', image: base.image, imagePullPolicy: base.pullPolicy, resources: base.resources }],
    };
    storeStatefulSet(c, settings({ replicas: 3, podManagementPolicy: 'Parallel', storageClass: 'fast', storageSize: '5Gi', meshSidecar: true, nats: { cluster: true } }, 'nats'), {
      labels, workloadMeta: { labels: labels.versioned }, plan, secretName: 'db-credentials', sidecars: [],
    });
    const sts = one(synth(c), 'StatefulSet', 'db');
    const pod = get(sts, 'spec', 'template', 'spec');
    expect([get(sts, 'spec', 'replicas'), get(sts, 'spec', 'podManagementPolicy')]).toEqual([3, 'Parallel']);
    expect(pod.topologySpreadConstraints).toEqual(spreadConstraints(selector('db')));
    expect(pod.containers[0].envFrom).toEqual([{ configMapRef: { name: 'db-config' } }]);
    // Client, peer and local ports (the monitoring endpoint the probes use).
    expect(pod.containers[0].ports).toEqual([
      { name: 'nats', containerPort: 4222, protocol: 'TCP' }, { name: 'cluster', containerPort: 6222, protocol: 'TCP' }, { name: 'monitor', containerPort: 8222, protocol: 'TCP' },
    ]);
    expect(pod.initContainers).toEqual([{
      name: 'seed', image: ENGINE_PRESETS.nats.image, imagePullPolicy: 'IfNotPresent',
      resources: { requests: { cpu: '10m', memory: '32Mi', 'ephemeral-storage': '64Mi' }, limits: { cpu: '100m', memory: '64Mi', 'ephemeral-storage': '64Mi' } },
    }]);
    expect(pod.volumes[0]).toEqual({ name: 'config', configMap: { name: 'db-config', items: [{ key: 'engine.conf', path: 'engine.conf' }] } });
    expect(get(sts, 'spec', 'template', 'metadata', 'annotations')).toEqual({
      ...MESH_PROXY_RESOURCES, 'checksum.berth.dev/config': checksum({ 'engine.conf': 'port 1\n' }),
    });
    expect(get(sts, 'spec', 'volumeClaimTemplates', 0, 'spec')).toEqual({
      accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', storageClassName: 'fast', resources: { requests: { storage: '5Gi' } },
    });
  });
});

describe('credentials facet', () => {
  const SEALED = { mode: 'sealed', encryptedData: { password: 'AgB...' } } as const;
  const EXISTING = { mode: 'existing', secretName: 'db-credentials' } as const;
  const policy = { secrets: { sourceFor: (name: string) => ({ mode: 'sealed', encryptedData: { password: name } }) as const, allowGenerated: false } };

  test('adminSourceOf: as given; else the application role\'s source where it can make a second Secret; else the policy\'s; none but for postgres', () => {
    const pg = ENGINE_PRESETS.postgres;
    expect(adminSourceOf(pg, EXISTING, EXTERNAL, policy, 'db')).toEqual(EXISTING);
    expect(adminSourceOf(pg, undefined, EXTERNAL, policy, 'db')).toEqual(EXTERNAL);
    expect(adminSourceOf(pg, undefined, { mode: 'generated' }, policy, 'db')).toEqual({ mode: 'generated' });
    expect(adminSourceOf(pg, undefined, SEALED, policy, 'db')).toEqual({ mode: 'sealed', encryptedData: { password: 'db-admin-credentials' } });
    expect(adminSourceOf(pg, undefined, SEALED, {}, 'db')).toEqual(undefined);
    expect(adminSourceOf(ENGINE_PRESETS.redis, EXISTING, EXTERNAL, policy, 'db')).toEqual(undefined);
  });

  test('checkCredentials and checkAdminCredentials: generated only where allowed; a sealed or existing source needs the superuser\'s own', () => {
    expect(problemsFrom('s/db', (p) => checkCredentials(p, settings({ credentials: { mode: 'generated' } })))).toEqual([
      "[s/db] 'credentials.mode' is a plaintext credential mode, allowed only where allowGenerated is true (dev); use 'external', 'sealed' or 'existing' outside dev, received \"generated\"",
    ]);
    expect(problemsFrom('s/db', (p) => checkCredentials(p, settings({ credentials: { mode: 'generated' }, allowGeneratedCredentials: true })))).toEqual([]);
    expect(problemsFrom('s/db', (p) => checkAdminCredentials(p, settings({ credentials: SEALED }), undefined))).toEqual([
      "[s/db] 'postgres.adminCredentials' is required when credentials.mode is 'sealed' (the superuser has a Secret of its own), received undefined",
    ]);
    expect(problemsFrom('s/db', (p) => checkAdminCredentials(p, settings({ credentials: EXTERNAL }), undefined))).toEqual([]);
    expect(problemsFrom('s/db', (p) => checkAdminCredentials(p, settings({ credentials: SEALED }), { mode: 'sealed', encryptedData: { username: 'x', password: 'y' } }))).toEqual([
      "[s/db] 'postgres.adminCredentials.encryptedData' must only hold keys without a fixed value (password), received \"username\"",
    ]);
  });

  test('storeCredentials: <name>-credentials with the fixed user, the URLs and, behind a pooler, PgBouncer\'s userlist; <name>-admin-credentials', () => {
    const c = chart();
    const url = ['postgresql://', { key: 'username', escape: 'url' }, '@db:5432/shop'] as const;
    const { credentials, adminCredentials } = storeCredentials(c, settings({ postgres: { ...settings().postgres, pooled: true } }), { url });
    expect([credentials.secretName, credentials.keys, adminCredentials?.secretName, adminCredentials?.keys]).toEqual([
      'db-credentials', ['username', 'password', 'url', 'userlist.txt'], 'db-admin-credentials', ['username', 'password'],
    ]);
    const secrets = synth(c).map((m) => [m.kind, m.metadata.name, get(m, 'spec', 'target', 'template', 'data')]);
    expect(secrets).toEqual([
      ['ExternalSecret', 'db-credentials', {
        // The fixed user is written in where the templates name it.
        username: 'app',
        url: 'postgresql://app@db:5432/shop',
        'userlist.txt': '"app" "{{ index . "password" | replace "\\"" "\\"\\"" }}"\n',
      }],
      ['ExternalSecret', 'db-admin-credentials', { username: 'postgres' }],
    ]);
  });

  test('workloadMeta: versioned labels; the Secrets berth doesn\'t make, declared external', () => {
    const c = chart();
    const labels = appLabels(c, { name: 'db', component: 'database', version: '18' });
    expect(workloadMeta(labels, storeCredentials(c, settings(), {}))).toEqual({ labels: labelsOf('db', 'database', '18') });
    const existing = storeCredentials(new Construct(c, 'b'), settings({ credentials: EXISTING, adminCredentials: { mode: 'existing', secretName: 'db-admin' } }), {});
    expect(workloadMeta(labels, existing)).toEqual({
      labels: labelsOf('db', 'database', '18'), annotations: { 'berth.dev/external-refs': 'secret/db-admin,secret/db-credentials' },
    });
  });
});

describe('connection facet', () => {
  const endpoints = (over: Partial<StoreEndpoints> = {}, engine: StoreEngine = 'postgres'): StoreEndpoints => ({
    preset: ENGINE_PRESETS[engine], host: `db.${NS}.svc.cluster.local`, directHost: `db-headless.${NS}.svc.cluster.local`, pooled: false, port: ENGINE_PRESETS[engine].clientPorts[0].port,
    ...(engine === 'postgres' ? { database: 'shop', databases: ['shop', 'audit_log'] } : { databases: [] }),
    ...over,
  });
  const secret = (key: string) => EnvValue.fromSecret('db-credentials', key);

  test('connectionUrlTemplates: one key per host and database (past a pooler too), one for redis, none for neo4j', () => {
    const pooled = connectionUrlTemplates(endpoints({ pooled: true }));
    expect(Object.keys(pooled)).toEqual(['url', 'url-audit-log', 'direct-url', 'direct-url-audit-log']);
    expect(pooled['direct-url-audit-log']).toEqual(ENGINE_PRESETS.postgres.urlTemplate!({ host: `db-headless.${NS}.svc.cluster.local`, port: 5432, database: 'audit_log' }));
    expect(Object.keys(connectionUrlTemplates(endpoints()))).toEqual(['url', 'url-audit-log']);
    expect(Object.keys(connectionUrlTemplates(endpoints({}, 'redis')))).toEqual(['url']);
    expect(connectionUrlTemplates(endpoints({}, 'neo4j'))).toEqual({});
  });

  test('connectionEnvOf: the pooler\'s host, or the server\'s with `direct` (only where there is a pooler), each with its URL', () => {
    const c = chart();
    const { credentials } = storeCredentials(c, settings(), connectionUrlTemplates(endpoints({ pooled: true })));
    const env = connectionEnvOf(c, endpoints({ pooled: true }), credentials, { prefix: 'DB_', direct: true, database: 'audit_log' });
    expect(env).toEqual({
      DB_HOST: `db-headless.${NS}.svc.cluster.local`, DB_PORT: '5432', DB_USER: secret('username'), DB_PASSWORD: secret('password'),
      DB_DATABASE: 'audit_log', DB_URL: secret('direct-url-audit-log'),
    });
    expect(connectionEnvOf(c, endpoints(), credentials, { direct: true })).toEqual({
      POSTGRES_HOST: `db.${NS}.svc.cluster.local`, POSTGRES_PORT: '5432', POSTGRES_USER: secret('username'), POSTGRES_PASSWORD: secret('password'),
      POSTGRES_DATABASE: 'shop', POSTGRES_URL: secret('url'),
    });
  });

  test('connectionEnvOf refuses a database but for postgres, naming the store', () => {
    const c = chart();
    const { credentials } = credentialsIn(new Construct(c, 'cache'), settings({}, 'redis'));
    expect(() => connectionEnvOf(new Construct(c, 'db'), endpoints({}, 'redis'), credentials, { database: 'shop' })).toThrow(
      "[shop-prod/db] 'database' applies only to engine 'postgres', not 'redis', received \"shop\"");
  });
});

describe('backups facet', () => {
  const backup = { schedule: '0 3 * * *', retain: 7, size: '20Gi', timeZone: 'Etc/UTC', startingDeadlineSeconds: 3600, activeDeadlineSeconds: 3600 };

  test('MAX_BACKUP_NAME: <name>-backups-bind-<hash> fits 63 characters', () => expect(MAX_BACKUP_NAME).toEqual(39));

  test('checkBackup: none for redis or nats; each field\'s own check', () => {
    expect(problemsFrom('s/db', (p) => checkBackup(p, ENGINE_PRESETS.redis, backup, {}))).toEqual([
      "[s/db] 'backup' is not available for engine redis: redis keeps its data durable with AOF on its volume; berth backs up postgres and neo4j only, received {}",
    ]);
    const bad = { ...backup, retain: 0, size: '1Ki', storageClass: 'Fast_', startingDeadlineSeconds: 5, activeDeadlineSeconds: 0 };
    expect(problemsFrom('s/db', (p) => checkBackup(p, ENGINE_PRESETS.postgres, bad, {}))).toEqual([
      "[s/db] 'backup.retain' must be an integer >= 1, received 0",
      "[s/db] 'backup.size' must be a Kubernetes quantity of at least 1Mi such as '10Gi', received \"1Ki\"",
      "[s/db] 'backup.storageClass' must be a StorageClass name (DNS-1123 subdomain), received \"Fast_\"",
      "[s/db] 'backup.startingDeadlineSeconds' must be an integer >= 10 (the CronJob controller checks every 10 s), received 5",
      "[s/db] 'backup.activeDeadlineSeconds' must be an integer >= 1, received 0",
    ]);
  });

  test('storeBackups: a retained PVC and its bind hook, an identity, scripts, the backup and restore CronJobs, a NetworkPolicy to the server only', () => {
    const c = chart();
    const s = settings({ storageClass: 'fast' });
    const creds = credentialsIn(c, s);
    const server = new Connections(selector('db'), ENGINE_PRESETS.postgres.clientPorts, 'db');
    const pgBackup = ENGINE_PRESETS.postgres.backup;
    if ('unsupported' in pgBackup) throw new Error('postgres has backups');
    const plan = pgBackup(engineContext(s, creds));
    const made = storeBackups(c, s, { ...backup, storageClass: 'slow' }, plan, { version: '18', workloadMeta: { labels: labelsOf('db', 'database', '18') }, server: { connections: server } });
    expect(Object.keys(made)).toEqual(['backupPvc', 'backupServiceAccount', 'backupBindJob', 'backupCronJob', 'restoreCronJob', 'backupNetworkPolicy']);
    const out = synth(c).filter((m) => m.kind !== 'ExternalSecret');
    expect(out.map((m) => [m.kind, m.kind === 'Job' ? 'db-backups-bind-<hash>' : m.metadata.name])).toEqual([
      ['PersistentVolumeClaim', 'db-backups'], ['ServiceAccount', 'db-backup'], ['Job', 'db-backups-bind-<hash>'], ['ConfigMap', 'db-backup'],
      ['CronJob', 'db-backup'], ['CronJob', 'db-restore'], ['NetworkPolicy', 'db-backup'],
    ]);
    expect(get(one(out, 'PersistentVolumeClaim'), 'spec')).toEqual({
      accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', storageClassName: 'slow', resources: { requests: { storage: '20Gi' } },
    });
    expect(one(out, 'CronJob', 'db-backup').metadata).toEqual({
      name: 'db-backup', namespace: NS, labels: labelsOf('db-backup', 'backup', '18'),
      annotations: { 'argocd.argoproj.io/sync-wave': '3', 'berth.dev/connection-pools': 'db=1' },
    });
    const restore = one(out, 'CronJob', 'db-restore');
    expect([get(restore, 'spec', 'suspend'), get(restore, 'spec', 'schedule'), get(restore, 'spec', 'jobTemplate', 'spec', 'backoffLimit')]).toEqual([true, '0 0 31 2 *', 0]);
    expect(get(restore, 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'env').slice(-2)).toEqual([
      { name: 'BACKUP_RETAIN', value: '7' }, { name: 'RESTORE_FROM', value: 'latest' },
    ]);
    expect(get(one(out, 'NetworkPolicy'), 'spec')).toEqual({
      podSelector: { matchLabels: selector('db-backup') },
      policyTypes: ['Ingress', 'Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: selector('db') } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
  });
});

describe('metrics facet', () => {
  const metrics = { image: ENGINE_PRESETS.redis.exporterImage, scraperNamespace: 'monitoring', serviceMonitor: true, serviceMonitorLabels: { release: 'prom' }, interval: '30s' };

  test('checkMetrics: none for neo4j; the image, the scraper\'s namespace and the interval', () => {
    expect(problemsFrom('s/db', (p) => checkMetrics(p, ENGINE_PRESETS.neo4j, metrics, {}, false))).toEqual([
      "[s/db] 'metrics' is not available for engine neo4j: neo4j Community Edition has no Prometheus endpoint, received {}",
    ]);
    expect(problemsFrom('s/db', (p) => checkMetrics(p, ENGINE_PRESETS.redis, { ...metrics, scraperNamespace: 'Mon', interval: '30' }, {}, false))).toEqual([
      "[s/db] 'metrics.scraperNamespace' must be a namespace name (DNS-1123 label), received \"Mon\"",
      "[s/db] 'metrics.interval' must be a duration such as '30s' or '1m', received \"30\"",
    ]);
  });

  test('storeExporter: a restricted sidecar on the metrics port reading the engine over localhost; none without metrics or an exporter', () => {
    const c = chart();
    const s = settings({}, 'redis');
    const ctx = engineContext(s, credentialsIn(c, s));
    expect(storeExporter(ENGINE_PRESETS.redis, ctx, undefined, 'IfNotPresent')).toEqual(undefined);
    expect(storeExporter(ENGINE_PRESETS.neo4j, ctx, metrics, 'IfNotPresent')).toEqual(undefined);
    expect(storeExporter(ENGINE_PRESETS.redis, ctx, metrics, 'Always')).toEqual({
      port: REDIS_METRICS,
      container: {
        name: 'metrics',
        image: 'oliver006/redis_exporter:v1.90.0',
        imagePullPolicy: 'Always',
        ports: [{ name: 'metrics', containerPort: 9121, protocol: 'TCP' }],
        env: [
          { name: 'REDIS_ADDR', value: 'redis://127.0.0.1:6379' },
          { name: 'REDIS_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } },
        ],
        resources: toK8sResources({ cpu: { request: '10m', limit: '100m' }, memory: { request: '32Mi', limit: '64Mi' } }),
        securityContext: {
          allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true, runAsUser: 59000, runAsGroup: 59000,
          capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
        },
      },
    });
  });

  test('admitScraper and storeServiceMonitor: the scraper\'s namespace on the metrics port; a ServiceMonitor with its labels and interval', () => {
    const c = chart();
    const labels = redisLabels(c);
    const server = new Connections(labels.selector, ENGINE_PRESETS.redis.clientPorts);
    const exporter = { port: REDIS_METRICS, container: { name: 'metrics' } };
    admitScraper(server, metrics, exporter);
    workloadNetworkPolicy(c, 'np', { name: 'db', labels: labels.all, connections: server });
    storeServiceMonitor(c, 'db', labels, metrics, exporter);
    const out = synth(c);
    expect(get(one(out, 'NetworkPolicy'), 'spec', 'ingress')).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9121, protocol: 'TCP' }] },
    ]);
    expect(one(out, 'ServiceMonitor')).toEqual({
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'ServiceMonitor',
      metadata: { name: 'db', namespace: NS, labels: { ...labelsOf('db', 'cache'), release: 'prom' } },
      spec: { selector: { matchLabels: selector('db') }, endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }] },
    });
  });
});

describe('settings', () => {
  test('checkSize: a quantity of at least 1Mi', () => {
    expect(problemsFrom('s/db', (p) => ['1Mi', '10Gi', '1Ki', 'ten'].forEach((size) => checkSize(p, 'storage.size', size)))).toEqual([
      "[s/db] 'storage.size' must be a Kubernetes quantity of at least 1Mi such as '10Gi', received \"1Ki\"",
      "[s/db] 'storage.size' must be a Kubernetes quantity of at least 1Mi such as '10Gi', received \"ten\"",
    ]);
  });

  test('engineContext: the server\'s own host past a pooler, the volume in bytes, the superuser or else the one user', () => {
    const c = chart();
    const pg = settings({ postgres: { ...settings().postgres, pooled: true } });
    const pgCreds = credentialsIn(c, pg);
    const ctx = engineContext(pg, pgCreds);
    expect([ctx.directHost, ctx.headlessServiceName, ctx.storageBytes, ctx.adminCredentials.secretName, ctx.resources]).toEqual([
      `db-headless.${NS}.svc.cluster.local`, 'db-headless', 10 * 2 ** 30, 'db-admin-credentials', ENGINE_PRESETS.postgres.resources,
    ]);
    const redis = settings({ name: 'cache', resources: 'small' }, 'redis');
    const redisCtx = engineContext(redis, credentialsIn(new Construct(c, 'cache'), redis));
    expect([redisCtx.directHost, redisCtx.adminCredentials.secretName, redisCtx.resources]).toEqual(['cache', 'cache-credentials', SIZE_PRESETS.small]);
  });
});
