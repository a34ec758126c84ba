import { App } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { StackChart } from '../charts';
import { prod } from '../charts/environments';
import { MigrationJob } from '../constructs/migration-job';
import { NamespaceBaseline } from '../constructs/namespace-baseline';
import { StatefulStore } from '../constructs/stateful-store';
import { WebService } from '../constructs/web-service';
import { formatFinding } from '../synth';
import { findingsOf } from '../synth/testing';
import { quotaFitValidator } from '../synth/validate/quota';
import { stackBudget } from '../tools/lib/budget';
import { synth } from './util';

const q = (v: string) => k8s.Quantity.fromString(v);
const lines = (c: StackChart) => findingsOf(c, [quotaFitValidator()], 'prod').map(formatFinding);
const HINT_QUOTA = '(hint: raise the ResourceQuota, or lower minimum replicas, requests or volume sizes; npm run report shows the whole budget)';

function chart(quota: Partial<typeof prod.quota> = {}): StackChart {
  const c = new StackChart(new App(), 'shop', prod);
  new NamespaceBaseline(c, 'baseline', { quota: { ...prod.quota, ...quota } });
  return c;
}
const web = (c: StackChart, extra: Partial<ConstructorParameters<typeof WebService>[2]> = {}) =>
  new WebService(c, 'web', { image: 'ghcr.io/acme/web:1.0.0', ports: [{ name: 'http', port: 8080 }], ...extra });

