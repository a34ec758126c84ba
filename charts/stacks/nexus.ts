import { Duration } from 'cdk8s';
import { IngressGateway } from '../../constructs/ingress-gateway';
import { MigrationJob } from '../../constructs/migration-job';
import { SharedConfig } from '../../constructs/shared-config';
import { SmokeTest } from '../../constructs/smoke-test';
import { StatefulStore } from '../../constructs/stateful-store';
import { WebService, WebServiceProps } from '../../constructs/web-service';
import { hostFor } from '../platform';
import { StackDefinition } from '../stack';

/**
 * nexus (plan 004): api, a WebSocket MCP server (ClientIP affinity, long graceful
 * shutdown), nexus with API/CLI/MCP channel ports and sessions in Redis, dataflow with a
 * connection pool and a cache volume; Postgres (behind PgBouncer), Redis and Neo4j with
 * backups; a migration Job; Istio traffic management and STRICT mTLS outside dev; HPA + VPA
 * (recommendations); a ServiceAccount per service and Roles for the two that use the API.
 *
 * The plan gives no numbers, so all are chosen: ports 8000 (api), 8001 (mcp-server),
 * 8080–8082 (nexus channels: API, CLI, MCP), 8090 (dataflow), metrics on 9090 everywhere;
 * images `nexus/<svc>`; a 90/10 canary of api (its own release entry) on 2 pods; 30 s timeouts with 3
 * retries on the API hosts and 1 h on the WebSocket host; dataflow's pool of 5–20
 * connections; a 2Gi emptyDir cache (rebuilt on restart, so it needs no volume of its own per
 * replica). Channels: the API channel is `app.nexus.<domain>`, the CLI channel
 * `cli.nexus.<domain>`, and the MCP channel is what mcp-server bridges WebSocket clients to.
 */
