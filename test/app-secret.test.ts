import { createHmac } from 'crypto';
import { AppSecret, AppSecretProps } from '../constructs/app-secret';
import { EnvValue } from '../constructs/core/env';
import { ValidationError } from '../constructs/core/errors';
import { schemaErrors } from './schema-check';
import { namespacedChart, ofKind, one, synth } from './util';

/** Neither Argo CD nor Flux prunes or deletes it. */
const KEEP = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };

function secretIn(namespace: string, props: AppSecretProps, id = 'db') {
  const chart = namespacedChart(namespace);
  const secret = new AppSecret(chart, id, props);
  return { chart, secret, out: synth(chart) };
}

function errorsOf(fn: () => unknown): readonly string[] {
  try {
    fn();
  } catch (e) {
    if (e instanceof ValidationError) return e.problems;
    throw e;
  }
  throw new Error('expected a ValidationError');
}

const hmac = (seed: string, path: string, key: string) =>
  createHmac('sha256', seed).update(`${path}\u0000${key}`).digest('hex').slice(0, 32);
const b64 = (s: string) => Buffer.from(s).toString('base64');

describe('AppSecret generated mode', () => {
  const props: AppSecretProps = {
    name: 'db-credentials', source: { mode: 'generated' }, keys: ['username', 'password'], values: { username: 'giia' }, allowGenerated: true,
  };

  test('writes a Secret whose values derive from the construct path and key (seed default "berth")', () => {
    const { out } = secretIn('giia-dev', props);
    expect(one(out, 'Secret', 'db-credentials')).toEqual({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: {
        name: 'db-credentials',
        namespace: 'giia-dev',
        labels: {
          'app.kubernetes.io/name': 'db-credentials',
          'app.kubernetes.io/instance': 'giia-dev',
          'app.kubernetes.io/component': 'credentials',
          'app.kubernetes.io/part-of': 'giia-dev',
          'app.kubernetes.io/managed-by': 'berth',
        },
        annotations: { ...KEEP, 'argocd.argoproj.io/sync-wave': '2' },
      },
      type: 'Opaque',
      data: { username: b64('giia'), password: b64(hmac('berth', 'giia-dev/db', 'password')) },
    });
  });

  test('the same input gives the same bytes on every synth; another path or seed gives other values', () => {
    const a = secretIn('giia-dev', props).out;
    const b = secretIn('giia-dev', props).out;
    expect(a).toEqual(b);
    const otherStack = one(secretIn('shop-dev', props).out, 'Secret').data as Record<string, string>;
    const otherSeed = one(secretIn('giia-dev', { ...props, source: { mode: 'generated', seed: 'rotated' } }).out, 'Secret').data as Record<string, string>;
    const password = (one(a, 'Secret').data as Record<string, string>).password;
    expect(new Set([password, otherStack.password, otherSeed.password]).size).toBe(3);
    expect(otherSeed.password).toBe(b64(hmac('rotated', 'giia-dev/db', 'password')));
  });

  test('is refused unless allowGenerated is set (default false)', () => {
    expect(errorsOf(() => secretIn('giia-prod', { ...props, allowGenerated: undefined }))).toEqual([
      "[giia-prod/db] 'source.mode' is a plaintext credential mode, allowed only where allowGenerated is true (dev); use 'external', 'sealed' or 'existing' outside dev, received \"generated\"",
    ]);
  });

  test('name defaults to the construct id; values default to none (every key generated)', () => {
    const { secret, out } = secretIn('giia-dev', { source: { mode: 'generated' }, keys: ['OPENAI_API_KEY'], allowGenerated: true }, 'openai');
    expect(secret.secretName).toBe('openai');
    expect(one(out, 'Secret', 'openai').data).toEqual({ OPENAI_API_KEY: b64(hmac('berth', 'giia-dev/openai', 'OPENAI_API_KEY')) });
  });
});

describe('AppSecret external mode', () => {
  test('an ExternalSecret reads each key as a property of <namespace>/<name> every 1h, fixed values merged by template', () => {
    const { out, secret } = secretIn('giia-prod', {
      name: 'postgres-credentials', source: { mode: 'external', clusterSecretStore: 'berth-prod' }, keys: ['username', 'password'], values: { username: 'giia' },
    });
    expect(ofKind(out, 'Secret')).toEqual([]);
    const es = one(out, 'ExternalSecret', 'postgres-credentials');
    expect(es.apiVersion).toBe('external-secrets.io/v1');
    expect(es.metadata.annotations).toEqual({ ...KEEP, 'argocd.argoproj.io/sync-wave': '2' });
    expect(es.spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'berth-prod' },
      target: {
        name: 'postgres-credentials', creationPolicy: 'Owner', deletionPolicy: 'Retain',
        template: { mergePolicy: 'Merge', data: { username: 'giia' } },
      },
      data: [{ secretKey: 'password', remoteRef: { key: 'giia-prod/postgres-credentials', property: 'password' } }],
    });
    expect(secret.secretName).toBe('postgres-credentials');
  });

  test('remotePrefix and refreshInterval are configurable; no template without fixed values', () => {
    const { out } = secretIn('giia-prod', {
      name: 'ai', source: { mode: 'external', clusterSecretStore: 'vault', remotePrefix: 'apps/giia/', refreshInterval: '15m' }, keys: ['OPENAI_API_KEY', 'GEMINI_API_KEY'],
    });
    expect(one(out, 'ExternalSecret').spec).toEqual({
      refreshInterval: '15m',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'vault' },
      target: { name: 'ai', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [
        { secretKey: 'OPENAI_API_KEY', remoteRef: { key: 'apps/giia/ai', property: 'OPENAI_API_KEY' } },
        { secretKey: 'GEMINI_API_KEY', remoteRef: { key: 'apps/giia/ai', property: 'GEMINI_API_KEY' } },
      ],
    });
  });
});

