import { ApiObject, JsonPatch } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { baseline, restrictedContainer, webApp } from './fixtures/stack';
import { namespacedChart } from './util';
import { App } from 'cdk8s';
import { StackChart } from '../charts';
import { prod } from '../charts/environments';
import { StatefulStore } from '../constructs/stateful-store';
import { WebService } from '../constructs/web-service';
import { PlatformPolicy, POLICY_CONTEXT } from '../constructs/core/policy';

function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the assertion passed');
}

describe('jest matchers for stack authors', () => {
  test('a valid stack passes all three', () => {
    const chart = namespacedChart();
    baseline(chart);
    webApp(chart, 'web');
    expect(chart).toBeValidKubernetes();
    expect(chart).toPassRestricted();
    expect(chart).toPassSafetyNet();
  });

  test('toPassRestricted lists every finding, one per line', () => {
    const chart = namespacedChart();
    new k8s.KubeJob(chart, 'migrate', {
      metadata: { name: 'migrate' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'ghcr.io/acme/migrate:1.0.0' }] } } },
    });
    expect(failureOf(() => expect(chart).toPassRestricted())).toBe([
      'expected chart shop-dev to pass Pod Security Standards restricted, found 4 problem(s):',
      '  test/shop-dev Job/migrate [shop-dev/migrate] spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: must be false, received undefined (Pod Security Standards restricted)',
      "  test/shop-dev Job/migrate [shop-dev/migrate] spec.template.spec.containers[0].securityContext.runAsNonRoot: must be true here or in the pod's securityContext, received undefined (Pod Security Standards restricted)",
      "  test/shop-dev Job/migrate [shop-dev/migrate] spec.template.spec.containers[0].securityContext.seccompProfile.type: must be RuntimeDefault or Localhost here or in the pod's securityContext, received undefined (Pod Security Standards restricted)",
      '  test/shop-dev Job/migrate [shop-dev/migrate] spec.template.spec.containers[0].securityContext.capabilities.drop: must include ALL, received undefined (Pod Security Standards restricted)',
    ].join('\n'));
  });

  test('toBeValidKubernetes checks the schema and the API server rules, and works with .not', () => {
    const chart = namespacedChart();
    new ApiObject(chart, 'svc', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'Web' },
      spec: { ports: [{ port: 80, targetPort: 'http', protcol: 'TCP' }] },
    });
    expect(chart).not.toBeValidKubernetes();
    expect(failureOf(() => expect(chart).toBeValidKubernetes())).toBe([
      'expected chart shop-dev to be valid Kubernetes, found 2 problem(s):',
      '  test/shop-dev Service/Web [shop-dev/svc] spec.ports[0].protcol: is not a known field (strict validation rejects unknown fields) (hint: did you mean "protocol"?)',
      "  test/shop-dev Service/Web [shop-dev/svc] metadata.name: must be a DNS-1035 label (a lowercase letter first, then letters, digits and '-', at most 63 characters), received \"Web\"",
    ].join('\n'));
  });

  test('toPassSafetyNet takes the environment policy as options', () => {
    const chart = namespacedChart();
    baseline(chart);
    const w = webApp(chart, 'web');
    ApiObject.of(w.deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/image', 'ghcr.io/acme/web:latest'));
    expect(chart).not.toPassSafetyNet({ env: 'prod' });
    expect(chart).toPassSafetyNet({ env: 'dev', mutableTagEnvs: ['dev'] });
  });

  test('toPassSafetyNet reads the chart\'s platform policy, as validateChart does; options still win', () => {
    const chart = namespacedChart();
    chart.node.setContext(POLICY_CONTEXT, { images: { allowMutableTags: true, pullPolicy: 'IfNotPresent' } } satisfies PlatformPolicy);
    baseline(chart);
    const w = webApp(chart, 'web');
    ApiObject.of(w.deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/image', 'ghcr.io/acme/web:latest'));
    expect(chart).toPassSafetyNet();
    expect(chart).toPassSafetyNet({ env: 'dev', mutableTagEnvs: ['dev'] });
    expect(chart).not.toPassSafetyNet({ env: 'prod', mutableTagEnvs: ['dev'] });
    expect(chart).not.toPassSafetyNet({ mutableTagEnvs: [] });
  });

  test('toPassSafetyNet checks the PriorityClasses a berth chart\'s policy names', () => {
    const withClass = (policy: PlatformPolicy) => {
      const chart = namespacedChart();
      chart.node.setContext(POLICY_CONTEXT, policy);
      baseline(chart);
      const w = webApp(chart, 'web');
      ApiObject.of(w.deployment).addJsonPatch(JsonPatch.add('/spec/template/spec/priorityClassName', 'other'));
      return chart;
    };
    expect(withClass({})).toPassSafetyNet();
    const tiers = { service: 'tier-service', store: 'tier-store', batch: 'tier-batch', job: 'tier-job' };
    expect(failureOf(() => expect(withClass({ priorityClasses: tiers })).toPassSafetyNet())).toBe([
      'expected chart shop-dev to pass the safety net, found 1 problem(s):',
      '  test/shop-dev Deployment/web [shop-dev/web-deployment] spec.template.spec.priorityClassName: names no PriorityClass the cluster\'s prerequisites define (tier-service, tier-store, tier-batch, tier-job): the API server refuses the pod, received "other" (hint: set it from the platform policy (withPriority(scope, tier, spec) in a construct))',
    ].join('\n'));
  });

  test('a restricted container from the fixtures passes in a bare pod', () => {
    const chart = namespacedChart();
    new k8s.KubePod(chart, 'pod', {
      metadata: { name: 'debug' },
      spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [restrictedContainer('debug', 'busybox:1.36')] },
    });
    expect(chart).toPassRestricted();
    expect(chart).toBeValidKubernetes();
  });
});

