import { Chart } from 'cdk8s';
import { checksum } from '../constructs/core/checksum';
import { Connections, workloadNetworkPolicy } from '../constructs/core/connections';
import { checkEnv, EnvValue, renderEnv } from '../constructs/core/env';
import { Problems } from '../constructs/core/errors';
import { StatefulStore, StatefulStoreProps } from '../constructs/stateful-store';
import { WebService } from '../constructs/web-service';
import { Manifest } from '../synth/render';
import { schemaErrors } from './schema-check';
import { get, jobNamed, namespacedChart, ofKind, one, synth, problemsOf } from './util';

const EXTERNAL = { mode: 'external', clusterSecretStore: 'berth-prod' } as const;
const DEV = { credentials: { mode: 'generated' }, allowGeneratedCredentials: true } as const;
/** Neither Argo CD nor Flux prunes or deletes it. */
const KEEP = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };

function build(props: StatefulStoreProps, namespace = 'giia-prod', chart: Chart = namespacedChart(namespace)) {
  const store = new StatefulStore(chart, props.name ?? props.engine, props);
  return { chart, store, out: synth(chart) };
}


const secretRef = (name: string, key: string) => ({ valueFrom: { secretKeyRef: { name, key } } });
const podSpec = (sts: Manifest) => get(sts, 'spec', 'template', 'spec');
const container = (sts: Manifest, i = 0) => podSpec(sts).containers[i];
const timing = (failureThreshold: number) => ({ initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 5, failureThreshold });
const restricted = (uid: number, gid: number) => ({
  allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
  runAsUser: uid, runAsGroup: gid, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
});
/** The labels of a store's objects; with `version`, of its workloads and their pod templates. */
const labels = (name: string, component: string, version?: string, instance = 'giia-prod') => ({
  'app.kubernetes.io/name': name,
  'app.kubernetes.io/instance': instance,
  'app.kubernetes.io/component': component,
  'app.kubernetes.io/part-of': instance,
  'app.kubernetes.io/managed-by': 'berth',
  ...(version !== undefined ? { 'app.kubernetes.io/version': version } : {}),
});
const tmpDir = (name: string, size = '256Mi') => ({ name, emptyDir: { sizeLimit: size } });

describe('postgres preset', () => {
  const { out, store } = build({ engine: 'postgres', credentials: EXTERNAL, postgres: { database: 'giia', username: 'giia', schemas: ['auth', 'ai_agent'] } });
  const sts = one(out, 'StatefulSet', 'postgres');

  test('StatefulSet: one ordered replica, claims retained on delete and scale-down, immutable-safe claim labels', () => {
    const { template, ...spec } = sts.spec as Record<string, unknown>;
    expect(sts.metadata.labels).toEqual(labels('postgres', 'database', '18.6-alpine3.24'));
    expect(spec).toEqual({
      serviceName: 'postgres-headless',
      replicas: 1,
      podManagementPolicy: 'OrderedReady',
      updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
      persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Retain' },
      revisionHistoryLimit: 5,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'giia-prod' } },
      volumeClaimTemplates: [{
        // apiVersion, kind and status as the API server stores them (see docs/deployment.md).
        apiVersion: 'v1',
        kind: 'PersistentVolumeClaim',
        metadata: { name: 'data', labels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'giia-prod' } },
        spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', resources: { requests: { storage: '10Gi' } } },
        status: { phase: 'Pending' },
      }],
    });
  });

  test('pod: restricted as the image user 70 with fsGroup, no API token, no service links', () => {
    const { containers, volumes, ...pod } = podSpec(sts);
    expect(pod).toEqual({
      serviceAccountName: 'postgres',
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      securityContext: {
        runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, fsGroup: 70, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' },
      },
      terminationGracePeriodSeconds: 120,
    });
    expect(containers).toHaveLength(1);
    expect(volumes).toEqual([
      { name: 'config', configMap: { name: 'postgres-config', items: [{ key: 'postgresql.conf', path: 'postgresql.conf' }] } },
      { name: 'initdb', configMap: { name: 'postgres-config', items: [{ key: '00-berth-app-role.sh', path: '00-berth-app-role.sh' }] } },
      tmpDir('var-run-postgresql'),
      tmpDir('tmp'),
      { name: 'dshm', emptyDir: { medium: 'Memory', sizeLimit: '256Mi' } },
    ]);
  });

  test('container: superuser and application role from their Secrets, PGDATA under the mount, pg_isready probes, writable dirs only where needed', () => {
    const isReady = { exec: { command: ['/bin/sh', '-c', 'exec pg_isready -q -h 127.0.0.1 -p 5432 -U "$POSTGRES_USER" -d "$POSTGRES_DB"'] } };
    expect(container(sts)).toEqual({
      name: 'postgres',
      image: 'postgres:18.6-alpine3.24',
      imagePullPolicy: 'IfNotPresent',
      args: ['postgres', '-c', 'config_file=/etc/postgresql/postgresql.conf'],
      ports: [{ name: 'postgres', containerPort: 5432, protocol: 'TCP' }],
      env: [
        { name: 'POSTGRES_USER', ...secretRef('postgres-admin-credentials', 'username') },
        { name: 'POSTGRES_PASSWORD', ...secretRef('postgres-admin-credentials', 'password') },
        { name: 'POSTGRES_DB', value: 'giia' },
        { name: 'POSTGRES_INITDB_ARGS', value: '--auth-host=scram-sha-256 --encoding=UTF8 --locale-provider=builtin --builtin-locale=C.UTF-8' },
        { name: 'PGDATA', value: '/var/lib/postgresql/18/docker' },
        { name: 'BERTH_APP_USER', ...secretRef('postgres-credentials', 'username') },
        { name: 'BERTH_APP_PASSWORD', ...secretRef('postgres-credentials', 'password') },
      ],
      resources: { requests: { cpu: '250m', memory: '1Gi', 'ephemeral-storage': '576Mi' }, limits: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '576Mi' } },
      securityContext: restricted(70, 70),
      startupProbe: { ...isReady, ...timing(90) },
      readinessProbe: { ...isReady, ...timing(3) },
      livenessProbe: { tcpSocket: { port: 'postgres' }, ...timing(6) },
      volumeMounts: [
        { name: 'data', mountPath: '/var/lib/postgresql' },
        { name: 'config', mountPath: '/etc/postgresql', readOnly: true },
        { name: 'initdb', mountPath: '/docker-entrypoint-initdb.d', readOnly: true },
        { name: 'var-run-postgresql', mountPath: '/var/run/postgresql' },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'dshm', mountPath: '/dev/shm' },
      ],
    });
  });

  test('config: postgresql.conf sized from the memory limit; initdb creates the application role owning the database and one schema per service; only runtime config rolls pods', () => {
    const cm = one(out, 'ConfigMap', 'postgres-config');
    const data = cm.data as Record<string, string>;
    expect(data['postgresql.conf']).toBe([
      '# Managed by berth; a change rolls the pods.',
      "listen_addresses = '*'",
      'port = 5432',
      "unix_socket_directories = '/var/run/postgresql'",
      'max_connections = 100',
      'shared_buffers = 256MB',
      'effective_cache_size = 512MB',
      'maintenance_work_mem = 64MB',
      "password_encryption = 'scram-sha-256'",
      'dynamic_shared_memory_type = posix',
      "log_destination = 'stderr'",
      'logging_collector = off',
      'log_min_duration_statement = 1000',
      "log_timezone = 'UTC'",
      "timezone = 'UTC'",
      '',
    ].join('\n'));
    expect(data['00-berth-app-role.sh']).toBe([
      '# Managed by berth: the application role and what it owns. Runs once, at init.',
      "docker_process_sql --dbname postgres <<'EOSQL'",
      '-- A failing statement is logged with its text: keep the password out of the log.',
      'SET log_min_error_statement = panic;',
      '\\set app_user `printenv BERTH_APP_USER`',
      '\\set app_password `printenv BERTH_APP_PASSWORD`',
      'CREATE ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :\'app_password\';',
      'ALTER DATABASE "giia" OWNER TO :"app_user";',
      '\\connect "giia"',
      'CREATE SCHEMA IF NOT EXISTS "auth" AUTHORIZATION :"app_user";',
      'CREATE SCHEMA IF NOT EXISTS "ai_agent" AUTHORIZATION :"app_user";',
      'EOSQL',
      '',
    ].join('\n'));
    expect(get(sts, 'spec', 'template', 'metadata', 'annotations')).toEqual({
      'checksum.berth.dev/config': checksum({ 'postgresql.conf': data['postgresql.conf'] }),
    });
    expect(cm.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '2' });
  });

  test('one database per service (shop), extra settings and init scripts', () => {
    const { out: o } = build({
      engine: 'postgres', credentials: EXTERNAL,
      postgres: { databases: ['users', 'orders'], settings: { max_connections: '300', work_mem: "'16MB'" }, initScripts: { '10-seed.sql': 'INSERT INTO t VALUES (1);' } },
    }, 'shop-prod');
    const data = one(o, 'ConfigMap').data as Record<string, string>;
    expect(data['00-berth-app-role.sh'].split('\n').slice(7, 11)).toEqual([
      'ALTER DATABASE "postgres" OWNER TO :"app_user";',
      'CREATE DATABASE "users" OWNER :"app_user";',
      'CREATE DATABASE "orders" OWNER :"app_user";',
      'EOSQL',
    ]);
    expect(data['10-seed.sql']).toBe('INSERT INTO t VALUES (1);');
    expect(data['postgresql.conf']).toContain('max_connections = 300\n');
    expect(data['postgresql.conf']).toContain("work_mem = '16MB'\n");
    expect(podSpec(one(o, 'StatefulSet')).volumes[1].configMap.items.map((i: { key: string }) => i.key)).toEqual(['00-berth-app-role.sh', '10-seed.sql']);
  });

  test('a pre-18 image keeps its VOLUME layout and libc locale', () => {
    const { out: o } = build({ engine: 'postgres', credentials: EXTERNAL, image: 'postgres:16.10-alpine' });
    const c = container(one(o, 'StatefulSet'));
    expect(c.volumeMounts[0]).toEqual({ name: 'data', mountPath: '/var/lib/postgresql/data' });
    expect(c.env.slice(3, 5)).toEqual([
      { name: 'POSTGRES_INITDB_ARGS', value: '--auth-host=scram-sha-256 --encoding=UTF8 --locale=C.UTF-8' },
      { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
    ]);
  });

  test('headless Service for pod identities and a client Service named after the store', () => {
    expect(one(out, 'Service', 'postgres-headless').spec).toEqual({
      clusterIP: 'None',
      publishNotReadyAddresses: true,
      selector: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'giia-prod' },
      ports: [{ name: 'postgres', port: 5432, targetPort: 5432, protocol: 'TCP' }],
    });
    expect(one(out, 'Service', 'postgres').spec).toEqual({
      type: 'ClusterIP',
      selector: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'giia-prod' },
      ports: [{ name: 'postgres', port: 5432, targetPort: 5432, protocol: 'TCP' }],
    });
    expect(one(out, 'ServiceAccount', 'postgres').automountServiceAccountToken).toBe(false);
    expect([store.host, store.port, store.secretName, store.serviceName, store.database]).toEqual([
      'postgres.giia-prod.svc.cluster.local', 5432, 'postgres-credentials', 'postgres', 'giia',
    ]);
  });

  test('sync waves: config and credentials first, then the store', () => {
    const waves = Object.fromEntries(out.map((m) => [`${m.kind}/${m.metadata.name}`, m.metadata.annotations?.['argocd.argoproj.io/sync-wave']]));
    expect(waves).toEqual({
      'ExternalSecret/postgres-credentials': '2',
      'ExternalSecret/postgres-admin-credentials': '2',
      'ConfigMap/postgres-config': '2',
      'ServiceAccount/postgres': undefined,
      'Service/postgres-headless': '3',
      'Service/postgres': '3',
      'StatefulSet/postgres': '3',
      'NetworkPolicy/postgres': undefined,
    });
  });
});

