import { createHmac } from 'crypto';
import { AppSecret, AppSecretProps } from '../constructs/app-secret';
import { EnvValue } from '../constructs/core/env';
import { schemaErrors } from './schema-check';
import { get, namespacedChart, ofKind, one, synth, problemsOf } from './util';

/** Neither Argo CD nor Flux prunes or deletes it. */
const KEEP = { 'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'kustomize.toolkit.fluxcd.io/prune': 'disabled' };

function secretIn(namespace: string, props: AppSecretProps, id = 'db') {
  const chart = namespacedChart(namespace);
  const secret = new AppSecret(chart, id, props);
  return { chart, secret, out: synth(chart) };
}


/** The HMAC's first 32 hex digits, the first shifted from 0-f to g-v. */
const hmac = (seed: string, path: string, key: string) => {
  const hex = createHmac('sha256', seed).update(`${path}\u0000${key}`).digest('hex').slice(0, 32);
  return 'ghijklmnopqrstuv'[parseInt(hex[0], 16)] + hex.slice(1);
};
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
    expect(problemsOf(() => secretIn('giia-prod', { ...props, allowGenerated: undefined }))).toEqual([
      "[giia-prod/db] 'source.mode' is a plaintext credential mode, allowed only where allowGenerated is true (dev); use 'external', 'sealed' or 'existing' outside dev, received \"generated\"",
    ]);
  });

  test('values are 32 characters starting with a letter, so no config parser reads them as a number', () => {
    const values = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'].map((id) => {
      const data = one(secretIn('giia-dev', { source: { mode: 'generated' }, keys: ['password'], allowGenerated: true }, id).out, 'Secret').data as Record<string, string>;
      return Buffer.from(data.password, 'base64').toString();
    });
    for (const v of values) expect(v).toMatch(/^[g-v][0-9a-f]{31}$/);
    expect(values[0]).toBe(hmac('berth', 'giia-dev/a', 'password'));
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

