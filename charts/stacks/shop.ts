import { Probe } from '../../constructs/core/probes';
import { IngressGateway } from '../../constructs/ingress-gateway';
import { SmokeTest } from '../../constructs/smoke-test';
import { StatefulStore } from '../../constructs/stateful-store';
import { WebService } from '../../constructs/web-service';
import { hostFor } from '../platform';
import { StackDefinition } from '../stack';

/**
 * shop (plan 002): user, product and order services, each owning its Postgres and running
 * its migrations in an init container so a pod is Ready only after they finish; the
 * gateway service is the one entry point. Probes are `/healthz` with a startup probe that
 * gives migrations and boot up to 5 minutes before liveness may restart the pod.
 *
 * Chosen where the plan is silent: images `shop/<svc>`, HTTP on 8080, `small`
 * resources, HPA 2–6 at 75 % CPU, `/app/migrate up` as the migration command, and
 * order calling user and product.
 */
const OWNERS = [
  { name: 'user', database: 'users' },
  { name: 'product', database: 'products' },
  { name: 'order', database: 'orders' },
] as const;

export const shop: StackDefinition = {
  id: 'shop',
  build: (chart) => {
    const probes = {
      healthPath: '/healthz',
      startupProbe: Probe.http('/healthz', { periodSeconds: 10, failureThreshold: 30 }),
    };

    const services = new Map<string, WebService>();
    for (const o of OWNERS) {
      const db = new StatefulStore(chart, `${o.name}-db`, {
        engine: 'postgres',
        name: `${o.name}-db`,
        postgres: { database: o.database, username: o.name },
        storage: { tier: 'small' },
        resources: 'medium',
        backup: true,
      });
      const svc = new WebService(chart, o.name, {
        image: `shop/${o.name}`,
        ports: [{ name: 'http', port: 8080 }],
        env: db.connectionEnv({ prefix: 'DB_' }),
        // Same image and env as the app, so the migration sees exactly the app's database.
        initContainers: [{ name: 'migrate', command: ['/app/migrate', 'up'] }],
        ...probes,
        scaling: { min: 2, max: 6, cpu: 75 },
      });
      svc.connectTo(db);
      services.set(o.name, svc);
    }
    const order = services.get('order')!;
    order.connectTo(services.get('user')!);
    order.connectTo(services.get('product')!);

    const gatewaySvc = new WebService(chart, 'gateway', {
      component: 'gateway',
      image: 'shop/gateway',
      ports: [{ name: 'http', port: 8080 }],
      env: Object.fromEntries([...services].map(([name, s]) => [`${name.toUpperCase()}_SERVICE_URL`, s.url])),
      ...probes,
      scaling: { min: 2, max: 8, cpu: 75 },
    });
    for (const s of services.values()) gatewaySvc.connectTo(s);

    const entry = new IngressGateway(chart, 'entry', { name: 'shop' });
    entry.routeTo(gatewaySvc, { host: hostFor(chart, 'shop') });

    new SmokeTest(chart, 'smoke-test', {
      targets: [gatewaySvc, ...services.values()].map((service) => ({ service, port: 'http', path: '/healthz' })),
    });
  },
};