describe('redis preset', () => {
  const { out, store } = build({ engine: 'redis', ...DEV }, 'todo-chatbot-dev');
  const sts = one(out, 'StatefulSet', 'redis');

  test('AOF persistence, maxmemory at 75% of the limit, no eviction', () => {
    expect((one(out, 'ConfigMap', 'redis-config').data as Record<string, string>)['redis.conf']).toBe([
      '# Managed by berth; a change rolls the pods.',
      'bind * -::*',
      'port 6379',
      'protected-mode yes',
      'dir /data',
      'appendonly yes',
      'appendfsync everysec',
      'aof-use-rdb-preamble yes',
      'save 3600 1 300 100 60 10000',
      'maxmemory 192mb',
      'maxmemory-policy noeviction',
      'tcp-keepalive 300',
      '',
    ].join('\n'));
  });

  test('requirepass expanded by the kubelet from the Secret; authenticated ping probes; image user 999/1000', () => {
    const ping = { exec: { command: ['/bin/sh', '-c', 'redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG'] } };
    expect(container(sts)).toEqual({
      name: 'redis',
      image: 'redis:8.8.3-alpine',
      imagePullPolicy: 'IfNotPresent',
      args: ['redis-server', '/etc/redis/redis.conf', '--requirepass', '$(REDIS_PASSWORD)'],
      ports: [{ name: 'redis', containerPort: 6379, protocol: 'TCP' }],
      env: [
        { name: 'REDIS_PASSWORD', ...secretRef('redis-credentials', 'password') },
        { name: 'REDISCLI_AUTH', ...secretRef('redis-credentials', 'password') },
      ],
      resources: { requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '64Mi' }, limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '64Mi' } },
      securityContext: restricted(999, 1000),
      startupProbe: { ...ping, ...timing(90) },
      readinessProbe: { ...ping, ...timing(3) },
      livenessProbe: { tcpSocket: { port: 'redis' }, ...timing(6) },
      volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'config', mountPath: '/etc/redis', readOnly: true }],
    });
    expect(podSpec(sts).securityContext.fsGroup).toBe(1000);
    expect(get(sts, 'spec', 'volumeClaimTemplates', 0, 'spec', 'resources')).toEqual({ requests: { storage: '1Gi' } });
    expect(store.port).toBe(6379);
  });

  test('a cache can evict and skip AOF', () => {
    const { out: o } = build({ engine: 'redis', ...DEV, redis: { appendOnly: false, maxmemoryPolicy: 'allkeys-lru' } });
    const conf = (one(o, 'ConfigMap').data as Record<string, string>)['redis.conf'];
    expect(conf).toContain('appendonly no\n');
    expect(conf).toContain('maxmemory-policy allkeys-lru\n');
  });
});

describe('nats preset', () => {
  test('JetStream on the volume, auth included from the Secret, monitoring-endpoint probes, lame duck on stop', () => {
    const { out } = build({ engine: 'nats', credentials: EXTERNAL });
    const sts = one(out, 'StatefulSet', 'nats');
    expect((one(out, 'ConfigMap', 'nats-config').data as Record<string, string>)['nats.conf']).toBe([
      '# Managed by berth; a change rolls the pods. $SERVER_NAME comes from the environment.',
      'server_name: $SERVER_NAME',
      'listen: 0.0.0.0:4222',
      'http_port: 8222',
      'pid_file: "/var/run/nats/nats.pid"',
      'lame_duck_duration: "30s"',
      'lame_duck_grace_period: "10s"',
      'include "auth.conf"',
      'jetstream {',
      '  store_dir: "/data/jetstream"',
      '  max_file_store: 966367641',
      '  max_memory_store: 134217728',
      '}',
      '',
    ].join('\n'));
    const http = (path: string) => ({ httpGet: { path, port: 'monitor', scheme: 'HTTP' } });
    expect(container(sts)).toEqual({
      name: 'nats',
      image: 'nats:2.14.5-alpine',
      imagePullPolicy: 'IfNotPresent',
      args: ['nats-server', '--config', '/etc/nats/nats.conf'],
      ports: [
        { name: 'nats', containerPort: 4222, protocol: 'TCP' },
        { name: 'monitor', containerPort: 8222, protocol: 'TCP' },
      ],
      env: [
        { name: 'SERVER_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
        { name: 'GOMEMLIMIT', value: '460MiB' },
      ],
      resources: { requests: { cpu: '100m', memory: '512Mi', 'ephemeral-storage': '320Mi' }, limits: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '320Mi' } },
      securityContext: restricted(10001, 10001),
      startupProbe: { ...http('/healthz'), ...timing(90) },
      readinessProbe: { ...http('/healthz?js-server-only=true'), ...timing(3) },
      livenessProbe: { ...http('/healthz?js-enabled-only=true'), ...timing(6) },
      lifecycle: { preStop: { exec: { command: ['nats-server', '--signal', 'ldm=/var/run/nats/nats.pid'] } } },
      volumeMounts: [
        { name: 'data', mountPath: '/data' },
        { name: 'config', mountPath: '/etc/nats', readOnly: true },
        { name: 'var-run-nats', mountPath: '/var/run/nats' },
      ],
    });
    expect(podSpec(sts).volumes).toEqual([
      {
        name: 'config',
        projected: {
          sources: [
            { configMap: { name: 'nats-config', items: [{ key: 'nats.conf', path: 'nats.conf' }] } },
            { secret: { name: 'nats-credentials', items: [{ key: 'auth.conf', path: 'auth.conf' }] } },
          ],
        },
      },
      tmpDir('var-run-nats'),
    ]);
    expect(one(out, 'Service', 'nats').spec).toEqual(expect.objectContaining({ ports: [{ name: 'nats', port: 4222, targetPort: 4222, protocol: 'TCP' }] }));
    expect(one(out, 'Service', 'nats-headless').spec).toEqual(expect.objectContaining({
      // The monitoring endpoint is the kubelet's and a local exporter's: on no Service.
      ports: [{ name: 'nats', port: 4222, targetPort: 4222, protocol: 'TCP' }],
    }));
    expect(ofKind(out, 'PodDisruptionBudget')).toEqual([]);
  });

  test('auth.conf: the credentials as quoted strings, never re-read as numbers or variables; rendered by External Secrets outside dev', () => {
    const es = one(build({ engine: 'nats', credentials: EXTERNAL }).out, 'ExternalSecret', 'nats-credentials');
    expect(get(es, 'spec', 'target', 'template')).toEqual({
      mergePolicy: 'Merge',
      data: {
        'username': 'nats',
        'url': 'nats://nats:{{ index . "password" | urlquery | replace "+" "%20" }}@nats.giia-prod.svc.cluster.local:4222',
        'auth.conf': [
          '# Managed by berth: the credentials from the Secret, included by nats.conf.',
          'authorization {',
          '  user: "nats"',
          String.raw`  password: "{{ index . "password" | replace "\\" "\\\\" | replace "\"" "\\\"" }}"`,
          '}',
          '',
        ].join('\n'),
      },
    });
    const data = one(build({ engine: 'nats', ...DEV }, 'giia-dev').out, 'Secret', 'nats-credentials').data as Record<string, string>;
    const decoded = (key: string) => Buffer.from(data[key], 'base64').toString();
    expect(decoded('auth.conf')).toBe(`# Managed by berth: the credentials from the Secret, included by nats.conf.\nauthorization {\n  user: "nats"\n  password: "${decoded('password')}"\n}\n`);
  });

  test('a cluster: routes to every peer, parallel start, spread, a drain-safe PDB and peer traffic on 6222', () => {
    const { out } = build({ engine: 'nats', credentials: EXTERNAL, replicas: 3, nats: { cluster: true } });
    const sts = one(out, 'StatefulSet', 'nats');
    expect((one(out, 'ConfigMap').data as Record<string, string>)['nats.conf']).toContain([
      'cluster {',
      '  name: nats',
      '  listen: 0.0.0.0:6222',
      '  connect_retries: 120',
      '  routes: [',
      '    nats://nats-0.nats-headless.giia-prod.svc.cluster.local:6222',
      '    nats://nats-1.nats-headless.giia-prod.svc.cluster.local:6222',
      '    nats://nats-2.nats-headless.giia-prod.svc.cluster.local:6222',
      '  ]',
      '}',
    ].join('\n'));
    expect(get(sts, 'spec', 'podManagementPolicy')).toBe('Parallel');
    expect(get(sts, 'spec', 'replicas')).toBe(3);
    expect(podSpec(sts).topologySpreadConstraints.map((c: { topologyKey: string }) => c.topologyKey)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
    const selector = { 'app.kubernetes.io/name': 'nats', 'app.kubernetes.io/instance': 'giia-prod' };
    expect(one(out, 'PodDisruptionBudget', 'nats').spec).toEqual({ maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' });
    expect(one(out, 'PodDisruptionBudget').metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '3' });
    const np = one(out, 'NetworkPolicy', 'nats').spec as Record<string, unknown>;
    expect(np.ingress).toEqual([{ from: [{ podSelector: { matchLabels: selector } }], ports: [{ port: 6222, protocol: 'TCP' }] }]);
    expect(np.egress).toEqual([{ to: [{ podSelector: { matchLabels: selector } }], ports: [{ port: 6222, protocol: 'TCP' }] }]);
    expect(get(one(out, 'Service', 'nats-headless'), 'spec', 'ports').map((p: { name: string }) => p.name)).toEqual(['nats', 'cluster']);
  });
});

describe('neo4j preset', () => {
  const { out, store } = build({ engine: 'neo4j', credentials: EXTERNAL }, 'nexus-prod');
  const sts = one(out, 'StatefulSet', 'neo4j');

  test('settings through the image entrypoint (NEO4J_* from the ConfigMap), heap and page cache from the limit', () => {
    expect(one(out, 'ConfigMap', 'neo4j-config').data).toEqual({
      NEO4J_server_memory_heap_initial__size: '819m',
      NEO4J_server_memory_heap_max__size: '819m',
      NEO4J_server_memory_pagecache_size: '819m',
      NEO4J_server_directories_run: '/var/lib/neo4j/run',
      NEO4J_server_jvm_additional: '-XX:+ExitOnOutOfMemoryError',
    });
  });

  test('initial password from the Secret via $(…), a writable conf copy seeded by an init container, HTTP probes', () => {
    const http = { httpGet: { path: '/', port: 'http', scheme: 'HTTP' } };
    expect(container(sts)).toEqual({
      name: 'neo4j',
      image: 'neo4j:5.26.31-community',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name: 'bolt', containerPort: 7687, protocol: 'TCP' }, { name: 'http', containerPort: 7474, protocol: 'TCP' }],
      env: [
        { name: 'AUTH_PASSWORD', ...secretRef('neo4j-credentials', 'password') },
        { name: 'NEO4J_AUTH', value: 'neo4j/$(AUTH_PASSWORD)' },
      ],
      envFrom: [{ configMapRef: { name: 'neo4j-config' } }],
      resources: { requests: { cpu: '500m', memory: '2Gi', 'ephemeral-storage': '1856Mi' }, limits: { cpu: '2', memory: '2Gi', 'ephemeral-storage': '1856Mi' } },
      securityContext: restricted(7474, 7474),
      startupProbe: { ...http, ...timing(90) },
      readinessProbe: { ...http, ...timing(3) },
      livenessProbe: { tcpSocket: { port: 'bolt' }, ...timing(6) },
      volumeMounts: [
        { name: 'data', mountPath: '/data' },
        { name: 'var-lib-neo4j-conf', mountPath: '/var/lib/neo4j/conf' },
        { name: 'var-lib-neo4j-run', mountPath: '/var/lib/neo4j/run' },
        { name: 'tmp', mountPath: '/tmp' },
        { name: 'logs', mountPath: '/logs' },
      ],
    });
    expect(podSpec(sts).initContainers).toEqual([{
      name: 'seed-conf',
      image: 'neo4j:5.26.31-community',
      imagePullPolicy: 'IfNotPresent',
      command: ['cp', '-R', '/var/lib/neo4j/conf/.', '/seed/'],
      resources: { requests: { cpu: '10m', memory: '32Mi', 'ephemeral-storage': '320Mi' }, limits: { cpu: '100m', memory: '64Mi', 'ephemeral-storage': '320Mi' } },
      securityContext: restricted(7474, 7474),
      volumeMounts: [{ name: 'var-lib-neo4j-conf', mountPath: '/seed' }],
    }]);
    expect(podSpec(sts).volumes).toEqual([tmpDir('var-lib-neo4j-conf'), tmpDir('var-lib-neo4j-run'), tmpDir('tmp'), tmpDir('logs', '1Gi')]);
    expect(one(out, 'Service', 'neo4j').spec).toEqual(expect.objectContaining({
      ports: [{ name: 'bolt', port: 7687, targetPort: 7687, protocol: 'TCP' }, { name: 'http', port: 7474, targetPort: 7474, protocol: 'TCP' }],
    }));
    expect(store.port).toBe(7687);
  });
});