export const nexus: StackDefinition = {
  id: 'nexus',
  build: (chart) => {
    // api, its canary and dataflow at their HPA maxima would open ~280 connections: PgBouncer
    // folds them into 20 server connections per pooler pod.
    const postgres = new StatefulStore(chart, 'postgres', {
      engine: 'postgres', postgres: { database: 'nexus', username: 'nexus', pooler: {} },
      storage: { tier: 'medium' }, resources: 'medium', backup: true,
    });
    const redis = new StatefulStore(chart, 'redis', { engine: 'redis', redis: { appendOnly: true }, storage: { tier: 'small' }, resources: 'medium' });
    // neo4j keeps its engine default (2Gi): its heap, page cache and JVM need that much.
    const neo4j = new StatefulStore(chart, 'neo4j', { engine: 'neo4j', storage: { tier: 'medium' }, backup: true });

    // Recommendations only, where the cluster runs a VPA: they never fight the HPAs.
    const common: Partial<WebServiceProps> = { metrics: {}, verticalAutoscaling: { updateMode: 'Off' } };
    const apiProps: WebServiceProps = {
      ...common,
      image: 'nexus/api',
      ports: [{ name: 'http', port: 8000 }],
      env: postgres.connectionEnv({ prefix: 'DB_' }),
      // Room above idle use (and the sidecar) for the 80 % memory target to mean load.
      resources: 'medium',
      memoryAtIdle: '128Mi',
      scaling: { min: 2, max: 10, cpu: 70, memory: 80 },
    };
    const api = new WebService(chart, 'api', apiProps);
    // The canary runs the next release beside the stable one and takes 10 % of requests; two
    // pods and their PDB keep that share served through a node drain.
    const apiCanary = new WebService(chart, 'api-canary', {
      ...apiProps, image: 'nexus/api', scaling: undefined, verticalAutoscaling: undefined, replicas: 2,
    });
    for (const a of [api, apiCanary]) a.connectTo(postgres);

    const mcp = new WebService(chart, 'mcp-server', {
      ...common,
      image: 'nexus/mcp-server',
      ports: [{ name: 'http', port: 8001 }],
      env: redis.connectionEnv({ prefix: 'SESSION_REDIS_' }),
      sessionAffinity: 'ClientIP',
      // WebSocket clients get 15 s to notice the pod left the endpoints, then 2 min to finish.
      preStopSleepSeconds: 15,
      terminationGracePeriodSeconds: 135,
      scaling: { min: 2, max: 6, cpu: 70 },
    });
    mcp.connectTo(redis);

    // dataflow's pipeline definitions, which it reloads when they change (through the API, so no restart).
    const pipelines = new SharedConfig(chart, 'dataflow-pipelines', { data: { PIPELINES: '[]' } });
    const dataflow = new WebService(chart, 'dataflow', {
      ...common,
      image: 'nexus/dataflow',
      ports: [{ name: 'http', port: 8090 }],
      env: {
        ...postgres.connectionEnv({ prefix: 'DB_' }),
        ...neo4j.connectionEnv(),
        DB_POOL_MIN_SIZE: '5',
        DB_POOL_MAX_SIZE: '20',
        DB_POOL_ACQUIRE_TIMEOUT_SECONDS: '30',
        DB_POOL_MAX_IDLE_SECONDS: '300',
        CACHE_DIR: '/var/cache/dataflow',
      },
      writablePaths: ['/var/cache/dataflow'],
      writableSizeLimit: '2Gi',
      // It watches its pipeline definitions (an informer on the one ConfigMap, by name).
      rbac: [{ resources: ['configmaps'], verbs: ['get', 'list', 'watch'], resourceNames: [pipelines.configMapName] }],
      scaling: { min: 2, max: 8, cpu: 70 },
    });
    dataflow.connectTo(postgres, { pool: 20 });
    dataflow.connectTo(neo4j);

    const app = new WebService(chart, 'nexus', {
      ...common,
      image: 'nexus/nexus',
      ports: [{ name: 'http', port: 8080 }, { name: 'cli', port: 8081 }, { name: 'mcp', port: 8082 }],
      env: { ...redis.connectionEnv({ prefix: 'SESSION_REDIS_' }), API_URL: api.url, DATAFLOW_URL: dataflow.url, MCP_URL: mcp.url },
      resources: 'medium',
      memoryAtIdle: '128Mi',
      // Leader election for session cleanup: the first leader creates the Lease (create can't be
      // limited to a name), then every pod reads and renews that one only.
      rbac: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'] },
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'], resourceNames: ['nexus-session-cleanup'] },
      ],
      scaling: { min: 2, max: 10, cpu: 70, memory: 80 },
    });
    app.connectTo(redis);
    for (const target of [api, apiCanary, dataflow, mcp]) app.connectTo(target);
    // mcp-server bridges its WebSocket clients to the platform's MCP channel.
    mcp.connectTo(app, [app.port('mcp')]);

    new MigrationJob(chart, 'migrate', {
      // The api's own image (and version): the migrations ship with its code.
      image: api.image,
      command: ['nexus-api', 'migrate', 'up'],
      // Past the pooler: migrations hold a session (advisory locks, DDL in one transaction).
      env: postgres.connectionEnv({ prefix: 'DB_', direct: true }),
      connectTo: [postgres.direct],
    });

    const gateway = new IngressGateway(chart, 'gateway', { name: 'nexus' });
    const api30s = { timeout: Duration.seconds(30), retries: 3 };
    gateway.addRoute({ host: hostFor(chart, 'api.nexus'), backends: [{ service: api, weight: 90 }, { service: apiCanary, weight: 10 }], ...api30s });
    gateway.routeTo(app, { host: hostFor(chart, 'app.nexus'), port: 'http', ...api30s });
    gateway.routeTo(app, { host: hostFor(chart, 'cli.nexus'), port: 'cli', ...api30s });
    gateway.routeTo(mcp, { host: hostFor(chart, 'mcp.nexus'), timeout: Duration.hours(1) });

    new SmokeTest(chart, 'smoke-test', {
      targets: [api, app, dataflow, mcp].map((service) => ({ service, port: 'http', path: '/healthz' })),
    });
  },
};
