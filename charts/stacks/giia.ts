import { AppSecret } from '../../constructs/app-secret';
import { EnvFrom } from '../../constructs/core/env-from';
import { Peer } from '../../constructs/core/connections';
import { Probe } from '../../constructs/core/probes';
import { IngressGateway } from '../../constructs/ingress-gateway';
import { ProvidedSecret } from '../../constructs/provided-secret';
import { SharedConfig } from '../../constructs/shared-config';
import { SmokeTest } from '../../constructs/smoke-test';
import { StatefulStore } from '../../constructs/stateful-store';
import { WebService } from '../../constructs/web-service';
import { hostFor } from '../platform';
import { StackDefinition } from '../stack';

/**
 * giia (plan 000): six Go services, each HTTP + gRPC, sharing one ConfigMap and one Secret
 * through envFrom; Postgres with one schema per service, Redis with auth, NATS JetStream;
 * one nginx host per service; HPA 2–10 at 80 % CPU and rolling updates of 1/1.
 *
 * Names are the plan's: Services `<name>-service` (its Helm charts' names, which its own
 * check curls), the stores `postgresql`, `redis-master` and `nats`, the database
 * `giia_<env>` (`giia_dev` in the plan) owned by `giia`, and the plan's env vars
 * (`DATABASE_HOST`, `DATABASE_PORT`, `DATABASE_PASSWORD`, `REDIS_URL`, `REDIS_PASSWORD`,
 * `NATS_URL`, `ENVIRONMENT`, `LOG_LEVEL`, `JWT_SECRET`).
 *
 * Chosen where the plan is silent: ports 8081–8086 (HTTP) and 9091–9096 (gRPC) following
 * auth's pattern; images `giia/<svc>-service` (the plan's local builds; versions in releases/); metrics on port 9090 at
 * /metrics; ai-agent may call external LLM APIs over HTTPS; PgBouncer in front of Postgres
 * (six services at their HPA maxima would open ~330 connections). The plan names one gRPC
 * call, catalog → auth: the other services' gRPC ports serve no caller, so they are
 * internal-only (on the pod, not the Service) until one is declared.
 */
const SERVICES: readonly { name: string; schema: string; http: number; grpc: number }[] = [
  { name: 'auth', schema: 'auth', http: 8081, grpc: 9091 },
  { name: 'catalog', schema: 'catalog', http: 8082, grpc: 9092 },
  { name: 'ddmrp-engine', schema: 'ddmrp', http: 8083, grpc: 9093 },
  { name: 'execution', schema: 'execution', http: 8084, grpc: 9094 },
  { name: 'analytics', schema: 'analytics', http: 8085, grpc: 9095 },
  { name: 'ai-agent', schema: 'ai_agent', http: 8086, grpc: 9096 },
];

/** Services whose gRPC port has a caller in the plan. */
const GRPC_CALLED = new Set(['auth']);

export const giia: StackDefinition = {
  id: 'giia',
  build: (chart, env) => {
    const postgres = new StatefulStore(chart, 'postgres', {
      engine: 'postgres',
      name: 'postgresql',
      postgres: { database: `giia_${env.name}`, username: 'giia', schemas: SERVICES.map((s) => s.schema), pooler: {} },
      storage: { tier: 'medium' },
      resources: { cpu: { request: '250m', limit: '1' }, memory: { request: '512Mi', limit: '1Gi' } },
      backup: true,
    });
    const redis = new StatefulStore(chart, 'redis', {
      engine: 'redis',
      name: 'redis-master',
      storage: { tier: 'small' },
      resources: 'small',
    });
    const nats = new StatefulStore(chart, 'nats', {
      engine: 'nats',
      storage: { tier: 'small' },
      resources: { cpu: { request: '100m', limit: '500m' }, memory: { request: '256Mi', limit: '512Mi' } },
    });

    // Store endpoints and credentials come from each store's connectionEnv(), so the
    // shared config holds only what is the same for every service and not secret.
    const shared = new SharedConfig(chart, 'shared-config', {
      data: {
        LOG_LEVEL: env.logLevel,
        // What the services' code compares against: 'development' or 'production'.
        ENVIRONMENT: env.appEnvironment,
        EVENTS_STREAM: 'GIIA_EVENTS',
      },
    });
    const sharedSecrets = new AppSecret(chart, 'shared-secrets', { keys: ['JWT_SECRET'] });
    // The key of the LLM provider ai-agent calls: only the operator has it.
    const llm = new ProvidedSecret(chart, 'llm-credentials', {
      values: { LLM_API_KEY: { description: 'The API key of the LLM provider ai-agent calls over HTTPS' } },
    });

    const gateway = new IngressGateway(chart, 'gateway', { name: 'giia' });
    const services = new Map<string, WebService>();
    for (const s of SERVICES) {
      const svc = new WebService(chart, s.name, {
        name: `${s.name}-service`,
        image: `giia/${s.name}-service`,
        ports: [{ name: 'http', port: s.http }, { name: 'grpc', port: s.grpc, internalOnly: !GRPC_CALLED.has(s.name) }],
        env: {
          PORT: String(s.http),
          GRPC_PORT: String(s.grpc),
          DATABASE_SCHEMA: s.schema,
          ...postgres.connectionEnv({ prefix: 'DATABASE_' }),
          ...nats.connectionEnv(),
          // The plan's shared config gives every service REDIS_URL.
          ...redis.connectionEnv(),
          ...(s.name === 'ai-agent' ? { LLM_API_KEY: llm.envValue('LLM_API_KEY') } : {}),
        },
        envFrom: [EnvFrom.configMap(shared), EnvFrom.secret(sharedSecrets.secretName)],
        resources: 'small',
        // /health reports the service's dependencies (postgres, NATS): readiness only. Liveness
        // is a connect, so an outage of either takes pods out of the Service without restarting them.
        readinessProbe: Probe.http('/health', { initialDelaySeconds: 5, periodSeconds: 5, checksDependencies: true }),
        livenessProbe: Probe.tcp({ initialDelaySeconds: 10, periodSeconds: 10 }),
        scaling: { min: 2, max: 10, cpu: 80 },
        maxSurge: 1,
        maxUnavailable: 1,
        metrics: {},
      });
      svc.connectTo(postgres);
      svc.connectTo(nats);
      svc.connectTo(redis);
      gateway.routeTo(svc, { host: hostFor(chart, `${s.name}.giia`), port: 'http' });
      services.set(s.name, svc);
    }
    const auth = services.get('auth')!;
    // catalog calls auth over gRPC (plan: "Catalog service can call Auth gRPC endpoint").
    services.get('catalog')!.connectTo(auth, [auth.port('grpc')]);
    services.get('ai-agent')!.allowTo(Peer.internet(), [{ name: 'https', port: 443, targetPort: 443 }]);

    new SmokeTest(chart, 'smoke-test', {
      targets: [...services.values()].map((service) => ({ service, port: 'http', path: '/health' })),
    });
  },
};