describe('defaults (one per @default)', () => {
  test('name: the engine name', () => {
    expect(build({ engine: 'redis', credentials: EXTERNAL }).store.storeName).toBe('redis');
  });
  test('image: each engine\'s pinned official image', () => {
    const images = (['postgres', 'redis', 'nats', 'neo4j'] as const).map((engine) => container(one(build({ engine, credentials: EXTERNAL }).out, 'StatefulSet')).image);
    expect(images).toEqual(['postgres:18.6-alpine3.24', 'redis:8.8.3-alpine', 'nats:2.14.5-alpine', 'neo4j:5.26.31-community']);
  });
  test('allowMutableImageTags: false', () => {
    expect(problemsOf(() => build({ engine: 'redis', credentials: EXTERNAL, image: 'redis:latest' }))).toEqual([
      "[giia-prod/redis] 'image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received \"redis:latest\"",
    ]);
    expect(container(one(build({ engine: 'redis', credentials: EXTERNAL, image: 'redis:latest', allowMutableImageTags: true }).out, 'StatefulSet')).image).toBe('redis:latest');
  });
  test('replicas: 1, and no PDB or spread for one replica', () => {
    const { out } = build({ engine: 'postgres', credentials: EXTERNAL });
    expect(get(one(out, 'StatefulSet'), 'spec', 'replicas')).toBe(1);
    expect(podSpec(one(out, 'StatefulSet')).topologySpreadConstraints).toBeUndefined();
    expect(ofKind(out, 'PodDisruptionBudget')).toEqual([]);
  });
  test('storage.size: the engine\'s size', () => {
    const sizes = (['postgres', 'redis', 'nats', 'neo4j'] as const).map((engine) =>
      get(one(build({ engine, credentials: EXTERNAL }).out, 'StatefulSet'), 'spec', 'volumeClaimTemplates', 0, 'spec', 'resources', 'requests', 'storage'));
    expect(sizes).toEqual(['10Gi', '1Gi', '1Gi', '10Gi']);
  });
  test('storage.storageClass: the cluster default (unset), or the one given', () => {
    const claim = (props: Partial<StatefulStoreProps>) =>
      get(one(build({ engine: 'postgres', credentials: EXTERNAL, ...props }).out, 'StatefulSet'), 'spec', 'volumeClaimTemplates', 0, 'spec');
    expect(claim({}).storageClassName).toBeUndefined();
    expect(claim({ storage: { storageClass: 'premium-rwo', size: '100Gi' } })).toEqual({
      accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', storageClassName: 'premium-rwo', resources: { requests: { storage: '100Gi' } },
    });
  });
  test('resources: the engine\'s, memory request = limit', () => {
    const res = (['postgres', 'redis', 'nats', 'neo4j'] as const).map((engine) => container(one(build({ engine, credentials: EXTERNAL }).out, 'StatefulSet')).resources);
    expect(res).toEqual([
      { requests: { cpu: '250m', memory: '1Gi', 'ephemeral-storage': '576Mi' }, limits: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '576Mi' } },
      { requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '64Mi' }, limits: { cpu: '500m', memory: '256Mi', 'ephemeral-storage': '64Mi' } },
      { requests: { cpu: '100m', memory: '512Mi', 'ephemeral-storage': '320Mi' }, limits: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '320Mi' } },
      { requests: { cpu: '500m', memory: '2Gi', 'ephemeral-storage': '1856Mi' }, limits: { cpu: '2', memory: '2Gi', 'ephemeral-storage': '1856Mi' } },
    ]);
  });
  test('allowGeneratedCredentials: false', () => {
    expect(problemsOf(() => build({ engine: 'postgres', credentials: { mode: 'generated' } }))).toEqual([
      "[giia-prod/postgres] 'credentials.mode' is a plaintext credential mode, allowed only where allowGenerated is true (dev); use 'external', 'sealed' or 'existing' outside dev, received \"generated\"",
    ]);
  });
  test('postgres.database: the store name with - as _', () => {
    const { store, out } = build({ name: 'orders-db', engine: 'postgres', credentials: EXTERNAL }, 'shop-prod');
    expect(store.database).toBe('orders_db');
    expect(container(one(out, 'StatefulSet')).env[2]).toEqual({ name: 'POSTGRES_DB', value: 'orders_db' });
  });
  test('postgres.username: app, the application role, written into <name>-credentials as a fixed value', () => {
    const { out } = build({ engine: 'postgres', credentials: EXTERNAL });
    expect(get(one(out, 'ExternalSecret', 'postgres-credentials'), 'spec', 'target', 'template', 'data')).toEqual({
      username: 'app',
      url: 'postgresql://app:{{ index . "password" | urlquery | replace "+" "%20" }}@postgres.giia-prod.svc.cluster.local:5432/postgres',
    });
  });
  test('postgres.adminUsername: postgres, the superuser, written into <name>-admin-credentials as a fixed value', () => {
    const { out } = build({ engine: 'postgres', credentials: EXTERNAL });
    expect(get(one(out, 'ExternalSecret', 'postgres-admin-credentials'), 'spec', 'target', 'template', 'data')).toEqual({ username: 'postgres' });
  });
  test('postgres.adminCredentials: the credentials source when generated or external, under its own name; required when sealed or existing', () => {
    const es = one(build({ engine: 'postgres', credentials: { ...EXTERNAL, remotePrefix: 'apps/', refreshInterval: '15m' } }).out, 'ExternalSecret', 'postgres-admin-credentials');
    expect(es.spec).toEqual({
      refreshInterval: '15m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'berth-prod' },
      target: { name: 'postgres-admin-credentials', creationPolicy: 'Owner', deletionPolicy: 'Retain', template: { mergePolicy: 'Merge', data: { username: 'postgres' } } },
      data: [{ secretKey: 'password', remoteRef: { key: 'apps/postgres-admin-credentials', property: 'password' } }],
    });
    const dev = build({ engine: 'postgres', ...DEV }, 'giia-dev').out;
    const password = (secret: string) => (one(dev, 'Secret', secret).data as Record<string, string>).password;
    expect(password('postgres-admin-credentials')).not.toBe(password('postgres-credentials'));
    expect(problemsOf(() => build({ engine: 'postgres', credentials: { mode: 'sealed', encryptedData: { password: 'AgB' } } }))).toEqual([
      "[giia-prod/postgres] 'postgres.adminCredentials' is required when credentials.mode is 'sealed' (the superuser has a Secret of its own), received undefined",
    ]);
    expect(problemsOf(() => build({ engine: 'postgres', credentials: { mode: 'existing', secretName: 'pg-app' } }))).toEqual([
      "[giia-prod/postgres] 'postgres.adminCredentials' is required when credentials.mode is 'existing' (the superuser has a Secret of its own), received undefined",
    ]);
  });
  test('postgres.schemas: none, so the init script creates none', () => {
    const { out } = build({ engine: 'postgres', credentials: EXTERNAL });
    expect((one(out, 'ConfigMap').data as Record<string, string>)['00-berth-app-role.sh'].split('\n').slice(6)).toEqual([
      'CREATE ROLE :"app_user" LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :\'app_password\';',
      'ALTER DATABASE "postgres" OWNER TO :"app_user";',
      'EOSQL',
      '',
    ]);
  });
  test('postgres.databases: none beyond postgres.database', () => {
    const { out, store } = build({ engine: 'postgres', credentials: EXTERNAL, postgres: { schemas: ['auth'] } });
    expect((one(out, 'ConfigMap').data as Record<string, string>)['00-berth-app-role.sh'].split('\n').slice(7, 10)).toEqual([
      'ALTER DATABASE "postgres" OWNER TO :"app_user";',
      '\\connect "postgres"',
      'CREATE SCHEMA IF NOT EXISTS "auth" AUTHORIZATION :"app_user";',
    ]);
    expect(problemsOf(() => store.connectionEnv({ database: 'other' }))).toEqual([
      "[giia-prod/postgres] 'database' must be one of this store's databases (postgres), received \"other\"",
    ]);
  });
  test('postgres.initScripts: none, so initdb runs berth\'s script only', () => {
    const { out } = build({ engine: 'postgres', credentials: EXTERNAL });
    expect(Object.keys(one(out, 'ConfigMap').data as object).sort()).toEqual(['00-berth-app-role.sh', 'postgresql.conf']);
    expect(podSpec(one(out, 'StatefulSet')).volumes[1]).toEqual(
      { name: 'initdb', configMap: { name: 'postgres-config', items: [{ key: '00-berth-app-role.sh', path: '00-berth-app-role.sh' }] } });
  });
  test('postgres.settings: none beyond berth\'s', () => {
    const conf = (one(build({ engine: 'postgres', credentials: EXTERNAL }).out, 'ConfigMap').data as Record<string, string>)['postgresql.conf'];
    expect(conf.split('\n').filter((l) => l.includes(' = ')).map((l) => l.split(' = ')[0])).toEqual([
      'listen_addresses', 'port', 'unix_socket_directories', 'max_connections', 'shared_buffers', 'effective_cache_size', 'maintenance_work_mem',
      'password_encryption', 'dynamic_shared_memory_type', 'log_destination', 'logging_collector', 'log_min_duration_statement', 'log_timezone', 'timezone',
    ]);
  });
  test('postgres.initdbArgs: scram for TCP and the builtin C.UTF-8 locale; overridable', () => {
    const args = (p: Partial<StatefulStoreProps>) => container(one(build({ engine: 'postgres', credentials: EXTERNAL, ...p }).out, 'StatefulSet')).env[3].value;
    expect(args({})).toBe('--auth-host=scram-sha-256 --encoding=UTF8 --locale-provider=builtin --builtin-locale=C.UTF-8');
    expect(args({ postgres: { initdbArgs: '--data-checksums' } })).toBe('--data-checksums');
  });
  test('redis.appendOnly: true', () => {
    expect((one(build({ engine: 'redis', credentials: EXTERNAL }).out, 'ConfigMap').data as Record<string, string>)['redis.conf']).toContain('appendonly yes\n');
  });
  test('redis.maxmemoryPolicy: noeviction', () => {
    expect((one(build({ engine: 'redis', credentials: EXTERNAL }).out, 'ConfigMap').data as Record<string, string>)['redis.conf']).toContain('maxmemory-policy noeviction\n');
  });
  test('nats.cluster: false (no cluster block, no cluster port)', () => {
    const { out } = build({ engine: 'nats', credentials: EXTERNAL });
    expect((one(out, 'ConfigMap').data as Record<string, string>)['nats.conf']).not.toContain('cluster {');
    expect(container(one(out, 'StatefulSet')).ports.map((p: { name: string }) => p.name)).toEqual(['nats', 'monitor']);
  });
  test('neo4j.apoc: on with backups, off without, overridable', () => {
    const plugins = (p: Partial<StatefulStoreProps>) => (one(build({ engine: 'neo4j', credentials: EXTERNAL, ...p }).out, 'ConfigMap', 'neo4j-config').data as Record<string, string>).NEO4J_PLUGINS;
    expect(plugins({})).toBeUndefined();
    expect(plugins({ backup: {} })).toBe('["apoc"]');
    expect(plugins({ neo4j: { apoc: true } })).toBe('["apoc"]');
    expect(podSpec(one(build({ engine: 'neo4j', credentials: EXTERNAL, backup: {} }).out, 'StatefulSet')).volumes.map((v: { name: string }) => v.name))
      .toEqual(['var-lib-neo4j-conf', 'var-lib-neo4j-run', 'tmp', 'plugins', 'logs']);
  });
  test('podManagementPolicy: OrderedReady (Parallel for a NATS cluster), or as given', () => {
    const policy = (p: StatefulStoreProps) => get(one(build(p).out, 'StatefulSet'), 'spec', 'podManagementPolicy');
    expect(policy({ engine: 'postgres', credentials: EXTERNAL })).toBe('OrderedReady');
    expect(policy({ engine: 'nats', credentials: EXTERNAL, replicas: 3, nats: { cluster: true } })).toBe('Parallel');
    expect(policy({ engine: 'postgres', credentials: EXTERNAL, podManagementPolicy: 'Parallel' })).toBe('Parallel');
  });
  test('terminationGracePeriodSeconds: 120', () => {
    expect(podSpec(one(build({ engine: 'neo4j', credentials: EXTERNAL }).out, 'StatefulSet')).terminationGracePeriodSeconds).toBe(120);
    expect(podSpec(one(build({ engine: 'neo4j', credentials: EXTERNAL, terminationGracePeriodSeconds: 300 }).out, 'StatefulSet')).terminationGracePeriodSeconds).toBe(300);
  });
  test('runAs: the image user, or the one given (a Debian postgres image)', () => {
    const ctx = (p: StatefulStoreProps) => podSpec(one(build(p).out, 'StatefulSet')).securityContext;
    expect((['postgres', 'redis', 'nats', 'neo4j'] as const).map((engine) => ctx({ engine, credentials: EXTERNAL }).fsGroup)).toEqual([70, 1000, 10001, 7474]);
    const debian = build({ engine: 'postgres', credentials: EXTERNAL, image: 'postgres:18.6-trixie', runAs: { uid: 999, gid: 999, fsGroup: 999 } }).out;
    expect(podSpec(one(debian, 'StatefulSet')).securityContext).toEqual(expect.objectContaining({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 }));
    expect(container(one(debian, 'StatefulSet')).securityContext).toEqual(restricted(999, 999));
  });
  test('backup: none', () => {
    const { out, store } = build({ engine: 'postgres', credentials: EXTERNAL });
    expect([ofKind(out, 'CronJob'), ofKind(out, 'PersistentVolumeClaim'), ofKind(out, 'Job')]).toEqual([[], [], []]);
    expect([store.backupCronJob, store.backupBindJob]).toEqual([undefined, undefined]);
  });
  test('metrics: none (one container, no metrics port, no ServiceMonitor)', () => {
    const { out } = build({ engine: 'redis', credentials: EXTERNAL });
    expect(podSpec(one(out, 'StatefulSet')).containers).toHaveLength(1);
    expect(get(one(out, 'Service', 'redis'), 'spec', 'ports')).toHaveLength(1);
    expect(ofKind(out, 'ServiceMonitor')).toEqual([]);
  });
  test('meshSidecar: false, so backup and bind pods run their command directly, without proxy annotations', () => {
    const { out } = build({ engine: 'postgres', credentials: EXTERNAL, backup: {} });
    const template = get(one(out, 'CronJob', 'postgres-backup'), 'spec', 'jobTemplate', 'spec', 'template');
    expect([template.metadata.annotations, template.spec.containers[0].command]).toEqual([undefined, ['/bin/sh', '/scripts/backup.sh']]);
    const bind = get(jobNamed(out, 'postgres-backups-bind'), 'spec', 'template');
    expect([bind.metadata.annotations, bind.spec.containers[0].command]).toEqual([undefined, ['true']]);
  });
  test('clusterDomain: cluster.local', () => {
    expect(build({ engine: 'redis', credentials: EXTERNAL }).store.host).toBe('redis.giia-prod.svc.cluster.local');
    expect(build({ engine: 'redis', credentials: EXTERNAL, clusterDomain: 'corp.internal' }).store.host).toBe('redis.giia-prod.svc.corp.internal');
  });
});

