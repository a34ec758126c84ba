import { App, Chart, Testing } from 'cdk8s';
import { planAll } from '../charts';
import { NamespaceBaseline, Peer, StatefulStore, WebService } from '../constructs';
import { POLICY_CONTEXT } from '../constructs/core/policy';
import { Finding } from '../synth/finding';
import { checkSafetyNet, runChecks, SafetyNetError, validateApp, validateChart } from '../synth/safety-net';
import { renderUnit } from '../synth/render';

/** A namespace with its baseline, a service and the store it uses: everything the safety net wants. */
function shop(scope: App | Chart, id = 'shop'): Chart {
  const chart = new Chart(scope, id, { namespace: `${id}-dev`, disableResourceNameHashes: true });
  new NamespaceBaseline(chart, 'baseline', {});
  const db = new StatefulStore(chart, 'postgres', {
    engine: 'postgres', credentials: { mode: 'generated' }, allowGeneratedCredentials: true, postgres: { database: 'shop', username: 'shop' },
  });
  const api = new WebService(chart, 'api', { image: 'ghcr.io/acme/api:1.4.2', ports: [{ name: 'http', port: 8080 }] });
  api.connectTo(db);
  api.allowFrom(Peer.namespace('ingress-nginx'));
  return chart;
}

function refusal(fn: () => void): SafetyNetError {
  try {
    fn();
  } catch (e) {
    if (e instanceof SafetyNetError) return e;
    throw e;
  }
  throw new Error('nothing was refused');
}

