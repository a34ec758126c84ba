import { App } from 'cdk8s';
import { EnvironmentConfig, StackChart } from '../charts';
import { dev, prod, staging } from '../charts/environments';
import { StorageTier } from '../charts/environment';
import { backup, hostFor, metrics, MetricsIntent, scaling, ScalingIntent, secretSource, storage } from '../charts/platform';
import { problemsOf } from './util';

const chartIn = (env: EnvironmentConfig, stack = 'shop') => new StackChart(new App(), stack, env);

describe('scaling()', () => {
  test('an HPA where the environment autoscales, its maximum divided by the environment', () => {
    expect(scaling(chartIn(prod), { min: 2, max: 10, cpu: 70, memory: 80 })).toEqual({
      autoscaling: { minReplicas: 2, maxReplicas: 10, cpuUtilization: 70, memoryUtilization: 80 },
    });
    expect(scaling(chartIn(staging), { min: 2, max: 7 })).toEqual({ autoscaling: { minReplicas: 2, maxReplicas: 4 } });
  });

  test("the divisor never takes the maximum below the minimum: the environment's policy, kept", () => {
    expect(scaling(chartIn(staging), { min: 2, max: 3 })).toEqual({ autoscaling: { minReplicas: 2, maxReplicas: 2 } });
  });

  test("fixed replicas where it doesn't: `fixed`, else the environment's", () => {
    expect(scaling(chartIn(dev), { min: 2, max: 10 })).toEqual({ replicas: 1 });
    expect(scaling(chartIn(dev), { min: 2, max: 10, fixed: 2 })).toEqual({ replicas: 2 });
  });

  test('a minimum above the maximum is refused, in every environment, not made 5–5', () => {
    for (const env of [dev, prod]) {
      expect(problemsOf(() => scaling(chartIn(env), { min: 5, max: 3 }))).toEqual([
        `[shop-${env.name}] 'scaling().min' must not exceed max (3): an HPA's minimum can't be above its maximum, received 5`,
      ]);
    }
  });

  test('out-of-range and fractional values, and misspelt or mistyped keys, are refused', () => {
    expect(problemsOf(() => scaling(chartIn(prod), { min: 0, max: 2.5, cpu: 120, memory: 0, fixed: 0 }))).toEqual([
      "[shop-prod] 'scaling().min' must be an integer >= 1, received 0",
      "[shop-prod] 'scaling().max' must be an integer >= 1, received 2.5",
      "[shop-prod] 'scaling().cpu' must be an integer from 1 to 100, received 120",
      "[shop-prod] 'scaling().memory' must be an integer from 1 to 100, received 0",
      "[shop-prod] 'scaling().fixed' must be an integer >= 1, received 0",
    ]);
    expect(problemsOf(() => scaling(chartIn(prod), { min: 2, maxx: 4, cpu: '70' } as unknown as ScalingIntent))).toEqual([
      "[shop-prod] 'scaling().maxx' is not a field of ScalingIntent; did you mean 'max'?",
      "[shop-prod] 'scaling().max' must be a number, received undefined",
      "[shop-prod] 'scaling().cpu' must be a number, received \"70\"",
    ]);
  });
});

describe('storage()', () => {
  test("the tier's size and the environment's class", () => {
    expect(storage(chartIn(prod), 'medium')).toEqual({ size: '20Gi', storageClass: 'premium-rwo' });
    expect(storage(chartIn(dev), 'small')).toEqual({ size: '1Gi' });
  });

  test('a tier the environment lacks is refused, not left to the engine default', () => {
    expect(problemsOf(() => storage(chartIn(prod), 'huge' as StorageTier))).toEqual([
      "[shop-prod] 'storage().tier' must be one of the environment's storage tiers (small, medium, large), received \"huge\"",
    ]);
    expect(problemsOf(() => storage(chartIn(prod), 'toString' as StorageTier))).toEqual([
      "[shop-prod] 'storage().tier' must be one of the environment's storage tiers (small, medium, large), received \"toString\"",
    ]);
  });
});

describe('hostFor()', () => {
  test('labels under the domain', () => {
    expect(hostFor(chartIn(prod), 'api.shop')).toBe('api.shop.berth.example.com');
  });

  test.each(['Api', 'api..shop', '', 'api_shop', '-api'])('%j is refused', (sub) => {
    expect(problemsOf(() => hostFor(chartIn(prod), sub))).toEqual([
      `[shop-prod] 'hostFor().sub' must be '.'-separated DNS labels (lowercase letters, digits and '-', at most 63 each), such as 'api.shop', received ${JSON.stringify(sub)}`,
    ]);
  });

  test('a host longer than a DNS name is refused', () => {
    const sub = Array.from({ length: 4 }, () => 'a'.repeat(63)).join('.');
    expect(problemsOf(() => hostFor(chartIn(prod), sub))).toEqual([
      `[shop-prod] 'hostFor().sub' makes "${sub}.berth.example.com", longer than a DNS name may be (253), received "${sub}"`,
    ]);
  });
});

describe('secretSource()', () => {
  const sealed: EnvironmentConfig = {
    ...prod, secrets: { mode: 'sealed', encryptedData: { 'shop-prod/db-credentials': { password: 'AgB…' } } },
  };

  test('sealed data comes from the environment, per namespace and Secret', () => {
    expect(secretSource(chartIn(sealed), 'db-credentials')).toEqual({ mode: 'sealed', encryptedData: { password: 'AgB…' } });
  });

  test('a Secret nobody sealed is refused, naming where its data belongs', () => {
    expect(problemsOf(() => secretSource(chartIn(sealed), 'api-keys'))).toEqual([
      "[shop-prod] 'secretSource().secretName' has no kubeseal output in charts/environments.ts (environment \"prod\", secrets.encryptedData[\"shop-prod/api-keys\"]), received \"api-keys\"",
    ]);
    expect(problemsOf(() => secretSource(chartIn(prod), 'API_KEYS'))).toEqual([
      "[shop-prod] 'secretSource().secretName' must be a Secret name (DNS-1123 subdomain), received \"API_KEYS\"",
    ]);
  });
});

describe('metrics() and backup()', () => {
  test('ServiceMonitors where the environment monitors; backups where it schedules them', () => {
    expect(metrics(chartIn(prod))).toEqual({ path: '/metrics', scraperNamespace: 'monitoring', serviceMonitor: true });
    expect(metrics(chartIn(dev), { port: 'http', path: '/m' })).toEqual({ port: 'http', path: '/m', scraperNamespace: 'monitoring', serviceMonitor: false });
    expect(problemsOf(() => metrics(chartIn(prod), { prot: 9100 } as unknown as MetricsIntent))).toEqual([
      "[shop-prod] 'metrics().prot' is not a field of MetricsIntent; did you mean 'port'?",
    ]);
    expect(backup(chartIn(prod))).toEqual({ schedule: '0 2 * * *', retain: 14, size: '50Gi' });
    expect(backup(chartIn(dev))).toBeUndefined();
  });
});