describe('credentials per environment', () => {
  test('dev: a generated Secret (deterministic, kept by Argo CD)', () => {
    const a = build({ engine: 'postgres', ...DEV }, 'giia-dev').out;
    const secret = one(a, 'Secret', 'postgres-credentials');
    expect(secret.metadata.annotations).toEqual({ ...KEEP, 'argocd.argoproj.io/sync-wave': '2' });
    expect(Buffer.from((secret.data as Record<string, string>).username, 'base64').toString()).toBe('app');
    expect((secret.data as Record<string, string>).password).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(build({ engine: 'postgres', ...DEV }, 'giia-dev').out).toEqual(a);
  });
  test('staging/prod: an ExternalSecret from the environment\'s ClusterSecretStore', () => {
    const es = one(build({ engine: 'redis', credentials: { mode: 'external', clusterSecretStore: 'berth-staging' } }, 'giia-staging').out, 'ExternalSecret');
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'berth-staging' },
      target: { name: 'redis-credentials', creationPolicy: 'Owner', deletionPolicy: 'Retain', template: { mergePolicy: 'Merge', data: {
        username: 'default',
        url: 'redis://default:{{ index . "password" | urlquery | replace "+" "%20" }}@redis.giia-staging.svc.cluster.local:6379/0',
      } } },
      data: [{ secretKey: 'password', remoteRef: { key: 'giia-staging/redis-credentials', property: 'password' } }],
    });
  });
  test('connection URLs: one key per host and database, the credentials URL-encoded, the same in dev as External Secrets renders', () => {
    const props = { engine: 'postgres', postgres: { database: 'giia', databases: ['analytics_db'], pooler: {} } } as const;
    const es = one(build({ ...props, credentials: EXTERNAL }).out, 'ExternalSecret', 'postgres-credentials');
    const data = get(es, 'spec', 'target', 'template', 'data') as Record<string, string>;
    const pw = '{{ index . "password" | urlquery | replace "+" "%20" }}';
    expect(Object.fromEntries(Object.entries(data).filter(([k]) => k.includes('url')))).toEqual({
      'url': `postgresql://app:${pw}@postgres.giia-prod.svc.cluster.local:5432/giia`,
      'url-analytics-db': `postgresql://app:${pw}@postgres.giia-prod.svc.cluster.local:5432/analytics_db`,
      'direct-url': `postgresql://app:${pw}@postgres-headless.giia-prod.svc.cluster.local:5432/giia`,
      'direct-url-analytics-db': `postgresql://app:${pw}@postgres-headless.giia-prod.svc.cluster.local:5432/analytics_db`,
    });
    const secret = one(build({ ...props, ...DEV }, 'giia-dev').out, 'Secret', 'postgres-credentials');
    const decoded = (key: string) => Buffer.from((secret.data as Record<string, string>)[key], 'base64').toString();
    expect(decoded('url')).toBe(`postgresql://app:${encodeURIComponent(decoded('password'))}@postgres.giia-dev.svc.cluster.local:5432/giia`);
  });
  test('sealed: a SealedSecret with the sealed password and the fixed user', () => {
    const s = one(build({ engine: 'neo4j', credentials: { mode: 'sealed', encryptedData: { password: 'AgCx' } } }, 'nexus-prod').out, 'SealedSecret');
    expect(get(s, 'spec', 'encryptedData')).toEqual({ password: 'AgCx' });
    expect(get(s, 'spec', 'template', 'data')).toEqual({ username: 'neo4j' });
  });
  test('existing: nothing emitted, the Secrets are declared external on the workloads that read them', () => {
    const { out, store } = build({
      engine: 'postgres', credentials: { mode: 'existing', secretName: 'platform-pg' },
      postgres: { adminCredentials: { mode: 'existing', secretName: 'platform-pg-admin' } }, backup: {},
    });
    expect([ofKind(out, 'Secret'), ofKind(out, 'ExternalSecret'), ofKind(out, 'SealedSecret')]).toEqual([[], [], []]);
    expect([store.secretName, store.adminSecretName]).toEqual(['platform-pg', 'platform-pg-admin']);
    expect(container(one(out, 'StatefulSet')).env[1]).toEqual({ name: 'POSTGRES_PASSWORD', ...secretRef('platform-pg-admin', 'password') });
    expect(container(one(out, 'StatefulSet')).env[6]).toEqual({ name: 'BERTH_APP_PASSWORD', ...secretRef('platform-pg', 'password') });
    for (const m of [one(out, 'StatefulSet'), one(out, 'CronJob', 'postgres-backup'), one(out, 'CronJob', 'postgres-restore')]) {
      expect(m.metadata.annotations?.['berth.dev/external-refs']).toBe('secret/platform-pg,secret/platform-pg-admin');
    }
    expect(jobNamed(out, 'postgres-backups-bind').metadata.annotations?.['berth.dev/external-refs']).toBeUndefined();
  });

  test('existing nats: the Secret must also hold auth.conf, which the pods mount', () => {
    const { out } = build({ engine: 'nats', credentials: { mode: 'existing', secretName: 'platform-nats' } });
    const sts = one(out, 'StatefulSet');
    expect(sts.metadata.annotations?.['berth.dev/external-refs']).toBe('secret/platform-nats');
    expect(get(podSpec(sts).volumes[0], 'projected', 'sources', 1)).toEqual({ secret: { name: 'platform-nats', items: [{ key: 'auth.conf', path: 'auth.conf' }] } });
  });

  test('existing application role with an external superuser: only the existing one is declared external', () => {
    const { out } = build({ engine: 'postgres', credentials: { mode: 'existing', secretName: 'platform-pg' }, postgres: { adminCredentials: EXTERNAL } });
    expect(one(out, 'ExternalSecret').metadata.name).toBe('postgres-admin-credentials');
    expect(one(out, 'StatefulSet').metadata.annotations?.['berth.dev/external-refs']).toBe('secret/platform-pg');
  });
});

