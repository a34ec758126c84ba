import { Probe } from '../../constructs/core/probes';
import { IngressGateway } from '../../constructs/ingress-gateway';
import { SmokeTest } from '../../constructs/smoke-test';
import { StatefulStore } from '../../constructs/stateful-store';
import { WebService } from '../../constructs/web-service';
import { hostFor } from '../platform';
import { StackDefinition } from '../stack';

/**
 * todo-app (plan 003): Next.js frontend and FastAPI backend (API under `/api/v1`), both
 * running as UID/GID 1001 as their Dockerfiles do, and Postgres. TLS outside dev (from the
 * environment), NetworkPolicies from the wiring below, and ServiceMonitors where the
 * environment runs the Prometheus Operator.
 *
 * Chosen where the plan is silent: images `todo-frontend` and `todo-backend`, the plan's
 * local builds (its `:latest` runs in dev only), backend `small` resources and HPA 2–6,
 * backend metrics at `/metrics` on its HTTP port.
 */
export const todoApp: StackDefinition = {
  id: 'todo-app',
  build: (chart) => {
    const gateway = new IngressGateway(chart, 'gateway', { name: 'todo-app' });
    const host = hostFor(chart, 'todo-app');
    const runAs = { uid: 1001, gid: 1001 };
    const postgres = new StatefulStore(chart, 'postgres', {
      engine: 'postgres',
      postgres: { database: 'todo', username: 'todo' },
      storage: { tier: 'medium' },
      resources: 'medium',
      backup: true,
    });

    const backend = new WebService(chart, 'backend', {
      image: 'todo-backend',
      ports: [{ name: 'http', port: 8000 }],
      env: postgres.connectionEnv({ prefix: 'DB_' }),
      healthPath: '/health',
      runAs,
      scaling: { min: 2, max: 6, cpu: 75 },
      metrics: {},
    });
    backend.connectTo(postgres);

    const frontend = new WebService(chart, 'frontend', {
      component: 'frontend',
      image: 'todo-frontend',
      ports: [{ name: 'http', port: 3000 }],
      // Built into the browser bundle: the public host (the gateway routes /api/v1), never cluster DNS.
      env: { NEXT_PUBLIC_API_BASE_URL: gateway.publicUrl(host, '/api/v1') },
      // The plan's /health for readiness; liveness a connect, which no dependency can fail.
      readinessProbe: Probe.http('/health', { initialDelaySeconds: 5, periodSeconds: 5 }),
      livenessProbe: Probe.tcp({ initialDelaySeconds: 30, periodSeconds: 10 }),
      resources: { cpu: { request: '100m', limit: '200m' }, memory: { request: '128Mi', limit: '256Mi' } },
      runAs,
      writablePaths: ['/app/.next/cache'],
      // Two pods even where the environment runs one of each: the plan gives the frontend 2.
      scaling: { min: 2, max: 4, cpu: 75, fixed: 2 },
    });
    frontend.connectTo(backend);

    gateway.routeTo(frontend, { host, path: '/' });
    gateway.routeTo(backend, { host, path: '/api/v1' });

    new SmokeTest(chart, 'smoke-test', {
      targets: [{ service: backend, port: 'http', path: '/health' }, { service: frontend, port: 'http', path: '/health' }],
    });
  },
};