describe('jest matchers for the hardening rules', () => {
  const prodChart = () => new StackChart(new App(), 'shop', prod);

  test('toHavePriority: on a chart every pod template, on a workload its own', () => {
    const c = prodChart();
    const db = new StatefulStore(c, 'postgres', { engine: 'postgres', backup: true });
    const api = new WebService(c, 'api', { image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }] });
    expect(db.statefulSet).toHavePriority('berth-store');
    expect(db.backupCronJob).toHavePriority('berth-batch');
    expect(db.restoreCronJob).toHavePriority('berth-job');
    expect(api.deployment).toHavePriority('berth-service');
    expect(api.deployment).not.toHavePriority('berth-store');
    expect(failureOf(() => expect(c).toHavePriority('berth-store'))).toContain('Deployment/api: priorityClassName is "berth-service"');
  });

  test('toPullImagesWith and toStateEphemeralStorage: every container, init containers included', () => {
    const c = prodChart();
    const api = new WebService(c, 'api', { image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }], initContainers: [{ name: 'migrate' }] });
    expect(c).toPullImagesWith('Always');
    expect(api.deployment).not.toPullImagesWith('IfNotPresent');
    expect(c).toStateEphemeralStorage();
    const bare = namespacedChart();
    new k8s.KubeJob(bare, 'seed', {
      metadata: { name: 'seed' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'seed', image: 'ghcr.io/acme/seed:1.0.0' }] } } },
    });
    expect(failureOf(() => expect(bare).toStateEphemeralStorage())).toBe([
      'expected chart shop-dev to state ephemeral storage on every container:',
      '  Job/seed container seed: no requests.ephemeral-storage',
      '  Job/seed container seed: no limits.ephemeral-storage',
    ].join('\n'));
  });

  test('toAdmitPrincipal: the callee admits exactly its declared callers, on their ports', () => {
    const c = new StackChart(new App(), 'nexus', prod);
    const db = new StatefulStore(c, 'postgres', { engine: 'postgres' });
    const api = new WebService(c, 'api', { image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }] });
    const other = new WebService(c, 'other', { image: 'ghcr.io/acme/other:1.0.0', ports: [{ name: 'http', port: 8080 }] });
    api.connectTo(db);
    expect(db.authorizationPolicy).toAdmitPrincipal('cluster.local/ns/nexus-prod/sa/api', 5432);
    expect(db.authorizationPolicy).not.toAdmitPrincipal('cluster.local/ns/nexus-prod/sa/api', 8080);
    expect(db.authorizationPolicy).not.toAdmitPrincipal('cluster.local/ns/nexus-prod/sa/other');
    expect(other.authorizationPolicy).not.toAdmitPrincipal('cluster.local/ns/nexus-prod/sa/api');
  });
});

