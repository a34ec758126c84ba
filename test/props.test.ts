import { Problems, ValidationError } from '../constructs/core/errors';
import {
  anyOf, arrayOf, bool, checkProps, closest, editDistance, num, object, oneOf, opt, propsOf, recordOf, req, Shape, str, unknownKeyMessage, variants,
} from '../constructs/core/props';
import { ENV_MAP, ROUTABLE } from '../constructs/core/prop-shapes';
import { EnvValue } from '../constructs/core/env';
import { StatefulStore } from '../constructs/stateful-store';
import { WebService } from '../constructs/web-service';
import { namespacedChart, problemsOf } from './util';

interface Port { readonly name: string; readonly port: number; readonly protocol?: 'TCP' | 'UDP' }
interface Demo {
  readonly image: string;
  readonly healthPath?: string;
  readonly ports: readonly Port[];
  readonly labels?: Readonly<Record<string, string>>;
  readonly scale?: { readonly min: number; readonly max?: number };
  readonly surge?: number | string;
  readonly on?: boolean;
}
type Source = { readonly mode: 'a'; readonly seed?: string } | { readonly mode: 'b'; readonly store: string };

const DEMO = propsOf<Demo>('Demo', {
  image: req(str),
  healthPath: opt(str),
  ports: req(arrayOf(object<Port>('Port', { name: req(str), port: req(num), protocol: opt(oneOf('TCP', 'UDP')) }))),
  labels: opt(recordOf(str)),
  scale: opt(object<NonNullable<Demo['scale']>>('Scale', { min: req(num), max: opt(num) })),
  surge: opt(anyOf(num, str)),
  on: opt(bool),
});
const SOURCE = variants<Source, 'mode'>('Source', 'mode', {
  a: object<Extract<Source, { mode: 'a' }>>('A', { mode: req(oneOf('a')), seed: opt(str) }),
  b: object<Extract<Source, { mode: 'b' }>>('B', { mode: req(oneOf('b')), store: req(str) }),
});

function check<T>(shape: Shape<T>, value: unknown): string[] {
  try {
    checkProps(new Problems('s/x'), shape, value);
    return [];
  } catch (e) {
    return [...(e as ValidationError).problems];
  }
}