describe('AppSecret templates', () => {
  const conf: AppSecretProps['templates'] = {
    'auth.conf': ['user: "', { key: 'username', escape: 'backslash' }, '"\npassword: "', { key: 'password', escape: 'backslash' }, '"\nraw: ', { key: 'password', escape: 'none' }, '\n'],
  };

  test('generated: rendered by berth from the values, backslash-escaped where asked', () => {
    const { out, secret } = secretIn('giia-dev', {
      name: 'nats', source: { mode: 'generated' }, keys: ['username', 'password'], values: { username: 'a "quoted" \\ user' }, templates: conf, allowGenerated: true,
    });
    const data = one(out, 'Secret', 'nats').data as Record<string, string>;
    const password = hmac('berth', 'giia-dev/db', 'password');
    expect(Buffer.from(data['auth.conf'], 'base64').toString()).toBe(`user: "a \\"quoted\\" \\\\ user"\npassword: "${password}"\nraw: ${password}\n`);
    expect(Object.keys(data).sort()).toEqual(['auth.conf', 'password', 'username']);
    expect(secret.keys).toEqual(['username', 'password', 'auth.conf']);
    expect(secret.envValue('auth.conf')).toEqual(EnvValue.fromSecret('nats', 'auth.conf'));
  });

  test('external: a Go template for External Secrets, fixed values inlined and escaped, fetched ones piped through replace', () => {
    const { out } = secretIn('giia-prod', {
      name: 'nats', source: { mode: 'external', clusterSecretStore: 'berth-prod' }, keys: ['username', 'password'], values: { username: 'na"ts' }, templates: conf,
    });
    expect(one(out, 'ExternalSecret').spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { kind: 'ClusterSecretStore', name: 'berth-prod' },
      target: {
        name: 'nats', creationPolicy: 'Owner', deletionPolicy: 'Retain',
        template: {
          mergePolicy: 'Merge',
          data: {
            'username': 'na"ts',
            'auth.conf': String.raw`user: "na\"ts"
password: "{{ index . "password" | replace "\\" "\\\\" | replace "\"" "\\\"" }}"
raw: {{ index . "password" }}
`,
          },
        },
      },
      data: [{ secretKey: 'password', remoteRef: { key: 'giia-prod/nats', property: 'password' } }],
    });
  });

  test('sealed: the same Go template in the SealedSecret template, rendered by the controller', () => {
    const { out } = secretIn('giia-prod', {
      name: 'nats', source: { mode: 'sealed', encryptedData: { password: 'AgB' } }, keys: ['username', 'password'], values: { username: 'nats' },
      templates: { 'auth.conf': ['password: "', { key: 'password', escape: 'backslash' }, '"'] },
    });
    expect(get(one(out, 'SealedSecret'), 'spec', 'template', 'data')).toEqual({
      'username': 'nats',
      'auth.conf': String.raw`password: "{{ index . "password" | replace "\\" "\\\\" | replace "\"" "\\\"" }}"`,
    });
  });

  test('existing: nothing rendered, but the Secret is expected to hold the key', () => {
    const { out, secret } = secretIn('giia-prod', { source: { mode: 'existing', secretName: 'platform-nats' }, keys: ['username', 'password'], templates: conf });
    expect(out).toEqual([]);
    expect(secret.envValue('auth.conf')).toEqual(EnvValue.fromSecret('platform-nats', 'auth.conf'));
  });

  test('templates: none by default, so the Secret holds exactly its keys', () => {
    const { out, secret } = secretIn('giia-prod', { name: 'nats', source: { mode: 'external', clusterSecretStore: 'berth-prod' }, keys: ['password'] });
    expect(secret.keys).toEqual(['password']);
    expect(get(one(out, 'ExternalSecret'), 'spec', 'target', 'template')).toBeUndefined();
  });

  test('bad templates: a name taken by keys, an unknown key, a literal Go action', () => {
    expect(problemsOf(() => secretIn('giia-prod', {
      source: { mode: 'external', clusterSecretStore: 'berth-prod' }, keys: ['username', 'password'],
      templates: { 'password': ['x'], 'auth.conf': ['{{ .x }}', { key: 'pasword', escape: 'none' }] },
    }))).toEqual([
      "[giia-prod/db] 'templates.password' must be named by a Secret key (alphanumerics, -, _ and .) that is not one of keys, received \"password\"",
      "[giia-prod/db] 'templates.auth.conf[0]' must not contain '{{' (it is rendered as a Go template), received \"{{ .x }}\"",
      "[giia-prod/db] 'templates.auth.conf[1].key' must be one of keys (username, password), received \"pasword\"",
    ]);
  });
});