describe('backups', () => {
  const { out, store } = build({ engine: 'postgres', credentials: EXTERNAL, postgres: { database: 'giia' }, backup: { schedule: '0 2 * * *', retain: 14, size: '50Gi' } });
  const backupLabels = labels('postgres-backup', 'backup', '18.6-alpine3.24');
  const backupSelector = { 'app.kubernetes.io/name': 'postgres-backup', 'app.kubernetes.io/instance': 'giia-prod' };
  const pod = (script: 'backup' | 'restore', env: object[]) => ({
    restartPolicy: 'Never',
    serviceAccountName: 'postgres-backup',
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, fsGroup: 70, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } },
    containers: [{
      name: script,
      image: 'postgres:18.6-alpine3.24',
      imagePullPolicy: 'IfNotPresent',
      command: ['/bin/sh', `/scripts/${script}.sh`],
      env: [
        { name: 'PGHOST', value: 'postgres' },
        { name: 'PGPORT', value: '5432' },
        { name: 'PGUSER', ...secretRef('postgres-admin-credentials', 'username') },
        { name: 'PGPASSWORD', ...secretRef('postgres-admin-credentials', 'password') },
        { name: 'PGDATABASE', value: 'giia' },
        { name: 'BERTH_APP_USER', ...secretRef('postgres-credentials', 'username') },
        { name: 'BACKUP_RETAIN', value: '14' },
        ...env,
      ],
      resources: { requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '320Mi' }, limits: { cpu: '1', memory: '256Mi', 'ephemeral-storage': '320Mi' } },
      securityContext: restricted(70, 70),
      volumeMounts: [{ name: 'backups', mountPath: '/backups' }, { name: 'scripts', mountPath: '/scripts', readOnly: true }, { name: 'tmp', mountPath: '/tmp' }],
    }],
    volumes: [
      { name: 'backups', persistentVolumeClaim: { claimName: 'postgres-backups' } },
      { name: 'scripts', configMap: { name: 'postgres-backup' } },
      tmpDir('tmp'),
    ],
  });

  test('a CronJob: pg_dump on schedule, Forbid overlap, deadlines, history limits, restricted pod', () => {
    const cron = one(out, 'CronJob', 'postgres-backup');
    // One session to the server, in its connection budget.
    expect(cron.metadata).toEqual({
      name: 'postgres-backup', namespace: 'giia-prod', labels: backupLabels,
      annotations: { 'argocd.argoproj.io/sync-wave': '3', 'berth.dev/connection-pools': 'postgres=1' },
    });
    expect(cron.spec).toEqual({
      schedule: '0 2 * * *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: backupLabels },
        spec: { backoffLimit: 1, activeDeadlineSeconds: 3600, template: { metadata: { labels: backupLabels }, spec: pod('backup', []) } },
      },
    });
    expect(store.backupCronJob).toBeDefined();
  });

  test('its own retained PVC, never pruned by Argo CD', () => {
    expect(one(out, 'PersistentVolumeClaim', 'postgres-backups')).toEqual({
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: {
        name: 'postgres-backups', namespace: 'giia-prod', labels: labels('postgres-backup', 'backup'),
        annotations: { ...KEEP, 'argocd.argoproj.io/sync-wave': '3' },
      },
      spec: { accessModes: ['ReadWriteOnce'], volumeMode: 'Filesystem', resources: { requests: { storage: '50Gi' } } },
    });
  });

  test('scripts: every database plus roles, one directory per run, newest N kept; restore per database in one transaction, owners kept', () => {
    const data = one(out, 'ConfigMap', 'postgres-backup').data as Record<string, string>;
    expect(data['backup.sh']).toContain('pg_dumpall --globals-only --file="$work/globals.sql"');
    expect(data['backup.sh']).toContain('pg_dump --format=custom --dbname="$db" --file="$work/$db.dump"');
    expect(data['backup.sh']).toContain('tail -n +"$((BACKUP_RETAIN + 1))"');
    expect(data['restore.sh']).toContain('createdb --owner="$BERTH_APP_USER" "$db"');
    expect(data['restore.sh']).toContain('pg_restore --clean --if-exists --single-transaction --dbname="$db" "$f"');
  });

  test('a suspended restore CronJob is the ready restore job (never scheduled, no retries)', () => {
    const restore = one(out, 'CronJob', 'postgres-restore');
    expect(restore.spec).toEqual({
      suspend: true,
      schedule: '0 0 31 2 *',
      timeZone: 'Etc/UTC',
      concurrencyPolicy: 'Forbid',
      // Never reached, but stated, as on every CronJob.
      startingDeadlineSeconds: 3600,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 1,
      jobTemplate: {
        metadata: { labels: backupLabels },
        spec: {
          backoffLimit: 0, activeDeadlineSeconds: 3600,
          template: { metadata: { labels: backupLabels }, spec: pod('restore', [{ name: 'RESTORE_FROM', value: 'latest' }]) },
        },
      },
    });
  });

  test('a Sync-hook Job mounts the backup PVC once, so it binds during the sync on a WaitForFirstConsumer StorageClass', () => {
    const bind = jobNamed(out, 'postgres-backups-bind');
    expect(bind).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        // Named after its spec, kept once done (no TTL), deleted by Argo CD once it succeeds.
        name: bind.metadata.name, namespace: 'giia-prod', labels: labels('postgres-backups-bind', 'backup', '18.6-alpine3.24'),
        annotations: {
          'argocd.argoproj.io/hook': 'Sync', 'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded', 'argocd.argoproj.io/sync-wave': '3',
        },
      },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 900,
        template: {
          metadata: { labels: labels('postgres-backups-bind', 'backup', '18.6-alpine3.24') },
          spec: {
            restartPolicy: 'Never',
            // The backups' own identity, never the namespace's default ServiceAccount.
            serviceAccountName: 'postgres-backup',
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            securityContext: { runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, fsGroup: 70, fsGroupChangePolicy: 'OnRootMismatch', seccompProfile: { type: 'RuntimeDefault' } },
            containers: [{
              name: 'bind',
              image: 'postgres:18.6-alpine3.24',
              imagePullPolicy: 'IfNotPresent',
              command: ['true'],
              resources: { requests: { cpu: '10m', memory: '32Mi', 'ephemeral-storage': '320Mi' }, limits: { cpu: '100m', memory: '64Mi', 'ephemeral-storage': '320Mi' } },
              securityContext: restricted(70, 70),
              volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'backups', mountPath: '/backups', readOnly: true }],
            }],
            volumes: [tmpDir('tmp'), { name: 'backups', persistentVolumeClaim: { claimName: 'postgres-backups' } }],
          },
        },
      },
    });
    expect(store.backupBindJob).toBeDefined();
    // No NetworkPolicy of its own: the namespace's default-deny is all it needs.
    expect(ofKind(out, 'NetworkPolicy').map((np) => get(np, 'spec', 'podSelector', 'matchLabels', 'app.kubernetes.io/name'))).toEqual(['postgres', 'postgres-backup']);
  });

  test('backup pods reach the store and nothing else', () => {
    expect(one(out, 'NetworkPolicy', 'postgres-backup').spec).toEqual({
      podSelector: { matchLabels: backupSelector },
      policyTypes: ['Ingress', 'Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'giia-prod' } } }], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    expect(get(one(out, 'NetworkPolicy', 'postgres'), 'spec', 'ingress')).toEqual([
      { from: [{ podSelector: { matchLabels: backupSelector } }], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
  });

  describe('backup defaults (one per @default)', () => {
    const { out: o } = build({ engine: 'postgres', credentials: EXTERNAL, storage: { size: '20Gi', storageClass: 'premium-rwo' }, backup: {} });
    const cron = one(o, 'CronJob', 'postgres-backup');
    test('schedule: 03:00', () => expect(get(cron, 'spec', 'schedule')).toBe('0 3 * * *'));
    test('timeZone: Etc/UTC', () => expect(get(cron, 'spec', 'timeZone')).toBe('Etc/UTC'));
    test('startingDeadlineSeconds: 3600', () => expect(get(cron, 'spec', 'startingDeadlineSeconds')).toBe(3600));
    test('activeDeadlineSeconds: 3600', () => expect(get(cron, 'spec', 'jobTemplate', 'spec', 'activeDeadlineSeconds')).toBe(3600));
    test('retain: 7', () => {
      expect(get(cron, 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'env', 6)).toEqual({ name: 'BACKUP_RETAIN', value: '7' });
    });
    test('size: the data volume\'s', () => expect(get(one(o, 'PersistentVolumeClaim'), 'spec', 'resources')).toEqual({ requests: { storage: '20Gi' } }));
    test('storageClass: the data volume\'s', () => expect(get(one(o, 'PersistentVolumeClaim'), 'spec', 'storageClassName')).toBe('premium-rwo'));
  });

  test('backup.resources: postgres 256Mi by default, or as given', () => {
    const res = (p: Partial<StatefulStoreProps>) => get(one(build({ engine: 'postgres', credentials: EXTERNAL, ...p }).out, 'CronJob', 'postgres-backup'),
      'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0, 'resources');
    expect(res({ backup: {} })).toEqual({ requests: { cpu: '100m', memory: '256Mi', 'ephemeral-storage': '320Mi' }, limits: { cpu: '1', memory: '256Mi', 'ephemeral-storage': '320Mi' } });
    expect(res({ backup: { resources: 'large' } })).toEqual({ requests: { cpu: '500m', memory: '512Mi', 'ephemeral-storage': '320Mi' }, limits: { cpu: '2', memory: '1Gi', 'ephemeral-storage': '320Mi' } });
  });

  test('neo4j: an online APOC export over HTTP, restored with cypher-shell over bolt', () => {
    const { out: o } = build({ engine: 'neo4j', credentials: EXTERNAL, backup: {} }, 'nexus-prod');
    const c = get(one(o, 'CronJob', 'neo4j-backup'), 'spec', 'jobTemplate', 'spec', 'template', 'spec', 'containers', 0);
    expect([c.image, c.command, c.resources, c.securityContext]).toEqual([
      'neo4j:5.26.31-community', ['/bin/bash', '/scripts/backup.sh'],
      { requests: { cpu: '100m', memory: '1Gi', 'ephemeral-storage': '320Mi' }, limits: { cpu: '1', memory: '1Gi', 'ephemeral-storage': '320Mi' } }, restricted(7474, 7474),
    ]);
    expect(c.env.slice(0, 3)).toEqual([
      { name: 'NEO4J_HOST', value: 'neo4j' },
      { name: 'NEO4J_USERNAME', ...secretRef('neo4j-credentials', 'username') },
      { name: 'NEO4J_PASSWORD', ...secretRef('neo4j-credentials', 'password') },
    ]);
    const scripts = one(o, 'ConfigMap', 'neo4j-backup').data as Record<string, string>;
    expect(scripts['backup.sh']).toContain('CALL apoc.export.cypher.all(null, {stream: true, format: \\"cypher-shell\\"');
    expect(scripts['restore.sh']).toContain('gunzip -c "$id/neo4j.cypher.gz" | cypher-shell -a "$addr" --non-interactive');
    expect(get(one(o, 'NetworkPolicy', 'neo4j-backup'), 'spec', 'egress', 0, 'ports')).toEqual([{ port: 7474, protocol: 'TCP' }, { port: 7687, protocol: 'TCP' }]);
  });
});

describe('backups in a mesh', () => {
  const HOLD = { 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}', 'sidecar.istio.io/proxyCPU': '50m', 'sidecar.istio.io/proxyCPULimit': '500m', 'sidecar.istio.io/proxyMemory': '64Mi', 'sidecar.istio.io/proxyMemoryLimit': '256Mi' };
  const WGET_QUIT = "wget -q -O /dev/null -T 5 --post-data '' http://127.0.0.1:15020/quitquitquit";
  const template = (out: Manifest[], cronJob: string) => get(one(out, 'CronJob', cronJob), 'spec', 'jobTemplate', 'spec', 'template');

  test('postgres: backup and restore pods wait for the proxy, then stop it with busybox wget, keeping the script\'s status', () => {
    const { out } = build({ engine: 'postgres', credentials: EXTERNAL, backup: {}, meshSidecar: true });
    for (const [cronJob, script] of [['postgres-backup', 'backup'], ['postgres-restore', 'restore']]) {
      const t = template(out, cronJob);
      expect(t.metadata).toEqual({ labels: labels('postgres-backup', 'backup', '18.6-alpine3.24'), annotations: HOLD });
      const command = t.spec.containers[0].command;
      expect([command[0], command[1], ...command.slice(3)]).toEqual(['/bin/sh', '-c', 'sh', '/bin/sh', `/scripts/${script}.sh`]);
      expect(command[2]).toContain(WGET_QUIT);
      expect(command[2]).toContain('exit "$rc"');
    }
  });

  test('the backup volume bind Job too, with the image\'s wget (neo4j)', () => {
    const { out } = build({ engine: 'neo4j', credentials: EXTERNAL, backup: {}, meshSidecar: true }, 'nexus-prod');
    const t = get(jobNamed(out, 'neo4j-backups-bind'), 'spec', 'template');
    expect(t.metadata.annotations).toEqual(HOLD);
    const command = t.spec.containers[0].command;
    expect([command[0], command[1], ...command.slice(3)]).toEqual(['/bin/sh', '-c', 'sh', 'true']);
    expect(command[2]).toContain(WGET_QUIT);
  });

  test('neo4j: the bash script, then the image\'s wget', () => {
    const { out } = build({ engine: 'neo4j', credentials: EXTERNAL, backup: {}, meshSidecar: true }, 'nexus-prod');
    const t = template(out, 'neo4j-backup');
    expect(t.metadata.annotations).toEqual(HOLD);
    expect(t.spec.containers[0].command.slice(3)).toEqual(['sh', '/bin/bash', '/scripts/backup.sh']);
    expect(t.spec.containers[0].command[2]).toContain(WGET_QUIT);
  });

  test('the StatefulSet\'s long-running pods only get their proxy sized like every berth sidecar', () => {
    const plain = one(build({ engine: 'postgres', credentials: EXTERNAL, backup: {} }).out, 'StatefulSet');
    const meshed = one(build({ engine: 'postgres', credentials: EXTERNAL, backup: {}, meshSidecar: true }).out, 'StatefulSet');
    const annotations = get(meshed, 'spec', 'template', 'metadata', 'annotations');
    expect(annotations).toEqual({
      ...get(plain, 'spec', 'template', 'metadata', 'annotations'),
      'sidecar.istio.io/proxyCPU': '50m', 'sidecar.istio.io/proxyCPULimit': '500m', 'sidecar.istio.io/proxyMemory': '64Mi', 'sidecar.istio.io/proxyMemoryLimit': '256Mi',
    });
    const strip = (m: Manifest) => ({ ...m, spec: { ...(m.spec as object), template: { ...get(m, 'spec', 'template'), metadata: { labels: get(m, 'spec', 'template', 'metadata', 'labels') } } } });
    expect(strip(meshed)).toEqual(strip(plain));
  });
});

describe('network wiring with a WebService', () => {
  // A stand-in for WebService: any IConnectable with its own Connections.
  const web = () => ({ connections: new Connections({ 'app.kubernetes.io/name': 'auth', 'app.kubernetes.io/instance': 'giia-prod' }, [{ name: 'http', port: 80, targetPort: 8081 }]) });

  test('connectTo admits the caller on the engine port only; nothing else gets in', () => {
    const chart = namespacedChart('giia-prod');
    const { store } = build({ engine: 'postgres', credentials: EXTERNAL }, 'giia-prod', chart);
    const auth = web();
    workloadNetworkPolicy(chart, 'auth', { name: 'auth', labels: {}, connections: auth.connections });
    auth.connections.connectTo(store);
    const out = synth(chart);
    const authPods = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'auth', 'app.kubernetes.io/instance': 'giia-prod' } } };
    const storePods = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'giia-prod' } } };
    expect(one(out, 'NetworkPolicy', 'postgres').spec).toEqual({
      podSelector: storePods.podSelector,
      policyTypes: ['Ingress', 'Egress'],
      ingress: [{ from: [authPods], ports: [{ port: 5432, protocol: 'TCP' }] }],
    });
    expect(get(one(out, 'NetworkPolicy', 'auth'), 'spec', 'egress')).toEqual([{ to: [storePods], ports: [{ port: 5432, protocol: 'TCP' }] }]);
  });

  test('a real WebService: connectTo opens both ends, connectionEnv feeds its env in one call', () => {
    const chart = namespacedChart('giia-prod');
    const { store } = build({ engine: 'postgres', credentials: EXTERNAL, postgres: { database: 'giia' } }, 'giia-prod', chart);
    const auth = new WebService(chart, 'auth', { image: 'ghcr.io/acme/auth:1.4.2', ports: [{ name: 'http', port: 80, targetPort: 8081 }], env: store.connectionEnv() });
    auth.connectTo(store);
    const out = synth(chart);
    const authPods = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'auth', 'app.kubernetes.io/instance': 'giia-prod' } } };
    const storePods = { podSelector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'giia-prod' } } };
    expect(get(one(out, 'NetworkPolicy', 'postgres'), 'spec', 'ingress')).toEqual([{ from: [authPods], ports: [{ port: 5432, protocol: 'TCP' }] }]);
    expect(get(one(out, 'NetworkPolicy', 'auth'), 'spec', 'egress')).toContainEqual({ to: [storePods], ports: [{ port: 5432, protocol: 'TCP' }] });
    expect(get(one(out, 'Deployment', 'auth'), 'spec', 'template', 'spec', 'containers', 0, 'env')).toEqual(expect.arrayContaining([
      { name: 'POSTGRES_HOST', value: 'postgres.giia-prod.svc.cluster.local' },
      { name: 'POSTGRES_PASSWORD', ...secretRef('postgres-credentials', 'password') },
      { name: 'POSTGRES_URL', ...secretRef('postgres-credentials', 'url') },
    ]));
  });

  test('without declared clients the store admits no one', () => {
    expect(get(one(build({ engine: 'redis', credentials: EXTERNAL }).out, 'NetworkPolicy', 'redis'), 'spec', 'ingress')).toBeUndefined();
  });

  test('allowFrom admits another peer (a Job, another namespace)', () => {
    const chart = namespacedChart('giia-prod');
    const { store } = build({ engine: 'nats', credentials: EXTERNAL }, 'giia-prod', chart);
    store.allowFrom({ key: 'ns:ops', policyPeer: { namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } } });
    expect(get(one(synth(chart), 'NetworkPolicy', 'nats'), 'spec', 'ingress')).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ops' } } }], ports: [{ port: 4222, protocol: 'TCP' }] },
    ]);
  });

  test('connectionEnv gives host, port, user, password from the Secret, database and URL in one call', () => {
    const { store } = build({ engine: 'postgres', credentials: EXTERNAL, postgres: { database: 'giia', databases: ['analytics'] } });
    expect(store.connectionEnv()).toEqual({
      POSTGRES_HOST: 'postgres.giia-prod.svc.cluster.local',
      POSTGRES_PORT: '5432',
      POSTGRES_USER: EnvValue.fromSecret('postgres-credentials', 'username'),
      POSTGRES_PASSWORD: EnvValue.fromSecret('postgres-credentials', 'password'),
      POSTGRES_DATABASE: 'giia',
      POSTGRES_URL: EnvValue.fromSecret('postgres-credentials', 'url'),
    });
    const env = store.connectionEnv({ prefix: 'DB_', database: 'analytics' });
    expect(renderEnv(env).map((e) => e.name)).toEqual(['DB_HOST', 'DB_PORT', 'DB_USER', 'DB_PASSWORD', 'DB_DATABASE', 'DB_URL']);
    expect(env.DB_URL).toEqual(EnvValue.fromSecret('postgres-credentials', 'url-analytics'));
    // Passes the WebService env check: no credential as a literal.
    const problems = new Problems('giia-prod/auth');
    checkEnv(problems, 'env', env);
    expect(problems.count).toBe(0);
  });

  test('connectionEnv for redis, nats and neo4j', () => {
    const env = (engine: 'redis' | 'nats' | 'neo4j') => build({ engine, credentials: EXTERNAL }).store.connectionEnv();
    expect(env('redis')).toEqual({
      REDIS_HOST: 'redis.giia-prod.svc.cluster.local', REDIS_PORT: '6379',
      REDIS_USER: EnvValue.fromSecret('redis-credentials', 'username'), REDIS_PASSWORD: EnvValue.fromSecret('redis-credentials', 'password'),
      REDIS_URL: EnvValue.fromSecret('redis-credentials', 'url'),
    });
    expect(env('nats')).toEqual({
      NATS_HOST: 'nats.giia-prod.svc.cluster.local', NATS_PORT: '4222',
      NATS_USER: EnvValue.fromSecret('nats-credentials', 'username'), NATS_PASSWORD: EnvValue.fromSecret('nats-credentials', 'password'),
      NATS_URL: EnvValue.fromSecret('nats-credentials', 'url'),
    });
    expect(env('neo4j')).toEqual({
      NEO4J_HOST: 'neo4j.giia-prod.svc.cluster.local', NEO4J_PORT: '7687',
      NEO4J_USER: EnvValue.fromSecret('neo4j-credentials', 'username'), NEO4J_PASSWORD: EnvValue.fromSecret('neo4j-credentials', 'password'),
      NEO4J_URI: 'neo4j://neo4j.giia-prod.svc.cluster.local:7687',
    });
  });

  test('connectionEnv refuses an unknown database or a bad prefix', () => {
    const { store } = build({ engine: 'postgres', credentials: EXTERNAL, postgres: { database: 'giia' } });
    expect(problemsOf(() => store.connectionEnv({ prefix: '1X', database: 'nope' }))).toEqual([
      "[giia-prod/postgres] 'prefix' must start an env var name (letters, digits and _), received \"1X\"",
      "[giia-prod/postgres] 'database' must be one of this store's databases (giia), received \"nope\"",
    ]);
  });
});

