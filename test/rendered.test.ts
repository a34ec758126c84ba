import { ApiObject, App, Chart, IResolver, JsonPatch, Lazy, ResolutionContext, Testing } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { buildAll } from '../charts';
import * as kinds from '../constructs/core/kinds';
import { canonicalize } from '../constructs/core/canonical';
import { rendered } from '../constructs/core/rendered';

/**
 * What the generated class itself renders (its own toJson(), through ApiObject.toJson()),
 * in the form the API server stores, as the one-pass render writes it.
 */
function generic(o: ApiObject): unknown {
  const generated = Object.getPrototypeOf(Object.getPrototypeOf(o)) as ApiObject;
  const json = generated.toJson.call(o) as Record<string, unknown>;
  canonicalize(json);
  return json;
}

function chart(app: App = Testing.app()): Chart {
  return new Chart(app, 'c', { namespace: 'ns', disableResourceNameHashes: true });
}

describe('rendered kinds', () => {
  test('every object of every reference stack renders to the same JSON text as the generated class', () => {
    let compared = 0;
    for (const unit of buildAll()) {
      for (const o of unit.chart.node.findAll()) {
        if (!(o instanceof ApiObject)) continue;
        // Every object berth creates goes through the one-pass path…
        expect([o.node.path, Object.getPrototypeOf(o).constructor.name]).toEqual([o.node.path, 'Rendered']);
        // …and renders exactly what the generated class would, key order included.
        expect(JSON.stringify(o.toJson())).toBe(JSON.stringify(generic(o)));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(900);
  });

  test('is still an instance of the generated class, with its GVK', () => {
    const c = chart();
    const cm = new kinds.KubeConfigMap(c, 'cm', { metadata: { name: 'x' } });
    expect(cm).toBeInstanceOf(k8s.KubeConfigMap);
    expect(cm.toJson()).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x', namespace: 'ns' } });
  });

  test('resolves Lazy values, unions and tokens, drops null and undefined, sorts map keys', () => {
    const c = chart();
    const token = { resolve: () => 'from-token' };
    const d = new kinds.KubeDeployment(c, 'd', {
      metadata: { name: 'd', labels: { b: '2', a: '1' } },
      spec: {
        replicas: Lazy.any({ produce: () => 3 }) as unknown as number,
        selector: { matchLabels: { z: 'z', y: token as unknown as string } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromString('25%'), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: {
          metadata: { annotations: { keep: 'yes', gone: undefined as unknown as string } },
          spec: { containers: [{ name: 'app', image: 'nginx', args: ['a', null as unknown as string] }] },
        },
      },
    });
    const json = d.toJson();
    expect(JSON.stringify(json)).toBe(JSON.stringify(generic(d)));
    expect(json).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { labels: { a: '1', b: '2' }, name: 'd', namespace: 'ns' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { y: 'from-token', z: 'z' } },
        strategy: { rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 }, type: 'RollingUpdate' },
        template: {
          metadata: { annotations: { keep: 'yes' } },
          spec: { containers: [{ args: ['a', undefined], image: 'nginx', name: 'app' }] },
        },
      },
    });
    expect(Object.keys((json.metadata as { labels: object }).labels)).toEqual(['a', 'b']);
  });

  test('renders metadata as metadata.toJson() does: added fields, Lazy values, empty maps and lists dropped', () => {
    const c = chart();
    const cm = new kinds.KubeConfigMap(c, 'cm', {
      metadata: {
        name: 'x',
        annotations: {},
        labels: { z: Lazy.any({ produce: () => 'lazy' }) as unknown as string, a: '1' },
        generateName: 'x-',
      },
    });
    cm.metadata.add('deletionGracePeriodSeconds', 5);
    cm.metadata.add('ownerReferences', []);
    cm.metadata.add('managedFields', [{ manager: 'berth', fieldsV1: {} }]);
    cm.metadata.addFinalizers('berth.dev/keep');
    cm.metadata.addAnnotation('b', 'B');
    cm.metadata.addLabel('m', 'M');
    const json = cm.toJson();
    expect(JSON.stringify(json)).toBe(JSON.stringify(generic(cm)));
    expect(json.metadata).toEqual({
      annotations: { b: 'B' },
      deletionGracePeriodSeconds: 5,
      finalizers: ['berth.dev/keep'],
      generateName: 'x-',
      labels: { a: '1', m: 'M', z: 'lazy' },
      managedFields: [{ manager: 'berth' }],
      name: 'x',
      namespace: 'ns',
    });
    // Empty maps and lists go, at any depth; in a built-in kind's other fields too, as the
    // API server stores none (an empty map in a CRD stays).
    const bare = new kinds.KubeConfigMap(c, 'bare', { metadata: { name: 'y' }, data: {} });
    expect(JSON.stringify(bare.toJson())).toBe(JSON.stringify(generic(bare)));
    expect(bare.toJson()).toEqual({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'y', namespace: 'ns' } });
  });

  test('sorts keys by UTF-16 code units, as Array#sort does, for few keys and for many', () => {
    const c = chart();
    const few = ['b', 'B', 'a', '_', 'a.b/c', 'a-b', 'v10', 'v9', 'é'];
    const many = Array.from({ length: 40 }, (_, i) => `k${(i * 7919) % 40}`).concat(few);
    for (const [id, keys] of [['few', few], ['many', many]] as const) {
      const cm = new kinds.KubeConfigMap(c, id, { metadata: { name: id }, data: Object.fromEntries(keys.map((k) => [k, k])) });
      expect(JSON.stringify(cm.toJson())).toBe(JSON.stringify(generic(cm)));
      expect(Object.keys(cm.toJson().data as object)).toEqual([...keys].sort());
    }
  });

  test('applies JSON patches added through ApiObject.of, before the generated converter', () => {
    const c = chart();
    const s = new kinds.KubeService(c, 's', { metadata: { name: 's' }, spec: { ports: [{ port: 80 }] } });
    ApiObject.of(s).addJsonPatch(JsonPatch.add('/spec/type', 'NodePort'), JsonPatch.add('/spec/unknownField', 1));
    expect(s.toJson()).toEqual(generic(s));
    expect(s.toJson().spec).toEqual({ ports: [{ port: 80, protocol: 'TCP' }], type: 'NodePort' });
  });

  test('refuses a class instance it cannot render, naming the construct', () => {
    class Opaque { public readonly x = 1; }
    const c = chart();
    const cm = new kinds.KubeConfigMap(c, 'cm', { metadata: { name: 'x' }, data: { a: new Opaque() as unknown as string } });
    expect(() => cm.toJson()).toThrow("Failed serializing construct at path 'c/cm' with name 'x': Error: can't render non-simple object of type 'Opaque'");
    expect(() => generic(cm)).toThrow("Failed serializing construct at path 'c/cm' with name 'x': Error: can't render non-simple object of type 'Opaque'");
  });

  test('an app with its own resolvers gets the generic path, so they still run', () => {
    class Upper implements IResolver {
      public resolve(context: ResolutionContext): void {
        if (typeof context.value === 'string' && context.value.startsWith('up:')) context.replaceValue(context.value.slice(3).toUpperCase());
      }
    }
    const c = chart(new App({ resolvers: [new Upper()] }));
    const cm = new kinds.KubeConfigMap(c, 'cm', { metadata: { name: 'x' }, data: { a: 'up:hello' } });
    expect(cm.toJson().data).toEqual({ a: 'HELLO' });
  });

  test('works for any generated kind handed to it', () => {
    const Secret = rendered(k8s.KubeSecret, k8s.toJson_KubeSecretProps);
    const c = chart();
    const s = new Secret(c, 's', { metadata: { name: 's' }, stringData: { b: '2', a: '1' } });
    expect(JSON.stringify(s.toJson())).toBe(JSON.stringify(generic(s)));
    expect(s.toJson().data).toEqual({ a: 'MQ==', b: 'Mg==' });
  });
});