describe('AppSecret sealed and existing modes', () => {
  test('a SealedSecret carries the kubeseal output and the fixed values in its template', () => {
    const { out } = secretIn('shop-staging', {
      name: 'orders-db', source: { mode: 'sealed', encryptedData: { password: 'AgBy3i4OJSWK+PiTySYZZA==' } }, keys: ['username', 'password'], values: { username: 'orders' },
    });
    const s = one(out, 'SealedSecret', 'orders-db');
    expect(s.apiVersion).toBe('bitnami.com/v1alpha1');
    expect(s.metadata.annotations).toEqual({ ...KEEP, 'argocd.argoproj.io/sync-wave': '2' });
    expect(s.spec).toEqual({
      encryptedData: { password: 'AgBy3i4OJSWK+PiTySYZZA==' },
      template: {
        metadata: { name: 'orders-db', labels: s.metadata.labels },
        type: 'Opaque',
        data: { username: 'orders' },
      },
    });
  });

  test('existing emits nothing and hands out the Secret name', () => {
    const { out, secret } = secretIn('shop-prod', { source: { mode: 'existing', secretName: 'platform-db' }, keys: ['username', 'password'] });
    expect(out).toEqual([]);
    expect(secret.secretName).toBe('platform-db');
    expect(secret.apiObject).toBeUndefined();
    expect(secret.envValue('password')).toEqual(EnvValue.fromSecret('platform-db', 'password'));
  });

  test('envValue refuses a key the Secret does not hold', () => {
    const { secret } = secretIn('shop-prod', { source: { mode: 'existing', secretName: 'platform-db' }, keys: ['password'] });
    expect(() => secret.envValue('pasword')).toThrow("[shop-prod/db] 'key' must be one of password, received \"pasword\"");
  });
});

describe('AppSecret bad input', () => {
  test('every problem is reported at once, with the construct path', () => {
    expect(errorsOf(() => secretIn('giia-prod', {
      name: 'Bad_Name',
      source: { mode: 'external', clusterSecretStore: 'Vault!', refreshInterval: 'hourly' },
      keys: ['password', 'password', 'has space'],
      values: { user: 'x', password: '{{ .evil }}' },
    }))).toEqual([
      "[giia-prod/db] 'name' must be a DNS-1123 subdomain (lowercase alphanumerics, - and .) of at most 63 characters, received \"Bad_Name\"",
      "[giia-prod/db] 'keys[1]' must not repeat a key, received \"password\"",
      "[giia-prod/db] 'keys[2]' must be a Secret key (alphanumerics, -, _ and .), received \"has space\"",
      "[giia-prod/db] 'values.user' must be one of keys (password, password, has space), received \"user\"",
      "[giia-prod/db] 'source.clusterSecretStore' must be a ClusterSecretStore name (DNS-1123 subdomain), received \"Vault!\"",
      "[giia-prod/db] 'source.refreshInterval' must be a Go duration such as '1h' or '15m', received \"hourly\"",
      "[giia-prod/db] 'values.password' must not contain '{{' (External Secrets would read it as a template), received \"{{ .evil }}\"",
    ]);
  });

  test('sealed data must cover exactly the keys without a fixed value', () => {
    expect(errorsOf(() => secretIn('shop-prod', {
      source: { mode: 'sealed', encryptedData: { username: 'AgA=' } }, keys: ['username', 'password'], values: { username: 'orders' },
    }))).toEqual([
      "[shop-prod/db] 'source.encryptedData.password' must hold the kubeseal output for this key, received undefined",
      "[shop-prod/db] 'source.encryptedData' must only hold keys without a fixed value (password), received \"username\"",
    ]);
  });

  test('an existing Secret cannot be given values, and needs a valid name', () => {
    expect(errorsOf(() => secretIn('shop-prod', {
      source: { mode: 'existing', secretName: 'Platform DB' }, keys: ['username', 'password'], values: { username: 'orders' },
    }))).toEqual([
      "[shop-prod/db] 'values' cannot be written into an existing Secret berth does not manage; put them in that Secret, received [\"username\"]",
      "[shop-prod/db] 'source.secretName' must be a Secret name (DNS-1123 subdomain), received \"Platform DB\"",
    ]);
  });

  test('at least one key', () => {
    expect(errorsOf(() => secretIn('shop-prod', { source: { mode: 'existing', secretName: 'x' }, keys: [] }))).toEqual([
      "[shop-prod/db] 'keys' must name at least one key, received []",
    ]);
  });
});

describe('AppSecret schemas', () => {
  test('Secret, ExternalSecret and SealedSecret match their schemas, with no unknown field', () => {
    const chart = namespacedChart('giia-prod');
    const keys = ['username', 'password'];
    new AppSecret(chart, 'a', { source: { mode: 'generated' }, keys, values: { username: 'u' }, allowGenerated: true });
    new AppSecret(chart, 'b', { source: { mode: 'external', clusterSecretStore: 'berth-prod' }, keys, values: { username: 'u' } });
    new AppSecret(chart, 'c', { source: { mode: 'sealed', encryptedData: { password: 'AgB' } }, keys, values: { username: 'u' } });
    const out = synth(chart);
    expect(out.map((m) => m.kind)).toEqual(['Secret', 'ExternalSecret', 'SealedSecret']);
    expect(schemaErrors(out)).toEqual([]);
  });
});
