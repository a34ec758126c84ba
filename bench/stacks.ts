// Synthetic stacks built with berth's own constructs, for `npm run bench`: N WebServices
// with realistic props, one Postgres StatefulStore per 10 services, and one IngressGateway
// routing a host to every service, in every environment (plus each stack's baseline).
import { ENVIRONMENTS, planUnits, StackDefinition } from '../charts';
import { hostFor } from '../charts/platform';
import { IngressGateway } from '../constructs/ingress-gateway';
import type { QuotaSpec } from '../constructs/namespace-baseline';
import { StatefulStore } from '../constructs/stateful-store';
import { WebService } from '../constructs/web-service';
import type { PlannedUnit } from '../synth';

export function benchStack(services: number): StackDefinition {
  return {
    id: 'bench',
    build: (chart) => {
      const stores: StatefulStore[] = [];
      for (let i = 0; i < Math.ceil(services / 10); i++) {
        stores.push(new StatefulStore(chart, `db-${i}`, {
          engine: 'postgres',
          name: `db-${i}`,
          storage: { tier: 'medium' },
          backup: true,
        }));
      }
      const gateway = new IngressGateway(chart, 'gateway', { name: 'bench' });
      const all: WebService[] = [];
      for (let i = 0; i < services; i++) {
        const db = stores[Math.floor(i / 10)];
        const svc = new WebService(chart, `svc-${i}`, {
          image: `ghcr.io/acme/svc-${i}:1.${i % 7}.0`,
          ports: [{ name: 'http', port: 8080 }, { name: 'grpc', port: 9090 }],
          config: { LOG_LEVEL: 'info', FEATURE_FLAGS: `svc-${i}`, UPSTREAM_TIMEOUT: '5s' },
          env: db.connectionEnv({ prefix: 'DB_' }),
          resources: 'small',
          scaling: { min: 2, max: 6, cpu: 75 },
          metrics: { port: 9100 },
        });
        // One connection per pod keeps ten services at their HPA maxima within the store's limit.
        svc.connectTo(db, { pool: 1 });
        gateway.routeTo(svc, { host: hostFor(chart, `svc-${i}.bench`) });
        all.push(svc);
      }
      // Each service calls the next one over gRPC, so no port is dead.
      all.forEach((svc, i) => {
        const next = all[(i + 1) % all.length];
        svc.connectTo(next, [next.port('grpc')]);
      });
    },
  };
}

/**
 * A namespace quota that admits the bench stack at its minimum replicas (the safety net
 * refuses a stack that can't fit): the environments' own quotas are sized for the
 * reference stacks, not for a thousand services in one namespace.
 */
function benchQuota(services: number): QuotaSpec {
  const n = Math.max(services, 10);
  return {
    requestsCpu: String(n), requestsMemory: `${2 * n}Gi`, limitsCpu: String(4 * n), limitsMemory: `${4 * n}Gi`,
    requestsStorage: `${10 * n}Gi`, pods: 5 * n, persistentVolumeClaims: n,
    requestsEphemeralStorage: `${4 * n}Gi`, limitsEphemeralStorage: `${4 * n}Gi`,
  };
}

/** The bench stack in all three environments, one cluster each (prod's second cluster would make it four). */
export function benchUnits(services: number): PlannedUnit[] {
  const quota = benchQuota(services);
  return planUnits(ENVIRONMENTS.map(({ clusters: _clusters, ...env }) => ({ ...env, quota })), [benchStack(services)]);
}