describe('AppSecret bad input', () => {
  test('every problem is reported at once, with the construct path', () => {
    expect(problemsOf(() => secretIn('giia-prod', {
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
    expect(problemsOf(() => secretIn('shop-prod', {
      source: { mode: 'sealed', encryptedData: { username: 'AgA=' } }, keys: ['username', 'password'], values: { username: 'orders' },
    }))).toEqual([
      "[shop-prod/db] 'source.encryptedData.password' must hold the kubeseal output for this key, received undefined",
      "[shop-prod/db] 'source.encryptedData' must only hold keys without a fixed value (password), received \"username\"",
    ]);
  });

  test('sealed fixed values must not contain a Go template action', () => {
    expect(problemsOf(() => secretIn('shop-prod', {
      source: { mode: 'sealed', encryptedData: { password: 'AgA=' } }, keys: ['username', 'password'], values: { username: '{{ .password }}' },
    }))).toEqual([
      "[shop-prod/db] 'values.username' must not contain '{{' (the Sealed Secrets controller would read it as a template), received \"{{ .password }}\"",
    ]);
  });

  test('an existing Secret cannot be given values, and needs a valid name', () => {
    expect(problemsOf(() => secretIn('shop-prod', {
      source: { mode: 'existing', secretName: 'Platform DB' }, keys: ['username', 'password'], values: { username: 'orders' },
    }))).toEqual([
      "[shop-prod/db] 'values' cannot be written into an existing Secret berth does not manage; put them in that Secret, received [\"username\"]",
      "[shop-prod/db] 'source.secretName' must be a Secret name (DNS-1123 subdomain), received \"Platform DB\"",
    ]);
  });

  test('at least one key', () => {
    expect(problemsOf(() => secretIn('shop-prod', { source: { mode: 'existing', secretName: 'x' }, keys: [] }))).toEqual([
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

describe('AppSecret optional values', () => {
  const EXTERNAL = { mode: 'external', clusterSecretStore: 'berth-prod' } as const;

  test('@default optional: false (a missing remote value keeps the Secret, and consumers require it)', () => {
    const { out, secret } = secretIn('todo-prod', { name: 'ai', source: EXTERNAL, keys: ['OPENAI_API_KEY'] });
    expect(get(one(out, 'ExternalSecret'), 'spec', 'target', 'deletionPolicy')).toBe('Retain');
    expect(secret.envValue('OPENAI_API_KEY')).toEqual(EnvValue.fromSecret('ai', 'OPENAI_API_KEY'));
  });

  test('optional: a missing remote secret is no error (deletionPolicy Delete), so no sync wave waits; consumers read it as optional', () => {
    const { out, secret } = secretIn('todo-prod', { name: 'gemini', source: EXTERNAL, keys: ['GEMINI_API_KEY'], optional: true });
    expect(get(one(out, 'ExternalSecret'), 'spec', 'target')).toEqual({ name: 'gemini', creationPolicy: 'Owner', deletionPolicy: 'Delete' });
    expect([secret.optional, secret.envValue('GEMINI_API_KEY')]).toEqual([true, EnvValue.fromSecret('gemini', 'GEMINI_API_KEY', { optional: true })]);
  });
});

describe('AppSecret url escape: URLs built from secrets survive any password', () => {
  const PASSWORD = 'p@ss:w/rd% +x"y';
  const template = { url: ['postgresql://', { key: 'username', escape: 'url' as const }, ':', { key: 'password', escape: 'url' as const }, '@db:5432/app'] };

  test('generated: the user and password are percent-encoded, so the URL parses back to them', () => {
    const { out } = secretIn('shop-dev', {
      name: 'db', source: { mode: 'generated' }, allowGenerated: true, keys: ['username', 'password'], values: { username: 'app user', password: PASSWORD }, templates: template,
    });
    const url = Buffer.from(get(one(out, 'Secret'), 'data', 'url'), 'base64').toString('utf-8');
    expect(url).toBe('postgresql://app%20user:p%40ss%3Aw%2Frd%25%20%2Bx%22y@db:5432/app');
    const parsed = new URL(url);
    expect([decodeURIComponent(parsed.username), decodeURIComponent(parsed.password), parsed.host]).toEqual(['app user', PASSWORD, 'db:5432']);
  });

  test('external and sealed: the controller encodes with urlquery, and a space becomes %20, not +', () => {
    for (const source of [{ mode: 'external', clusterSecretStore: 'berth-prod' }, { mode: 'sealed', encryptedData: { password: 'AgB…' } }] as const) {
      const { out } = secretIn('shop-prod', { name: 'db', source, keys: ['username', 'password'], values: { username: 'app' }, templates: template });
      const doc = one(out, source.mode === 'external' ? 'ExternalSecret' : 'SealedSecret');
      const data = source.mode === 'external' ? get(doc, 'spec', 'target', 'template', 'data') : get(doc, 'spec', 'template', 'data');
      expect(data.url).toBe('postgresql://app:{{ index . "password" | urlquery | replace "+" "%20" }}@db:5432/app');
    }
  });
});
