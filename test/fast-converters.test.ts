import * as fs from 'fs';
import * as path from 'path';
import { ApiObject } from 'cdk8s';
import { transformSync } from 'esbuild';
import { buildAll } from '../charts';

const { fastConverters } = require('../scripts/fast-converters.cjs') as {
  fastConverters: (source: string) => { source: string; count: number };
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
  test('rewrites every entries-reduce idiom of every generated module, and nothing else', () => {
    for (const file of MODULES) {
      const original = fs.readFileSync(path.join(IMPORTS, file), 'utf-8');
      const { source, count } = fastConverters(original);
      const idioms = original.split('.reduce((r, i) =>').length - 1;
      expect([file, count]).toEqual([file, idioms]);
      expect([file, source.includes('.reduce((r, i) =>')]).toEqual([file, false]);
      // Only lines holding the idiom change; the helper is appended after the module.
      const before = original.split('\n');
      const after = source.split('\n\n/** Added by scripts/fast-converters.cjs')[0].split('\n');
      expect([file, after.length]).toEqual([file, before.length]);
      const changed = before.filter((line, i) => line !== after[i]);
      expect([file, changed.filter((line) => !line.includes('.reduce((r, i) =>'))]).toEqual([file, []]);
    }
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
        expect(JSON.stringify({ ...generated.GVK, ...convert(resolved) })).toBe(JSON.stringify(o.toJson()));
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
