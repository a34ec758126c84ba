import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { transformSync } from 'esbuild';
import { buildAll } from '../charts';
import { canonicalize } from '../constructs/core/canonical';
import { KubeConfigMap } from '../imports/k8s';

const { fastConverters } = require('../scripts/fast-converters.cjs') as {
  fastConverters: (source: string) => { source: string; count: number; gvk: number };
};

const IMPORTS = path.join(__dirname, '..', 'imports');
const MODULES = fs.readdirSync(IMPORTS).filter((f) => f.endsWith('.ts')).sort();

type Converter = (props: unknown) => Record<string, unknown> | undefined;
type Module = Record<string, unknown>;

/** A generated module as the runner bundles it: rewritten, compiled, loaded. */
function loadRewritten(file: string): Module {
  const { source } = fastConverters(fs.readFileSync(path.join(IMPORTS, file), 'utf-8'));
  const { code } = transformSync(source, { loader: 'ts', format: 'cjs', target: 'node20' });
  const mod = { exports: {} as Module };
  new Function('require', 'module', 'exports', code)(require, mod, mod.exports);
  return mod.exports;
}

describe('fast converters', () => {
  test('rewrites every entries-reduce idiom and GVK spread of every generated module, and nothing else', () => {
    for (const file of MODULES) {
      const original = fs.readFileSync(path.join(IMPORTS, file), 'utf-8');
      const { source, count, gvk } = fastConverters(original);
      const idioms = original.split('.reduce((r, i) =>').length - 1;
      const kinds = original.split(' extends ApiObject {').length - 1;
      expect([file, count, gvk]).toEqual([file, idioms, 3 * kinds]);
      expect([file, source.includes('.reduce((r, i) =>'), /\.\.\.\w+\.GVK\b/.test(source)]).toEqual([file, false, false]);
      // Only lines holding an idiom change; the helper is appended after the module.
      const before = original.split('\n');
      const after = source.split('\n\n/** Added by scripts/fast-converters.cjs')[0].split('\n');
      expect([file, after.length]).toEqual([file, before.length]);
      const changed = before.filter((line, i) => line !== after[i]);
      expect([file, changed.filter((line) => !line.includes('.reduce((r, i) =>') && !/^\s*\.\.\.\w+\.GVK,$/.test(line))]).toEqual([file, []]);
    }
  });

  test('a rewritten kind gives the same manifest(), props and toJson() as the generated one', () => {
    const k8s = loadRewritten('k8s.ts');
    const Rewritten = k8s.KubeConfigMap as typeof KubeConfigMap;
    const props = { metadata: { name: 'c', labels: { a: '1' } }, data: { K: 'v' } };
    expect(JSON.stringify(Rewritten.manifest(props))).toBe(JSON.stringify(KubeConfigMap.manifest(props)));
    const chart = new Chart(new App(), 'c');
    const rewritten = new Rewritten(chart, 'rewritten', props);
    const generated = new KubeConfigMap(chart, 'generated', props);
    expect(rewritten.toJson()).toEqual(generated.toJson());
    // What the constructor hands ApiObject: the same keys in the same order.
    const propsOf = (o: ApiObject) => JSON.stringify((o as unknown as { props: object }).props);
    expect(propsOf(rewritten)).toBe(propsOf(generated));
    expect(Object.keys(JSON.parse(propsOf(rewritten)))).toEqual(['apiVersion', 'kind', 'metadata', 'data']);
  });

  test('the rewritten converters give every object of every reference stack the same JSON text', () => {
    const modules = MODULES.map(loadRewritten);
    let compared = 0;
    for (const unit of buildAll()) {
      for (const o of unit.chart.node.findAll()) {
        if (!(o instanceof ApiObject)) continue;
        const generated = Object.getPrototypeOf(Object.getPrototypeOf(o)).constructor as { name: string; GVK: { apiVersion: string } };
        const mod = modules.find((m) => (m[generated.name] as { GVK?: { apiVersion: string } } | undefined)?.GVK?.apiVersion === generated.GVK.apiVersion);
        const convert = mod?.[`toJson_${generated.name}Props`] as Converter;
        // What the generated toJson() hands its converter: cdk8s's resolved, sanitized, patched JSON.
        const resolved = ApiObject.prototype.toJson.call(o);
        const json = { ...generated.GVK, ...convert(resolved) };
        canonicalize(json);
        expect(JSON.stringify(json)).toBe(JSON.stringify(o.toJson()));
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(900);
  });

  test('the helper keeps keys in order, skips undefined inputs, keeps what the mapping makes undefined', () => {
    const k8s = loadRewritten('k8s.ts');
    const convert = k8s.toJson_ResourceRequirements as Converter;
    const quantity = k8s.Quantity as { fromString: (s: string) => unknown };
    expect(convert({ limits: { memory: quantity.fromString('1Gi'), cpu: undefined, gpu: {} } })).toEqual({ limits: { memory: '1Gi', gpu: undefined } });
    expect(Object.keys(convert({ limits: { memory: quantity.fromString('1Gi'), cpu: undefined, gpu: {} } })!.limits as object)).toEqual(['memory', 'gpu']);
    const meta = (k8s.toJson_ObjectMeta as Converter)(JSON.parse('{"labels":{"b":"2","__proto__":"x","a":"1"}}'));
    expect(Object.keys(meta!.labels as object)).toEqual(['b', '__proto__', 'a']);
    expect(Object.getPrototypeOf(meta!.labels)).toBe(Object.prototype);
  });
});
