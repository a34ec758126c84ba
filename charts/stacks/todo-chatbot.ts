import { AppSecret } from '../../constructs/app-secret';
import { Peer } from '../../constructs/core/connections';
import { Probe } from '../../constructs/core/probes';
import { IngressGateway } from '../../constructs/ingress-gateway';
import { ProvidedSecret } from '../../constructs/provided-secret';
import { SmokeTest } from '../../constructs/smoke-test';
import { StatefulStore } from '../../constructs/stateful-store';
import { WebService } from '../../constructs/web-service';
import { hostFor } from '../platform';
import { StackDefinition } from '../stack';

/**
 * todo-chatbot (plan 001): Next.js frontend, FastAPI backend and a FastMCP server, Redis
 * with AOF, and Postgres outside the cluster (Neon) through `DATABASE_URL`. One host:
 * `/` → frontend, `/api` → backend, except `/api/auth/*`, which Better Auth serves from the
 * Next.js frontend, and `/api/health`, the plan's check through the ingress, which reaches
 * the backend's `/health`. Better Auth reads `DATABASE_URL` too, so the frontend gets it and
 * may reach the database. Resources are the plan's table; frontend and backend scale 2–5 at
 * 70 % CPU / 80 % memory, up within 30 s and down over 300 s.
 *
 * The operator supplies `DATABASE_URL`, `OPENAI_API_KEY` and the optional `GEMINI_API_KEY`
 * (Secret `todo-chatbot-secrets`, the plan's name: in dev from a local file with `npm run
 * secrets`, elsewhere from the secret store); berth makes `BETTER_AUTH_SECRET`.
 *
 * Chosen where the plan is silent or contradicts itself: the images `todo-chatbot-*` (the plan's local builds);
 * Redis gets a password like every berth store (the plan ran it without auth); the smoke test
 * checks backend `/health` and frontend `/` (the MCP endpoint answers only MCP requests, so its
 * TCP probe covers it).
 */
const NEON = [{ name: 'postgres', port: 5432, targetPort: 5432 }];
const HTTPS = [{ name: 'https', port: 443, targetPort: 443 }];

export const todoChatbot: StackDefinition = {
  id: 'todo-chatbot',
  build: (chart, env) => {
    const gateway = new IngressGateway(chart, 'gateway', { name: 'todo-chatbot' });
    const host = hostFor(chart, 'todo-chatbot');
    const publicUrl = gateway.publicUrl(host);
    const hpa = { min: 2, max: 5, cpu: 70, memory: 80, behavior: {
      scaleUp: { stabilizationWindowSeconds: 30 },
      scaleDown: { stabilizationWindowSeconds: 300 },
    } };
    const big = { cpu: { request: '500m', limit: '1' }, memory: { request: '512Mi', limit: '1Gi' } };
    const redis = new StatefulStore(chart, 'redis', {
      engine: 'redis',
      redis: { appendOnly: true },
      storage: { tier: 'small' },
      resources: { cpu: { request: '250m', limit: '500m' }, memory: { request: '256Mi', limit: '256Mi' } },
    });
    // What only the operator knows: never generated, never in dist/ in plaintext.
    const provided = new ProvidedSecret(chart, 'todo-chatbot-secrets', {
      values: {
        DATABASE_URL: { description: 'The Neon Postgres connection URL (postgresql+asyncpg://…): the backend, the MCP server and Better Auth use it' },
        OPENAI_API_KEY: { description: 'The OpenAI API key the backend calls the chat model with' },
        // The plan marks Gemini optional: missing, it neither stops the backend nor holds a sync wave.
        GEMINI_API_KEY: { description: 'A Google Gemini API key, for the optional Gemini models', required: false },
      },
    });
    // A signing key berth can make: generated in dev, from the secret store elsewhere.
    const auth = new AppSecret(chart, 'auth-secret', { keys: ['BETTER_AUTH_SECRET'] });

    const mcp = new WebService(chart, 'mcp-server', {
      image: 'todo-chatbot-mcp',
      ports: [{ name: 'http', port: 8001 }],
      env: { DATABASE_URL: provided.envValue('DATABASE_URL') },
      readinessProbe: Probe.tcp({ periodSeconds: 5 }),
      livenessProbe: Probe.tcp({ periodSeconds: 10 }),
      resources: { cpu: { request: '250m', limit: '500m' }, memory: { request: '256Mi', limit: '512Mi' } },
      replicas: 1,
    });
    mcp.allowTo(Peer.internet(), NEON);

    const backend = new WebService(chart, 'backend', {
      image: 'todo-chatbot-backend',
      ports: [{ name: 'http', port: 8000 }],
      config: {
        // What the backend's code compares against: 'development' or 'production'.
        ENVIRONMENT: env.appEnvironment,
        LOG_LEVEL: env.logLevel.toUpperCase(),
        HOST: '0.0.0.0',
        PORT: '8000',
        CORS_ORIGINS: publicUrl,
        MCP_SERVER_URL: `${mcp.url}/mcp`,
      },
      env: {
        ...redis.connectionEnv(),
        DATABASE_URL: provided.envValue('DATABASE_URL'),
        OPENAI_API_KEY: provided.envValue('OPENAI_API_KEY'),
        GEMINI_API_KEY: provided.envValue('GEMINI_API_KEY'),
        BETTER_AUTH_SECRET: auth.envValue('BETTER_AUTH_SECRET'),
      },
      healthPath: '/health',
      resources: big,
      // An idle FastAPI worker; the 80 % memory target then means load.
      memoryAtIdle: '256Mi',
      scaling: hpa,
    });
    backend.connectTo(mcp);
    backend.connectTo(redis);
    backend.allowTo(Peer.internet(), [...NEON, ...HTTPS]);

    const frontend = new WebService(chart, 'frontend', {
      component: 'frontend',
      image: 'todo-chatbot-frontend',
      ports: [{ name: 'http', port: 3000 }],
      // NEXT_PUBLIC_* values end up in the browser bundle: the public host, never cluster DNS.
      config: {
        NEXT_PUBLIC_API_URL: publicUrl,
        NEXT_PUBLIC_BETTER_AUTH_URL: publicUrl,
      },
      // Better Auth runs in Next.js and keeps its sessions in the same database.
      env: { BETTER_AUTH_SECRET: auth.envValue('BETTER_AUTH_SECRET'), DATABASE_URL: provided.envValue('DATABASE_URL') },
      healthPath: '/',
      writablePaths: ['/app/.next/cache'],
      resources: big,
      memoryAtIdle: '256Mi',
      scaling: hpa,
    });
    frontend.connectTo(backend);
    frontend.allowTo(Peer.internet(), NEON);

    gateway.routeTo(frontend, { host, path: '/' });
    gateway.routeTo(backend, { host, path: '/api' });
    // Better Auth's routes live in the Next.js app under /api/auth.
    gateway.routeTo(frontend, { host, path: '/api/auth' });
    // The plan checks the backend through the ingress at /api/health; the backend serves /health.
    gateway.routeTo(backend, { host, path: '/api/health', match: 'Exact', rewrite: '/health' });

    new SmokeTest(chart, 'smoke-test', {
      targets: [{ service: backend, port: 'http', path: '/health' }, { service: frontend, port: 'http', path: '/' }],
    });
  },
};
