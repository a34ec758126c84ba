// Values only an operator can supply: declared by the stack, never generated, never in dist/
// in plaintext; each environment says where they come from; pods that lack a required one say
// which and how to supply it.
import { App, Chart } from 'cdk8s';
import { StackChart } from '../charts';
import { dev, prod } from '../charts/environments';
import { MigrationJob } from '../constructs/migration-job';
import { ProvidedSecret, ProvidedSecretProps } from '../constructs/provided-secret';
import { VALUE_CHECK_IMAGE } from '../constructs/core/value-check';
import { EnvValue } from '../constructs/core/env';
import { WebService } from '../constructs/web-service';
import { get, ofKind, one, problemsOf, synth } from './util';

const VALUES: ProvidedSecretProps['values'] = {
  DATABASE_URL: { description: 'The external database URL' },
  GEMINI_API_KEY: { description: 'A Gemini key', required: false },
};
const chartIn = (env = prod) => new StackChart(new App(), 'todo', env);

describe('ProvidedSecret', () => {
  test('@default required: true; @default name: the construct id; local mode (dev) renders nothing at all', () => {
    const c = chartIn(dev);
    const p = new ProvidedSecret(c, 'app-values', { values: VALUES });
    expect([p.secretName, p.optionalSecretName, p.mode, synth(c)]).toEqual(['app-values', 'app-values', 'local', []]);
    expect(p.envValue('DATABASE_URL')).toEqual(EnvValue.fromProvided('app-values', 'DATABASE_URL', { secretName: 'app-values', key: 'DATABASE_URL', hint: 'npm run secrets -- dev todo' }));
    expect(p.envValue('GEMINI_API_KEY')).toEqual(EnvValue.fromProvided('app-values', 'GEMINI_API_KEY'));
  });

  test('external: required values from <ns>/<name> (Retain, kept from prune); optional ones read whole from <ns>/<name>-optional (Delete: a missing one never holds a sync)', () => {
    const c = chartIn(prod);
    const p = new ProvidedSecret(c, 'app-values', { values: VALUES });
    const out = synth(c);
    const required = one(out, 'ExternalSecret', 'app-values');
    expect(required.metadata.annotations).toEqual({
      'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false', 'argocd.argoproj.io/sync-wave': '2',
      'berth.dev/provided-values': '{"DATABASE_URL":{"description":"The external database URL","required":true}}',
      'kustomize.toolkit.fluxcd.io/prune': 'disabled',
    });
    expect(required.spec).toEqual({
      refreshInterval: '1h', secretStoreRef: { kind: 'ClusterSecretStore', name: 'berth-prod' },
      target: { name: 'app-values', creationPolicy: 'Owner', deletionPolicy: 'Retain' },
      data: [{ secretKey: 'DATABASE_URL', remoteRef: { key: 'todo-prod/app-values', property: 'DATABASE_URL' } }],
    });
    expect(one(out, 'ExternalSecret', 'app-values-optional').spec).toEqual({
      refreshInterval: '1h', secretStoreRef: { kind: 'ClusterSecretStore', name: 'berth-prod' },
      target: { name: 'app-values-optional', creationPolicy: 'Owner', deletionPolicy: 'Delete' },
      dataFrom: [{ extract: { key: 'todo-prod/app-values-optional' } }],
    });
    expect([p.optionalSecretName, p.supplyHint, p.optionalSupplyHint]).toEqual([
      'app-values-optional',
      'add them as properties of todo-prod/app-values in ClusterSecretStore berth-prod',
      'add them as properties of todo-prod/app-values-optional in ClusterSecretStore berth-prod',
    ]);
    expect(ofKind(out, 'Secret')).toEqual([]);
  });

  test('sealed: one SealedSecret; every required value must be sealed; outside a berth chart the source is required', () => {
    const sealedEnv = { ...prod, secrets: { mode: 'sealed' as const, encryptedData: { 'todo-prod/app-values': { DATABASE_URL: 'AgB…' } } } };
    const c = new StackChart(new App(), 'todo', sealedEnv);
    new ProvidedSecret(c, 'app-values', { values: VALUES });
    expect(get(one(synth(c), 'SealedSecret'), 'spec')).toEqual({ encryptedData: { DATABASE_URL: 'AgB…' }, template: { metadata: { name: 'app-values', labels: expect.any(Object) }, type: 'Opaque' } });
    expect(problemsOf(() => new ProvidedSecret(new StackChart(new App(), 'todo', { ...sealedEnv, secrets: { mode: 'sealed', encryptedData: {} } }), 'app-values', { values: VALUES }))).toEqual([
      "[todo-prod/app-values] 'source.encryptedData.DATABASE_URL' must hold the kubeseal output of this required value, received undefined",
    ]);
    expect(problemsOf(() => new ProvidedSecret(new Chart(new App(), 'plain'), 'v', { values: VALUES }))).toEqual([
      "[plain/v] 'source' is required outside a chart that supplies a platform policy (a berth StackChart), received undefined",
    ]);
  });

  test('bad declarations, all at once', () => {
    expect(problemsOf(() => new ProvidedSecret(chartIn(), 'App_Values', { values: { 'api-key': { description: ' ' } } }))).toEqual([
      "[todo-prod/App_Values] 'name' must be a DNS-1123 subdomain of at most 54 characters (its optional values go to <name>-optional), received \"App_Values\"",
      "[todo-prod/App_Values] 'values.api-key' must be named as an env var (letters, digits and _, not starting with a digit), received \"api-key\"",
      "[todo-prod/App_Values] 'values.api-key.description' must say what the value is and where an operator gets it, received \" \"",
    ]);
    expect(() => new ProvidedSecret(chartIn(), 'v', { values: VALUES }).envValue('OPENAI_API_KEY')).toThrow(
      "[todo-prod/v] 'key' must be one of the declared values (DATABASE_URL, GEMINI_API_KEY), received \"OPENAI_API_KEY\"");
  });
});