describe('metrics', () => {
  test('an exporter sidecar on the metrics port, scraped from the monitoring namespace, with a ServiceMonitor when asked', () => {
    const { out } = build({ engine: 'postgres', credentials: EXTERNAL, metrics: { serviceMonitor: true, interval: '30s', serviceMonitorLabels: { release: 'prom' } } });
    const sts = one(out, 'StatefulSet');
    expect(container(sts, 1)).toEqual({
      name: 'metrics',
      image: 'quay.io/prometheuscommunity/postgres-exporter:v0.19.1',
      imagePullPolicy: 'IfNotPresent',
      ports: [{ name: 'metrics', containerPort: 9187, protocol: 'TCP' }],
      env: [
        { name: 'DATA_SOURCE_URI', value: '127.0.0.1:5432/postgres?sslmode=disable' },
        { name: 'DATA_SOURCE_USER', ...secretRef('postgres-admin-credentials', 'username') },
        { name: 'DATA_SOURCE_PASS', ...secretRef('postgres-admin-credentials', 'password') },
      ],
      resources: { requests: { cpu: '10m', memory: '32Mi', 'ephemeral-storage': '64Mi' }, limits: { cpu: '100m', memory: '64Mi', 'ephemeral-storage': '64Mi' } },
      securityContext: restricted(65534, 65534),
    });
    expect(get(one(out, 'Service', 'postgres'), 'spec', 'ports', 1)).toEqual({ name: 'metrics', port: 9187, targetPort: 9187, protocol: 'TCP' });
    expect(get(one(out, 'Service', 'postgres-headless'), 'spec', 'ports')).toHaveLength(1);
    expect(get(one(out, 'NetworkPolicy', 'postgres'), 'spec', 'ingress')).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ port: 9187, protocol: 'TCP' }] },
    ]);
    const sm = one(out, 'ServiceMonitor', 'postgres');
    expect(sm.metadata.labels).toEqual({ ...labels('postgres', 'database'), release: 'prom' });
    expect(sm.spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'giia-prod' } },
      endpoints: [{ port: 'metrics', path: '/metrics', interval: '30s' }],
    });
  });

  test('metrics.image: the engine\'s exporter', () => {
    const images = (['postgres', 'redis', 'nats'] as const).map((engine) => container(one(build({ engine, credentials: EXTERNAL, metrics: {} }).out, 'StatefulSet'), 1).image);
    expect(images).toEqual(['quay.io/prometheuscommunity/postgres-exporter:v0.19.1', 'oliver006/redis_exporter:v1.90.0', 'natsio/prometheus-nats-exporter:0.19.2']);
  });
  test('metrics.scraperNamespace: monitoring', () => {
    expect(get(one(build({ engine: 'redis', credentials: EXTERNAL, metrics: {} }).out, 'NetworkPolicy'), 'spec', 'ingress', 0, 'from', 0))
      .toEqual({ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } });
  });
  test('metrics.serviceMonitor: false', () => {
    expect(ofKind(build({ engine: 'redis', credentials: EXTERNAL, metrics: {} }).out, 'ServiceMonitor')).toEqual([]);
  });
  test('metrics.serviceMonitorLabels: none beyond the app labels', () => {
    const sm = one(build({ engine: 'redis', credentials: EXTERNAL, metrics: { serviceMonitor: true } }).out, 'ServiceMonitor');
    expect(sm.metadata.labels).toEqual(labels('redis', 'cache'));
  });
  test('metrics.interval: the Prometheus\' own', () => {
    const sm = one(build({ engine: 'redis', credentials: EXTERNAL, metrics: { serviceMonitor: true } }).out, 'ServiceMonitor');
    expect(get(sm, 'spec', 'endpoints')).toEqual([{ port: 'metrics', path: '/metrics' }]);
  });
});

