import { AppSecret } from '../../constructs/app-secret';
import { EnvFrom } from '../../constructs/core/env-from';
import { Peer } from '../../constructs/core/connections';
import { Probe } from '../../constructs/core/probes';
import { IngressGateway } from '../../constructs/ingress-gateway';
import { SharedConfig } from '../../constructs/shared-config';
import { SmokeTest } from '../../constructs/smoke-test';
import { StatefulStore } from '../../constructs/stateful-store';
import { WebService } from '../../constructs/web-service';
import { backup, gatewayProps, hostFor, metrics, scaling, secretProps, storage } from '../platform';
import { StackDefinition } from '../stack';

/**
 * giia (plan 000): six Go services, each HTTP + gRPC, sharing one ConfigMap and one Secret
 * through envFrom; Postgres with one schema per service, Redis with auth, NATS JetStream;
 * one nginx host per service; HPA 2–10 at 80 % CPU and rolling updates of 1/1.
 *
 * Chosen where the plan is silent: ports 8081–8086 (HTTP) and 9091–9096 (gRPC) following
 * auth's pattern; images pinned to the charts' appVersion 1.0.0; metrics on the HTTP port
 * at /metrics; ai-agent may call external LLM APIs over HTTPS.
 */
const SERVICES: readonly { name: string; schema: string; http: number; grpc: number }[] = [
  { name: 'auth', schema: 'auth', http: 8081, grpc: 9091 },
  { name: 'catalog', schema: 'catalog', http: 8082, grpc: 9092 },
  { name: 'ddmrp-engine', schema: 'ddmrp', http: 8083, grpc: 9093 },
  { name: 'execution', schema: 'execution', http: 8084, grpc: 9094 },
  { name: 'analytics', schema: 'analytics', http: 8085, grpc: 9095 },
  { name: 'ai-agent', schema: 'ai_agent', http: 8086, grpc: 9096 },
];

export const giia: StackDefinition = {
  id: 'giia',
  build: (chart, env) => {
    const allowMutableImageTags = env.allowMutableImageTags;

    const postgres = new StatefulStore(chart, 'postgres', {
      engine: 'postgres',
      postgres: { database: 'giia', username: 'giia', schemas: SERVICES.map((s) => s.schema) },
      storage: storage(chart, 'medium'),
      resources: { cpu: { request: '250m', limit: '1' }, memory: { request: '512Mi', limit: '1Gi' } },
      credentials: secretProps(chart, 'postgres-credentials').source,
      allowGeneratedCredentials: secretProps(chart, 'postgres-credentials').allowGenerated,
      backup: backup(chart),
    });
    const redis = new StatefulStore(chart, 'redis', {
      engine: 'redis',
      storage: storage(chart, 'small'),
      resources: 'small',
      credentials: secretProps(chart, 'redis-credentials').source,
      allowGeneratedCredentials: secretProps(chart, 'redis-credentials').allowGenerated,
    });
    const nats = new StatefulStore(chart, 'nats', {
      engine: 'nats',
      storage: storage(chart, 'small'),
      resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '256Mi', limit: '512Mi' } },
      credentials: secretProps(chart, 'nats-credentials').source,
      allowGeneratedCredentials: secretProps(chart, 'nats-credentials').allowGenerated,
    });

    // Store endpoints and credentials come from each store's connectionEnv(), so the
    // shared config holds only what is the same for every service and not secret.
    const shared = new SharedConfig(chart, 'shared-config', {
      data: {
        LOG_LEVEL: env.name === 'dev' ? 'debug' : 'info',
        ENVIRONMENT: env.name,
        EVENTS_STREAM: 'GIIA_EVENTS',
      },
    });
    const sharedSecrets = new AppSecret(chart, 'shared-secrets', { ...secretProps(chart, 'shared-secrets'), keys: ['JWT_SECRET'] });

    const gateway = new IngressGateway(chart, 'gateway', { name: 'giia', ...gatewayProps(chart) });
    const services = new Map<string, WebService>();
    for (const s of SERVICES) {
      const svc = new WebService(chart, s.name, {
        image: `giia/${s.name}-service:1.0.0`,
        allowMutableImageTags,
        ports: [{ name: 'http', port: s.http }, { name: 'grpc', port: s.grpc }],
        env: {
          PORT: String(s.http),
          GRPC_PORT: String(s.grpc),
          DATABASE_SCHEMA: s.schema,
          ...postgres.connectionEnv({ prefix: 'DATABASE_' }),
          ...nats.connectionEnv(),
          // auth keeps sessions in Redis (plan: "Auth service can connect to PostgreSQL and Redis").
          ...(s.name === 'auth' ? redis.connectionEnv() : {}),
        },
        envFrom: [EnvFrom.configMap(shared), EnvFrom.secret(sharedSecrets.secretName)],
        resources: 'small',
        readinessProbe: Probe.http('/health', { initialDelaySeconds: 5, periodSeconds: 5 }),
        livenessProbe: Probe.http('/health', { initialDelaySeconds: 10, periodSeconds: 10 }),
        ...scaling(chart, { min: 2, max: 10, cpu: 80 }),
        maxSurge: 1,
        maxUnavailable: 1,
        metrics: metrics(chart, 'http'),
      });
      svc.connectTo(postgres);
      svc.connectTo(nats);
      gateway.routeTo(svc, { host: hostFor(chart, `${s.name}.giia`), port: 'http' });
      services.set(s.name, svc);
    }
    const auth = services.get('auth')!;
    auth.connectTo(redis);
    // catalog calls auth over gRPC (plan: "Catalog service can call Auth gRPC endpoint").
    services.get('catalog')!.connectTo(auth, [auth.port('grpc')]);
    services.get('ai-agent')!.allowTo(Peer.internet(), [{ name: 'https', port: 443, targetPort: 443 }]);

    new SmokeTest(chart, 'smoke-test', {
      allowMutableImageTags,
      targets: [...services.values()].map((service) => ({ service, port: 'http', path: '/health' })),
    });
  },
};