describe('validateApp: the safety net before app.synth()', () => {
  test('an app that passes: nothing thrown, nothing found', () => {
    const app = Testing.app();
    shop(app);
    expect(() => validateApp(app, { allowPlaintextSecrets: true })).not.toThrow();
    expect(checkSafetyNet(app, { allowPlaintextSecrets: true })).toEqual({ problems: [], findings: [], crashes: [] });
  });

  test('a refusal reads as the runner\'s: a header, then one line per problem; the default environment is "app"', () => {
    const app = Testing.app();
    shop(app);
    const e = refusal(() => validateApp(app));
    expect(e.message).toEqual([
      'berth: synth refused: 2 problem(s) in the synthesized output',
      '  app/shop Secret/postgres-admin-credentials [shop/postgres/admin-credentials/secret] data: holds 2 plaintext value(s) (password, username), which environment "app" does not allow (hint: use an ExternalSecret or a SealedSecret, so no secret value lands in git)',
      '  app/shop Secret/postgres-credentials [shop/postgres/credentials/secret] data: holds 3 plaintext value(s) (password, url, username), which environment "app" does not allow (hint: use an ExternalSecret or a SealedSecret, so no secret value lands in git)',
    ].join('\n'));
    expect(e.result.findings.map((f: Finding) => [f.env, f.stack, f.kind, f.name, f.constructPath, f.field])).toEqual([
      ['app', 'shop', 'Secret', 'postgres-admin-credentials', 'shop/postgres/admin-credentials/secret', 'data'],
      ['app', 'shop', 'Secret', 'postgres-credentials', 'shop/postgres/credentials/secret', 'data'],
    ]);
    expect(Object.keys(e)).toEqual(['name']); // not 'result': an uncaught refusal prints its lines once
  });

  test('every chart is a stack of its own, nested ones too, named by construct path', () => {
    const app = Testing.app();
    const outer = shop(app, 'a');
    shop(outer, 'b');
    expect(checkSafetyNet(app, { env: 'dev' }).findings.map((f) => `${f.env}/${f.stack} ${f.kind}/${f.name}`)).toEqual([
      'dev/a Secret/postgres-admin-credentials',
      'dev/a Secret/postgres-credentials',
      'dev/a/b Secret/postgres-admin-credentials',
      'dev/a/b Secret/postgres-credentials',
    ]);
  });

  test('validateChart checks one chart', () => {
    const app = Testing.app();
    shop(app, 'a');
    const b = shop(app, 'b');
    expect(refusal(() => validateChart(b)).result.findings.map((f) => f.stack)).toEqual(['b', 'b']);
  });

  test('problems of the construct tree come first, as the runner reports them', () => {
    const app = Testing.app();
    const chart = shop(app);
    chart.node.addValidation({ validate: () => ['a chart that validates nothing'] });
    expect(refusal(() => validateApp(app)).message).toEqual([
      'berth: synth refused: 1 problem(s) in the stack definitions',
      '  [shop] a chart that validates nothing',
    ].join('\n'));
  });

  test('allowances: an option wins over the chart\'s platform policy, which wins over the default', () => {
    const latest = (policy?: object): Chart => {
      const app = Testing.app();
      const chart = new Chart(app, 'shop', { namespace: 'shop-dev', disableResourceNameHashes: true });
      if (policy) chart.node.setContext(POLICY_CONTEXT, policy);
      new WebService(chart, 'api', { image: 'ghcr.io/acme/api:latest', ports: [{ name: 'http', port: 8080 }], allowMutableImageTags: true }).allowFrom(Peer.namespace('ingress-nginx'));
      return chart;
    };
    const mutable = (chart: Chart, options = {}) => checkSafetyNet(chart, options).findings.filter((f) => f.field.endsWith('.image')).length;
    const images = { images: { allowMutableTags: true, pullPolicy: 'Always' } };
    expect([mutable(latest()), mutable(latest(images)), mutable(latest(images), { allowMutableImageTags: false }),
      mutable(latest(), { allowMutableImageTags: true })]).toEqual([1, 0, 1, 0]);
  });

  test('pullPolicy: from the option, else the chart\'s policy, else no check', () => {
    const pulled = (policy?: object): Chart => {
      const chart = new Chart(Testing.app(), 'shop', { namespace: 'shop-dev', disableResourceNameHashes: true });
      if (policy) chart.node.setContext(POLICY_CONTEXT, policy);
      new WebService(chart, 'api', { image: 'ghcr.io/acme/api:1.4.2', ports: [{ name: 'http', port: 8080 }] }).allowFrom(Peer.namespace('ingress-nginx'));
      return chart;
    };
    const pulls = (chart: Chart, options = {}) => checkSafetyNet(chart, options).findings.filter((f) => f.field.endsWith('.imagePullPolicy')).map((f) => f.message);
    const always = { images: { allowMutableTags: false, pullPolicy: 'Always' } };
    expect(pulls(pulled())).toEqual([]);
    expect(pulls(pulled(always))).toEqual([]);
    expect(pulls(pulled(always), { pullPolicy: 'IfNotPresent' })).toEqual(['must be "IfNotPresent", as environment "app" pulls images, received "Always"']);
    expect(pulls(pulled(), { pullPolicy: 'Never' }).length).toBe(1);
  });

  test('a berth StackChart is checked with its environment\'s policy, as npm run synth checks it', () => {
    const chosen = planAll().filter((u) => (u.environment ?? u.env) !== 'staging' && (u.stack === 'todo-app' || u.stack === 'nexus'));
    expect(chosen.length).toBeGreaterThanOrEqual(4);
    for (const unit of chosen) {
      expect([unit.env, unit.stack, checkSafetyNet(unit.build(), { env: unit.env }).text]).toEqual([unit.env, unit.stack, undefined]);
    }
  });
});

describe('runChecks', () => {
  test('a crashing check is one more line and doesn\'t hide the others\' findings', () => {
    const chart = shop(Testing.app());
    const stack = renderUnit({ env: 'dev', stack: 'shop', chart });
    const finding: Finding = { env: 'dev', stack: 'shop', kind: 'Service', name: 'api', constructPath: 'shop/api/service', field: 'spec', message: 'is odd' };
    const crashing = function crashing(): Finding[] {
      throw new Error('boom');
    };
    expect(runChecks([{ validators: [crashing, () => [finding]], stack }])).toEqual({
      findings: [finding],
      crashes: ['validator crashing crashed on dev/shop: boom'],
    });
  });
});