describe('bad input', () => {
  test('a malformed storage size', () => {
    expect(problemsOf(() => build({ engine: 'postgres', credentials: EXTERNAL, storage: { size: '10GB' } }))).toEqual([
      "[giia-prod/postgres] 'storage.size' must be a Kubernetes quantity of at least 1Mi such as '10Gi', received \"10GB\"",
    ]);
  });

  test('replicas > 1 on an engine without replication', () => {
    expect(problemsOf(() => build({ engine: 'postgres', credentials: EXTERNAL, replicas: 3 }))).toEqual([
      "[giia-prod/postgres] 'replicas' must be 1: postgres runs a single primary without replication here (use an operator such as CloudNativePG for HA), received 3",
    ]);
    expect(problemsOf(() => build({ engine: 'redis', credentials: EXTERNAL, replicas: 2 }))).toEqual([
      "[giia-prod/redis] 'replicas' must be 1: redis runs a single node without replication here, received 2",
    ]);
    expect(problemsOf(() => build({ engine: 'nats', credentials: EXTERNAL, replicas: 3 }))).toEqual([
      "[giia-prod/nats] 'replicas' must be 1: nats runs a single server unless nats.cluster is true, received 3",
    ]);
    expect(problemsOf(() => build({ engine: 'neo4j', credentials: EXTERNAL, replicas: 2 }))).toEqual([
      "[giia-prod/neo4j] 'replicas' must be 1: neo4j Community Edition has no clustering, received 2",
    ]);
    expect(problemsOf(() => build({ engine: 'nats', credentials: EXTERNAL, replicas: 2, nats: { cluster: true } }))).toEqual([
      "[giia-prod/nats] 'replicas' must be an odd number >= 3 for a NATS JetStream cluster (RAFT quorum), received 2",
    ]);
  });

  test('an invalid cron schedule', () => {
    const msg = 'must be a 5-field cron schedule (minute hour day-of-month month day-of-week) or a descriptor such as @daily';
    const errors = (schedule: string) => problemsOf(() => build({ engine: 'postgres', credentials: EXTERNAL, backup: { schedule } }));
    expect(errors('0 25 * * *')).toEqual([
      `[giia-prod/postgres] 'backup.schedule' ${msg} (Constraint error, got value 25 expected range 0-23), received "0 25 * * *"`,
    ]);
    expect(errors('0 0 3 * * *')).toEqual([`[giia-prod/postgres] 'backup.schedule' ${msg}, received "0 0 3 * * *"`]);
    expect(errors('0 3 L * *')).toEqual([`[giia-prod/postgres] 'backup.schedule' ${msg}, received "0 3 L * *"`]);
    expect(errors('0 3 31 2 *')).toEqual([`[giia-prod/postgres] 'backup.schedule' ${msg} (Invalid explicit day of month definition), received "0 3 31 2 *"`]);
    expect(errors('@every 1h')).toEqual([`[giia-prod/postgres] 'backup.schedule' ${msg}, received "@every 1h"`]);
    // Each schedule is parsed once per process: asking again gives the same answer.
    expect(errors('0 25 * * *')).toEqual([
      `[giia-prod/postgres] 'backup.schedule' ${msg} (Constraint error, got value 25 expected range 0-23), received "0 25 * * *"`,
    ]);
    // Accepted forms:
    for (const ok of ['@daily', '*/15 2-4 * * MON-FRI', '30 2 1,15 jan *']) {
      expect(() => build({ engine: 'postgres', credentials: EXTERNAL, backup: { schedule: ok } })).not.toThrow();
    }
  });

  test('backups requested for an engine that has none', () => {
    expect(problemsOf(() => build({ engine: 'redis', credentials: EXTERNAL, backup: { schedule: '0 2 * * *' } }))).toEqual([
      "[giia-prod/redis] 'backup' is not available for engine redis: redis keeps its data durable with AOF on its volume; berth backs up postgres and neo4j only, received {\"schedule\":\"0 2 * * *\"}",
    ]);
    expect(problemsOf(() => build({ engine: 'nats', credentials: EXTERNAL, backup: {} }))).toEqual([
      "[giia-prod/nats] 'backup' is not available for engine nats: nats keeps JetStream on its volume (replicate streams with nats.cluster); berth backs up postgres and neo4j only, received {}",
    ]);
  });

  test('a plaintext credential mode outside dev', () => {
    expect(problemsOf(() => build({ engine: 'redis', credentials: { mode: 'generated' }, allowGeneratedCredentials: false }, 'todo-chatbot-prod'))).toEqual([
      "[todo-chatbot-prod/redis] 'credentials.mode' is a plaintext credential mode, allowed only where allowGenerated is true (dev); use 'external', 'sealed' or 'existing' outside dev, received \"generated\"",
    ]);
  });

  test('duplicate store names in a namespace', () => {
    const chart = namespacedChart('shop-prod');
    new StatefulStore(chart, 'users-db', { name: 'postgres', engine: 'postgres', credentials: EXTERNAL });
    expect(problemsOf(() => new StatefulStore(chart, 'orders-db', { name: 'postgres', engine: 'postgres', credentials: EXTERNAL }))).toEqual([
      "[shop-prod/orders-db] 'name' must be unique among the StatefulStores of namespace \"shop-prod\" (shop-prod/users-db already uses it), received \"postgres\"",
    ]);
    // Same name in another chart (namespace) is fine.
    expect(() => build({ name: 'postgres', engine: 'postgres', credentials: EXTERNAL }, 'shop-staging')).not.toThrow();
  });

  test('metrics for an engine without an exporter, options for another engine, bad names: all at once', () => {
    expect(problemsOf(() => build({
      name: '9-graph', engine: 'neo4j', credentials: { mode: 'sealed', encryptedData: {} }, metrics: {}, postgres: { database: 'x' },
      storage: { size: '0', storageClass: 'Fast SSD' }, resources: { cpu: { request: '2', limit: '1' }, memory: { request: '1Gi', limit: '1Gi' } },
      runAs: { uid: 0, gid: 0 }, terminationGracePeriodSeconds: -1, clusterDomain: 'bad domain',
      backup: { retain: 0, timeZone: 'Mars/Olympus', startingDeadlineSeconds: 5, activeDeadlineSeconds: 0, size: 'lots', storageClass: 'X' },
    }, 'nexus-prod'))).toEqual([
      "[nexus-prod/9-graph] 'name' must be a DNS-1035 label (lowercase alphanumerics and -, starting with a letter) of at most 44 characters, received \"9-graph\"",
      "[nexus-prod/9-graph] 'storage.size' must be a Kubernetes quantity of at least 1Mi such as '10Gi', received \"0\"",
      "[nexus-prod/9-graph] 'storage.storageClass' must be a StorageClass name (DNS-1123 subdomain), received \"Fast SSD\"",
      "[nexus-prod/9-graph] 'resources.cpu.request' must not exceed its limit \"1\", received \"2\"",
      "[nexus-prod/9-graph] 'credentials.encryptedData.password' must hold the kubeseal output for this key, received undefined",
      "[nexus-prod/9-graph] 'postgres' applies only to engine 'postgres', not 'neo4j', received {\"database\":\"x\"}",
      "[nexus-prod/9-graph] 'terminationGracePeriodSeconds' must be an integer >= 0, received -1",
      "[nexus-prod/9-graph] 'runAs.uid' must be a non-zero UID (restricted pods never run as root), received 0",
      "[nexus-prod/9-graph] 'clusterDomain' must be a DNS name, received \"bad domain\"",
      "[nexus-prod/9-graph] 'backup.timeZone' must be an IANA time zone such as 'Etc/UTC', received \"Mars/Olympus\"",
      "[nexus-prod/9-graph] 'backup.retain' must be an integer >= 1, received 0",
      "[nexus-prod/9-graph] 'backup.size' must be a Kubernetes quantity of at least 1Mi such as '10Gi', received \"lots\"",
      "[nexus-prod/9-graph] 'backup.storageClass' must be a StorageClass name (DNS-1123 subdomain), received \"X\"",
      "[nexus-prod/9-graph] 'backup.startingDeadlineSeconds' must be an integer >= 10 (the CronJob controller checks every 10 s), received 5",
      "[nexus-prod/9-graph] 'backup.activeDeadlineSeconds' must be an integer >= 1, received 0",
      "[nexus-prod/9-graph] 'metrics' is not available for engine neo4j: neo4j Community Edition has no Prometheus endpoint, received {}",
    ]);
  });

  test('postgres identifiers, init script names and settings', () => {
    expect(problemsOf(() => build({
      engine: 'postgres', credentials: EXTERNAL,
      postgres: { database: 'Giia', username: 'x-y', schemas: ['auth', 'auth'], databases: ['postgres', 'drop table'], initScripts: { 'seed.txt': '', '00-berth-x.sql': '' }, settings: { 'Work Mem': '1' } },
    }))).toEqual([
      "[giia-prod/postgres] 'postgres.database' must be a lowercase SQL identifier (a-z, 0-9, _; at most 63, not starting with a digit), received \"Giia\"",
      "[giia-prod/postgres] 'postgres.username' must be a lowercase SQL identifier (a-z, 0-9, _; at most 63, not starting with a digit), received \"x-y\"",
      "[giia-prod/postgres] 'postgres.schemas[1]' must not repeat a schema, received \"auth\"",
      "[giia-prod/postgres] 'postgres.databases[0]' must not name a database initdb creates, received \"postgres\"",
      "[giia-prod/postgres] 'postgres.databases[1]' must be a lowercase SQL identifier (a-z, 0-9, _; at most 63, not starting with a digit), received \"drop table\"",
      "[giia-prod/postgres] 'postgres.initScripts' must name .sql or .sh files (letters, digits, - _ .), not starting with '00-berth-', received \"seed.txt\"",
      "[giia-prod/postgres] 'postgres.initScripts' must name .sql or .sh files (letters, digits, - _ .), not starting with '00-berth-', received \"00-berth-x.sql\"",
      "[giia-prod/postgres] 'postgres.settings' must use postgresql.conf parameter names, received \"Work Mem\"",
    ]);
  });

  test('the application role is never the superuser; the superuser\'s name and Secret are checked like the others', () => {
    expect(problemsOf(() => build({ engine: 'postgres', credentials: EXTERNAL, postgres: { username: 'postgres' } }))).toEqual([
      "[giia-prod/postgres] 'postgres.username' must differ from postgres.adminUsername (\"postgres\"): clients never connect as the superuser, received \"postgres\"",
    ]);
    expect(problemsOf(() => build({ engine: 'postgres', credentials: EXTERNAL, postgres: { adminUsername: 'Admin', adminCredentials: { mode: 'generated' } } }))).toEqual([
      "[giia-prod/postgres] 'postgres.adminUsername' must be a lowercase SQL identifier (a-z, 0-9, _; at most 63, not starting with a digit), received \"Admin\"",
      "[giia-prod/postgres] 'postgres.adminCredentials.mode' is a plaintext credential mode, allowed only where allowGenerated is true (dev); use 'external', 'sealed' or 'existing' outside dev, received \"generated\"",
    ]);
  });

  test('a name too long for the restore CronJob', () => {
    const name = `a${'b'.repeat(44)}`;
    expect(problemsOf(() => build({ name, engine: 'redis', credentials: EXTERNAL }))).toEqual([
      `[giia-prod/${name}] 'name' must be a DNS-1035 label (lowercase alphanumerics and -, starting with a letter) of at most 44 characters, received "${name}"`,
    ]);
  });

  test('with backups, a name too long for the content-named backup volume bind Job', () => {
    const name = `a${'b'.repeat(39)}`;
    expect(problemsOf(() => build({ name, engine: 'postgres', credentials: EXTERNAL, backup: {} }))).toEqual([
      `[giia-prod/${name}] 'name' must be at most 39 characters with backups (the Job <name>-backups-bind-<hash> is at most 63), received "${name}"`,
    ]);
    expect(() => build({ name: name.slice(1), engine: 'postgres', credentials: EXTERNAL, backup: {} })).not.toThrow();
  });
});