describe('quota fit', () => {
  test('a stack whose floor fits passes, at HPA minimums, even if its maximum would not', () => {
    const c = chart({ requestsCpu: '1', pods: 4 });
    web(c, { autoscaling: { minReplicas: 4, maxReplicas: 40 }, resources: 'medium' });
    expect(lines(c)).toEqual([]);
    // The report still shows the maximum and peak beyond the quota.
    expect(stackBudget(synth(c)).quota.filter((x) => !x.fits).map((x) => x.resource)).toEqual(['requests.cpu', 'pods']);
  });

  test('the floor above a quota is refused with the figures and the largest shares', () => {
    const c = chart({ requestsCpu: '1', requestsStorage: '1Ti' });
    web(c, { autoscaling: { minReplicas: 4, maxReplicas: 8 }, resources: 'medium' });
    new StatefulStore(c, 'db', { engine: 'postgres', credentials: { mode: 'external', clusterSecretStore: 'vault' }, storage: { size: '2Ti' } });
    expect(lines(c)).toEqual([
      `prod/shop-prod ResourceQuota/baseline [shop-prod/baseline/quota] spec.hard["requests.cpu"]: the stack needs 1.25 at minimum replicas (Deployment/web 4 × 250m, StatefulSet/postgres 1 × 250m), more than the quota's 1: pods beyond it are refused at admission ${HINT_QUOTA}`,
      `prod/shop-prod ResourceQuota/baseline [shop-prod/baseline/quota] spec.hard["requests.storage"]: the stack needs 2Ti at minimum replicas (StatefulSet/postgres 1 × 2Ti), more than the quota's 1Ti: claims beyond it are refused at admission ${HINT_QUOTA}`,
    ]);
  });

  test('ephemeral storage counts against the quota, each container its logs and emptyDirs', () => {
    const c = chart({ limitsEphemeralStorage: '1Gi' });
    // 4 pods × (64Mi of logs + 2 × 256Mi emptyDirs) = 2304Mi.
    web(c, { replicas: 4, writablePaths: ['/cache'] });
    expect(lines(c)).toEqual([
      `prod/shop-prod ResourceQuota/baseline [shop-prod/baseline/quota] spec.hard["limits.ephemeral-storage"]: the stack needs 2.25Gi at minimum replicas (Deployment/web 4 × 576Mi), more than the quota's 1Gi: pods beyond it are refused at admission ${HINT_QUOTA}`,
    ]);
    expect(stackBudget(synth(c)).min).toEqual(expect.objectContaining({ ephemeralRequests: 2304 * 2 ** 20, ephemeralLimits: 2304 * 2 ** 20, ephemeralUnbounded: false }));
  });

  test('one run of a Job must fit beside the floor', () => {
    const c = chart({ pods: 3, limitsMemory: '3Gi' });
    web(c, { replicas: 2, resources: 'large' });
    const m = new MigrationJob(c, 'migrate', { image: 'ghcr.io/acme/web:1.0.0', command: ['migrate'], resources: 'xlarge' });
    expect(lines(c)).toEqual([
      `prod/shop-prod Job/${m.jobName} [shop-prod/migrate/job] spec.template: one run (1 pod(s), 2Gi of limits.memory) does not fit beside the stack at minimum replicas: 2Gi + 2Gi = 4Gi, more than ResourceQuota/baseline's 3Gi, so its pods are refused and it never runs (hint: raise the ResourceQuota, or lower the Job's requests or the stack's minimum replicas)`,
    ]);
    const d = chart({ pods: 2 });
    web(d, { replicas: 2 });
    const n = new MigrationJob(d, 'migrate', { image: 'ghcr.io/acme/web:1.0.0', command: ['migrate'] });
    expect(lines(d)).toEqual([
      `prod/shop-prod Job/${n.jobName} [shop-prod/migrate/job] spec.template: one run (1 pod(s)) does not fit beside the stack at minimum replicas: 2 + 1 = 3, more than ResourceQuota/baseline's 2, so its pods are refused and it never runs (hint: raise the ResourceQuota, or lower the Job's requests or the stack's minimum replicas)`,
    ]);
  });

  test("LimitRange defaults count, and a container the quota constrains but nothing fills is refused", () => {
    const c = new StackChart(new App(), 'shop', prod);
    new k8s.KubeResourceQuota(c, 'quota', { metadata: { name: 'q' }, spec: { hard: { 'requests.cpu': q('2'), 'limits.memory': q('8Gi') } } });
    new k8s.KubeLimitRange(c, 'limits', { metadata: { name: 'lr' }, spec: { limits: [{ type: 'Container', defaultRequest: { cpu: q('1') } }] } });
    new k8s.KubeDeployment(c, 'worker', {
      metadata: { name: 'worker' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'worker' } },
        template: { metadata: { labels: { app: 'worker' } }, spec: { containers: [{ name: 'worker', image: 'ghcr.io/acme/worker:1.0.0' }] } },
      },
    });
    expect(lines(c)).toEqual([
      `prod/shop-prod ResourceQuota/q [shop-prod/quota] spec.hard["requests.cpu"]: the stack needs 3 at minimum replicas (Deployment/worker 3 × 1), more than the quota's 2: pods beyond it are refused at admission ${HINT_QUOTA}`,
      'prod/shop-prod Deployment/worker [shop-prod/worker] spec.template.spec.containers[0].resources.limits.memory: is not set, and no LimitRange gives a default, but ResourceQuota/q constrains limits.memory: the API server refuses the pod ("must specify limits.memory") (hint: set resources.limits.memory on the container, or a default in the LimitRange)',
    ]);
  });

  test('LimitRange bounds: container max, min and ratio, the pod total and claim sizes', () => {
    const c = chart();
    new StatefulStore(c, 'db', {
      engine: 'postgres', credentials: { mode: 'external', clusterSecretStore: 'vault' }, storage: { size: '2Ti' },
      resources: { cpu: { request: '100m', limit: '8' }, memory: { request: '1Gi', limit: '16Gi' } },
    });
    new k8s.KubeLimitRange(c, 'strict', {
      metadata: { name: 'strict' },
      spec: {
        limits: [
          { type: 'Container', min: { cpu: q('200m') }, maxLimitRequestRatio: { cpu: q('4') } },
          { type: 'Pod', max: { memory: q('4Gi') } },
          { type: 'PersistentVolumeClaim', max: { storage: q('1Ti') } },
        ],
      },
    });
    const at = 'prod/shop-prod StatefulSet/postgres [shop-prod/db/statefulset]';
    const c0 = 'spec.template.spec.containers[0].resources';
    expect(lines(c)).toEqual([
      `prod/shop-prod ResourceQuota/baseline [shop-prod/baseline/quota] spec.hard["requests.storage"]: the stack needs 2Ti at minimum replicas (StatefulSet/postgres 1 × 2Ti), more than the quota's 1Ti: claims beyond it are refused at admission ${HINT_QUOTA}`,
      `${at} ${c0}.limits.cpu: is 8, above LimitRange/baseline's maximum per container of 4: the API server refuses the pod (hint: keep the container within LimitRange/baseline, or change its limits[0])`,
      `${at} ${c0}.limits.memory: is 16Gi, above LimitRange/baseline's maximum per container of 8Gi: the API server refuses the pod (hint: keep the container within LimitRange/baseline, or change its limits[0])`,
      `${at} ${c0}.requests.cpu: is 100m, below LimitRange/strict's minimum per container of 200m: the API server refuses the pod (hint: keep the container within LimitRange/strict, or change its limits[0])`,
      `${at} ${c0}.limits.cpu: is 8, 80 times the request of 100m, above LimitRange/strict's maxLimitRequestRatio of 4: the API server refuses the pod (hint: keep the container within LimitRange/strict, or change its limits[0])`,
      `${at} spec.template.spec: limits the pod's memory to 16Gi, but LimitRange/strict allows a pod at most 4Gi: the API server refuses the pod (hint: keep it within LimitRange/strict, or change its limits[1])`,
      `${at} spec.volumeClaimTemplates[0].spec.resources.requests.storage: is 2Ti, above LimitRange/strict's maximum per claim of 1Ti: the API server refuses the claim (hint: keep it within LimitRange/strict, or change its limits[2])`,
    ]);
  });

  test('a LimitRange maximum needs a limit; a default that breaks it is named as the default', () => {
    const c = new StackChart(new App(), 'shop', prod);
    new k8s.KubeLimitRange(c, 'limits', {
      metadata: { name: 'lr' },
      spec: { limits: [{ type: 'Container', max: { cpu: q('1'), memory: q('1Gi') }, default: { memory: q('2Gi') } }] },
    });
    new k8s.KubeJob(c, 'job', {
      metadata: { name: 'once' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'once', image: 'ghcr.io/acme/once:1.0.0' }] } } },
    });
    const at = 'prod/shop-prod Job/once [shop-prod/job] spec.template.spec.containers[0].resources';
    expect(lines(c)).toEqual([
      `${at}.limits.cpu: is not set, but LimitRange/lr sets a maximum per container of 1, which needs a limit: the API server refuses the pod (hint: keep the container within LimitRange/lr, or change its limits[0])`,
      `${at}.limits.memory: is 2Gi (LimitRange/lr's default), above LimitRange/lr's maximum per container of 1Gi: the API server refuses the pod (hint: keep the container within LimitRange/lr, or change its limits[0])`,
    ]);
  });

  test('a stack without quota or LimitRange is not judged', () => {
    const c = new StackChart(new App(), 'shop', prod);
    web(c, { replicas: 50, resources: 'xlarge' });
    expect(lines(c)).toEqual([]);
  });
});