describe('the pods say what is missing', () => {
  const script = (hint: string) => [
    'missing=""',
    '[ -n "${DATABASE_URL:-}" ] || missing="$missing DATABASE_URL (Secret app-values, key DATABASE_URL);"',
    'if [ -n "$missing" ]; then',
    `  msg="missing required value(s):$missing supply them: ${hint}"`,
    '  echo "$msg" >&2; echo "$msg" > /dev/termination-log; exit 1',
    'fi',
  ].join('\n');

  test('a WebService checks its required provided values first, reading them as optional; optional ones are not checked', () => {
    const c = chartIn(dev);
    const p = new ProvidedSecret(c, 'app-values', { values: VALUES });
    new WebService(c, 'api', {
      image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }],
      env: { DATABASE_URL: p.envValue('DATABASE_URL'), GEMINI_API_KEY: p.envValue('GEMINI_API_KEY') },
      initContainers: [{ name: 'migrate', command: ['migrate'] }],
    });
    const pod = get(one(synth(c), 'Deployment'), 'spec', 'template', 'spec');
    expect(pod.initContainers.map((i: { name: string }) => i.name)).toEqual(['check-values', 'migrate']);
    const check = pod.initContainers[0];
    expect([check.image, check.command, check.env, check.terminationMessagePolicy]).toEqual([
      VALUE_CHECK_IMAGE, ['/bin/sh', '-c', script('npm run secrets -- dev todo')],
      [{ name: 'DATABASE_URL', valueFrom: { secretKeyRef: { name: 'app-values', key: 'DATABASE_URL', optional: true } } }],
      'FallbackToLogsOnError',
    ]);
    expect(pod.containers[0].env).toContainEqual({ name: 'GEMINI_API_KEY', valueFrom: { secretKeyRef: { name: 'app-values', key: 'GEMINI_API_KEY', optional: true } } });
  });

  test('a MigrationJob checks them too; a service without provided values gets no check', () => {
    const c = chartIn(prod);
    const p = new ProvidedSecret(c, 'app-values', { values: VALUES });
    new MigrationJob(c, 'migrate', { image: 'ghcr.io/acme/api:1.0.0', command: ['migrate'], env: { DATABASE_URL: p.envValue('DATABASE_URL') } });
    new WebService(c, 'plain', { image: 'ghcr.io/acme/api:1.0.0', ports: [{ name: 'http', port: 8080 }] });
    const out = synth(c);
    const job = get(one(out, 'Job'), 'spec', 'template', 'spec');
    expect(job.initContainers[0].command[2]).toBe(script('add them as properties of todo-prod/app-values in ClusterSecretStore berth-prod'));
    expect(get(one(out, 'Deployment'), 'spec', 'template', 'spec').initContainers).toBeUndefined();
  });
});