describe('checkProps', () => {
  test('accepts props of the right shape, optional ones unset or undefined', () => {
    expect(check(DEMO, { image: 'a', ports: [{ name: 'http', port: 80 }], healthPath: undefined, surge: '25%' })).toEqual([]);
    expect(check(DEMO, { image: 'a', ports: [], scale: { min: 1 }, surge: 1, on: false, labels: {} })).toEqual([]);
  });

  test('an unknown key gets the nearest known one', () => {
    expect(check(DEMO, { image: 'a', ports: [], healthcheckPath: '/h' })).toEqual([
      "[s/x] 'healthcheckPath' is not a prop of Demo; did you mean 'healthPath'?",
    ]);
  });

  test('an unknown key with no near one lists the keys of a short table', () => {
    expect(check(DEMO, { image: 'a', ports: [{ name: 'http', port: 80, exposed: true }] })).toEqual([
      "[s/x] 'ports[0].exposed' is not a field of Port (fields: name, port, protocol)",
    ]);
  });

  test('wrong types, a missing required key and a bad literal are all reported, with their paths', () => {
    expect(check(DEMO, { ports: [{ name: 'http', port: '80', protocol: 'tcp' }], scale: { min: 1, max: '3' }, on: 'yes', labels: { team: 7 } })).toEqual([
      "[s/x] 'image' must be a string, received undefined",
      "[s/x] 'ports[0].port' must be a number, received \"80\"",
      "[s/x] 'ports[0].protocol' must be one of \"TCP\", \"UDP\", received \"tcp\"",
      "[s/x] 'labels.team' must be a string, received 7",
      "[s/x] 'scale.max' must be a number, received \"3\"",
      "[s/x] 'on' must be true or false, received \"yes\"",
    ]);
  });

  test('a union names both branches; an array item names the item type', () => {
    expect(check(DEMO, { image: 'a', ports: ['http'], surge: true })).toEqual([
      "[s/x] 'ports[0]' must be an object (Port), received \"http\"",
      "[s/x] 'surge' must be a number or a string, received true",
    ]);
    expect(check(DEMO, { image: 'a', ports: {} })).toEqual(["[s/x] 'ports' must be an array of Port objects, received {}"]);
    expect(check(DEMO, 'props')).toEqual(["[s/x] 'props' must be an object (DemoProps), received \"props\""]);
    expect(check(arrayOf(anyOf(str, object<Port>('Port', { name: req(str), port: req(num), protocol: opt(oneOf('TCP', 'UDP')) }))), 'x')).toEqual([
      "[s/x] 'props' must be an array (each a string or an object (Port)), received \"x\"",
    ]);
  });

  test('variants are told apart by their tag', () => {
    expect(check(SOURCE, { mode: 'b', store: 'x' })).toEqual([]);
    expect(check(SOURCE, { mode: 'b', seed: 'x' })).toEqual([
      "[s/x] 'seed' is not a field of B (fields: mode, store)",
      "[s/x] 'store' must be a string, received undefined",
    ]);
    expect(check(SOURCE, { mode: 'c' })).toEqual(["[s/x] 'mode' must be one of \"a\", \"b\", received \"c\""]);
  });

  test('an env value given as a number is refused, naming the key', () => {
    expect(check(ENV_MAP, { PORT: 8080, HOST: 'x', DB: EnvValue.fromSecret('db', 'password') })).toEqual([
      "[s/x] 'PORT' must be a string or an EnvValue, received 8080",
    ]);
  });

  test('a construct in the wrong place is named by its path, not serialized', () => {
    const chart = namespacedChart();
    const db = new StatefulStore(chart, 'db', { engine: 'redis', credentials: { mode: 'generated' }, allowGeneratedCredentials: true });
    const web = new WebService(chart, 'web', { image: 'ghcr.io/acme/web:1.0.0', ports: [{ name: 'http', port: 8080 }] });
    expect(check(ROUTABLE, web)).toEqual([]);
    expect(check(ROUTABLE, db)).toEqual([
      "[s/x] 'props' must be a service such as a WebService (a StatefulStore is never routed: its port would be reachable from outside), received <StatefulStore shop-dev/db>",
    ]);
  });

  test('constructors check their props before anything else', () => {
    const chart = namespacedChart();
    const props = { image: 'ghcr.io/acme/web:1.0.0', ports: [{ name: 'http', port: 8080 }], healthcheckPath: '/ready', replicas: '3' };
    expect(problemsOf(() => new WebService(chart, 'web', props as unknown as ConstructorParameters<typeof WebService>[2]))).toEqual([
      "[shop-dev/web] 'healthcheckPath' is not a prop of WebService; did you mean 'healthPath'?",
      "[shop-dev/web] 'replicas' must be a number, received \"3\"",
    ]);
    expect(chart.node.children.map((c) => c.node.id)).toEqual(['web']);
    expect(chart.node.findChild('web').node.children).toEqual([]);
  });
});

describe('did you mean', () => {
  test.each([
    ['kitten', 'sitting', 3], ['', 'abc', 3], ['abc', 'abc', 0], ['replicsa', 'replicas', 1], ['healthcheckpath', 'healthpath', 5],
  ])('editDistance(%s, %s) = %s', (a, b, d) => expect(editDistance(a, b)).toBe(d));

  test('suggests only near words, the nearest first, case-insensitively', () => {
    expect(closest('Replicas', ['replicas', 'resources'])).toBe('replicas');
    expect(closest('resource', ['replicas', 'resources'])).toBe('resources');
    expect(closest('xyz', ['replicas', 'resources'])).toBeUndefined();
    expect(unknownKeyMessage('x', Array.from({ length: 13 }, (_, i) => `k${i}`), 'prop of P', 'props')).toBe('is not a prop of P');
  });
});