describe('schemas', () => {
  test('every object of every preset and credentials mode matches the Kubernetes 1.28 and CRD schemas, with no unknown field', () => {
    const chart = namespacedChart('giia-prod');
    new StatefulStore(chart, 'postgres', {
      engine: 'postgres', credentials: EXTERNAL, postgres: { schemas: ['auth'], databases: ['orders'], initScripts: { '10-seed.sql': 'SELECT 1;' } },
      backup: { schedule: '0 2 * * *' }, metrics: { serviceMonitor: true, interval: '30s' }, storage: { storageClass: 'premium-rwo' },
    });
    new StatefulStore(chart, 'redis', { engine: 'redis', ...DEV, metrics: { serviceMonitor: true } });
    new StatefulStore(chart, 'nats', { engine: 'nats', credentials: { mode: 'sealed', encryptedData: { password: 'AgB' } }, replicas: 3, nats: { cluster: true }, metrics: {} });
    new StatefulStore(chart, 'neo4j', { engine: 'neo4j', credentials: { mode: 'existing', secretName: 'neo4j-auth' }, backup: {} });
    new StatefulStore(chart, 'sealed-pg', {
      name: 'sealed-pg',
      engine: 'postgres', credentials: { mode: 'sealed', encryptedData: { password: 'AgB' } },
      postgres: { adminCredentials: { mode: 'sealed', encryptedData: { password: 'AgC' } } },
    });
    const out = synth(chart);
    expect(new Set(out.map((m) => m.kind))).toEqual(new Set([
      'ExternalSecret', 'Secret', 'SealedSecret', 'ConfigMap', 'ServiceAccount', 'Service', 'StatefulSet', 'NetworkPolicy',
      'PodDisruptionBudget', 'ServiceMonitor', 'PersistentVolumeClaim', 'CronJob', 'Job',
    ]));
    expect(schemaErrors(out)).toEqual([]);
  });
});

describe('StatefulStore: what a 1.28 API server accepts', () => {
  test.each(['postgres', 'redis', 'nats', 'neo4j'] as const)('%s with backups where it has them and metrics: schema, API-server rules, restricted', (engine) => {
    const { chart } = build({
      engine, credentials: EXTERNAL,
      ...(engine === 'postgres' || engine === 'neo4j' ? { backup: {} } : {}),
      ...(engine !== 'neo4j' ? { metrics: { serviceMonitor: true } } : {}),
    });
    expect(chart).toBeValidKubernetes();
    expect(chart).toPassRestricted();
  });
});

describe('postgres connection budget and PgBouncer', () => {
  const conf = (out: Manifest[]) => String(get(one(out, 'ConfigMap', 'postgres-config'), 'data', 'postgresql.conf'));

  test('@default postgres.maxConnections: 100', () => {
    expect(conf(build({ engine: 'postgres', credentials: EXTERNAL }).out)).toContain('\nmax_connections = 100\n');
    expect(conf(build({ engine: 'postgres', credentials: EXTERNAL, postgres: { maxConnections: 300 } }).out)).toContain('\nmax_connections = 300\n');
  });

  test('@default postgres.pooler: none (clients reach the server through the store\'s Service)', () => {
    const { out } = build({ engine: 'postgres', credentials: EXTERNAL });
    expect([ofKind(out, 'Deployment'), get(one(out, 'Service', 'postgres'), 'spec', 'selector')])
      .toEqual([[], { 'app.kubernetes.io/name': 'postgres', 'app.kubernetes.io/instance': 'giia-prod' }]);
  });

  test('with a pooler: the store\'s Service selects PgBouncer on 6432, which reaches the server over the headless Service', () => {
    const { out, store } = build({ engine: 'postgres', credentials: EXTERNAL, postgres: { database: 'giia', pooler: {} } });
    const poolerSelector = { 'app.kubernetes.io/name': 'postgres-pooler', 'app.kubernetes.io/instance': 'giia-prod' };
    expect(get(one(out, 'Service', 'postgres'), 'spec')).toEqual({
      type: 'ClusterIP', selector: poolerSelector, ports: [{ name: 'postgres', port: 5432, targetPort: 6432, protocol: 'TCP' }],
    });
    const pooler = one(out, 'Deployment', 'postgres-pooler');
    // Defaults: 2 replicas (so one can drain), transaction mode, 1000 clients and 20 server connections per pod, micro resources.
    expect(get(pooler, 'spec', 'replicas')).toBe(2);
    expect(pooler.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-wave': '3', 'berth.dev/max-client-connections': '1000', 'berth.dev/connection-pools': 'postgres-headless=20',
    });
    const ini = String(get(one(out, 'ConfigMap', 'postgres-pooler'), 'data', 'pgbouncer.ini'));
    for (const line of ['* = host=postgres-headless.giia-prod.svc.cluster.local port=5432', 'pool_mode = transaction', 'max_client_conn = 1000', 'default_pool_size = 20', 'auth_type = scram-sha-256']) {
      expect(ini).toContain(`\n${line}\n`);
    }
    const c = get(pooler, 'spec', 'template', 'spec', 'containers', 0);
    expect([c.image, c.command, c.resources, c.securityContext.runAsUser]).toEqual([
      'edoburu/pgbouncer:v1.24.1-p1', ['/usr/bin/pgbouncer', '/etc/pgbouncer/pgbouncer.ini'],
      { requests: { cpu: '50m', memory: '64Mi', 'ephemeral-storage': '320Mi' }, limits: { cpu: '250m', memory: '128Mi', 'ephemeral-storage': '320Mi' } }, 70,
    ]);
    expect(ofKind(out, 'PodDisruptionBudget').map((p) => p.metadata.name)).toEqual(['postgres-pooler']);
    // The password reaches PgBouncer's userlist through the same ExternalSecret, quotes doubled.
    expect(get(one(out, 'ExternalSecret', 'postgres-credentials'), 'spec', 'target', 'template', 'data', 'userlist.txt'))
      .toBe('"app" "{{ index . "password" | replace "\\"" "\\"\\"" }}"\n');
    // Direct clients (migrations) skip the pooler; others use the store's name.
    expect([store.connectionEnv().POSTGRES_HOST, store.connectionEnv({ direct: true }).POSTGRES_HOST])
      .toEqual(['postgres.giia-prod.svc.cluster.local', 'postgres-headless.giia-prod.svc.cluster.local']);
    expect(get(one(out, 'NetworkPolicy', 'postgres'), 'spec', 'ingress')).toEqual([{
      from: [{ podSelector: { matchLabels: poolerSelector } }], ports: [{ port: 5432, protocol: 'TCP' }],
    }]);
  });

  test('generated credentials render the userlist in dev', () => {
    const { out } = build({ engine: 'postgres', ...DEV, postgres: { pooler: { poolMode: 'session', defaultPoolSize: 5 } } });
    const data = Object.fromEntries(Object.entries(get(one(out, 'Secret', 'postgres-credentials'), 'data') as Record<string, string>)
      .map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')]));
    expect(data['userlist.txt']).toBe(`"app" "${data.password}"\n`);
    expect(String(get(one(out, 'ConfigMap', 'postgres-pooler'), 'data', 'pgbouncer.ini'))).toContain('\npool_mode = session\n');
  });

  test('bad pooler and budget props, all at once', () => {
    expect(problemsOf(() => build({
      engine: 'postgres', credentials: EXTERNAL,
      postgres: { maxConnections: 5, pooler: { replicas: 0, poolMode: 'statement' as 'session', maxClientConnections: 1.5, defaultPoolSize: 0, image: 'pgbouncer:latest' } },
    }))).toEqual([
      "[giia-prod/postgres] 'postgres.maxConnections' must be an integer from 10 to 10000, received 5",
      "[giia-prod/postgres] 'postgres.pooler.replicas' must be an integer from 1 to 100, received 0",
      "[giia-prod/postgres] 'postgres.pooler.maxClientConnections' must be an integer from 1 to 100000, received 1.5",
      "[giia-prod/postgres] 'postgres.pooler.defaultPoolSize' must be an integer from 1 to 10000, received 0",
      "[giia-prod/postgres] 'postgres.pooler.poolMode' must be transaction or session, received \"statement\"",
      "[giia-prod/postgres] 'postgres.pooler.image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received \"pgbouncer:latest\"",
    ]);
  });

  test('neo4j: heap and page cache share what the JVM leaves, at any limit', () => {
    for (const [limit, each] of [['1Gi', '320m'], ['4Gi', '1638m']] as const) {
      const { out } = build({ engine: 'neo4j', credentials: EXTERNAL, resources: { cpu: { request: '500m', limit: '2' }, memory: { request: limit, limit } } });
      const data = get(one(out, 'ConfigMap', 'neo4j-config'), 'data');
      expect([data.NEO4J_server_memory_heap_max__size, data.NEO4J_server_memory_pagecache_size]).toEqual([each, each]);
    }
  });
});
