// Layers that point one way, checked over the import graph the TypeScript compiler builds (type
// imports included: a declaration file would carry them into the package), not by reading
// import lines: constructs/ stands alone, the package's entry points never reach the
// repository's own stacks, runner or tools, and a stack without cdk8s-plus never loads it.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { build } from 'esbuild';
import { tmpdir } from './util';

const ROOT = path.resolve(__dirname, '..');
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');

/** Who imports whom, as `from → [to]`, among the files of the program `include` roots (paths relative to `root`). */
function importGraph(root: string, include: readonly string[], compilerOptions: Record<string, unknown> = {}): Map<string, Set<string>> {
  const dir = tmpdir('berth-layers-');
  const config = path.join(dir, 'tsconfig.json');
  const base = path.join(root, 'tsconfig.json');
  fs.writeFileSync(config, JSON.stringify({
    ...(fs.existsSync(base) ? { extends: base } : {}),
    // Type packages resolve from the config's directory: point them back at the repository's.
    compilerOptions: { noEmit: true, typeRoots: [path.join(root, 'node_modules', '@types')], ...compilerOptions },
    include: include.map((p) => path.join(root, p)),
  }));
  // --listFilesOnly stops after resolving: no type check. --explainFiles says why each file is in.
  const out = execFileSync(process.execPath, [TSC, '-p', config, '--listFilesOnly', '--explainFiles'], { cwd: root, encoding: 'utf-8' });
  const graph = new Map<string, Set<string>>();
  let file: string | undefined;
  for (const line of out.split('\n')) {
    if (line !== '' && !line.startsWith(' ')) file = path.relative(root, path.resolve(root, line.trim()));
    const m = /^\s+Imported via .* from file '([^']+)'/.exec(line);
    if (m && file !== undefined) {
      const from = path.relative(root, path.resolve(root, m[1]));
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(file);
    }
  }
  return graph;
}

/** Imports from a file under one of `from` to a file under none of `allowed` (node_modules is always allowed). */
function violations(graph: Map<string, Set<string>>, from: readonly string[], allowed: readonly string[]): string[] {
  const under = (f: string, dirs: readonly string[]) => dirs.some((d) => f === d || f.startsWith(`${d}/`));
  const out: string[] = [];
  for (const [a, targets] of graph) {
    if (!under(a, from)) continue;
    for (const b of targets) if (!b.startsWith('node_modules/') && !under(b, allowed)) out.push(`${a} imports ${b}`);
  }
  return out.sort();
}

/** Every file reachable from `roots`. */
function reachable(graph: Map<string, Set<string>>, roots: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const todo = [...roots];
  while (todo.length > 0) {
    const f = todo.pop()!;
    if (seen.has(f)) continue;
    seen.add(f);
    for (const g of graph.get(f) ?? []) todo.push(g);
  }
  return seen;
}

describe('layers', () => {
  const graph = importGraph(ROOT, ['constructs/**/*.ts', 'charts/**/*.ts', 'entry/*.ts', 'main.ts']);

  test('constructs/ imports only constructs/ and the generated imports/', () => {
    expect(violations(graph, ['constructs'], ['constructs', 'imports'])).toEqual([]);
  });

  test('charts/ imports no tools/', () => {
    expect(violations(graph, ['charts'], ['constructs', 'imports', 'charts', 'synth'])).toEqual([]);
  });

  test('the package\'s entry points reach none of the stacks, the runner, the tools or the scripts', () => {
    const entries = fs.readdirSync(path.join(ROOT, 'entry')).map((f) => `entry/${f}`);
    const shipped = [...reachable(graph, entries)].filter((f) => !f.startsWith('node_modules/'));
    const outside = shipped.filter((f) => !/^(entry|constructs|imports|synth)\//.test(f) || ['synth/index.ts', 'synth/write.ts', 'synth/cli.ts'].includes(f));
    expect(outside).toEqual([]);
    expect(shipped).toContain('synth/validate/index.ts');
  });

  test('the check finds an import across layers, type-only ones too', () => {
    const dir = tmpdir('berth-layers-fixture-');
    fs.mkdirSync(path.join(dir, 'constructs'));
    fs.mkdirSync(path.join(dir, 'synth'));
    fs.writeFileSync(path.join(dir, 'synth', 'order.ts'), 'export const WAVE = 1;\nexport interface Order { n: number }\n');
    fs.writeFileSync(path.join(dir, 'constructs', 'a.ts'), "import { WAVE } from '../synth/order';\nexport const a = WAVE;\n");
    fs.writeFileSync(path.join(dir, 'constructs', 'b.ts'), "import type { Order } from '../synth/order';\nexport type B = Order;\n");
    fs.writeFileSync(path.join(dir, 'constructs', 'c.ts'), "import { a } from './a';\nexport const c = a;\n");
    const fixture = importGraph(dir, ['constructs/**/*.ts'], { types: [], strict: true });
    expect(violations(fixture, ['constructs'], ['constructs'])).toEqual([
      'constructs/a.ts imports synth/order.ts',
      'constructs/b.ts imports synth/order.ts',
    ]);
  });

  test('a stack that uses no cdk8s-plus never loads it: constructs/ imports only its types', async () => {
    const result = await build({
      entryPoints: [path.join(ROOT, 'constructs', 'index.ts')], bundle: true, write: false, metafile: true, platform: 'node',
      outfile: path.join(tmpdir('berth-layers-bundle-'), 'out.js'), logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.filter((f) => f.includes('node_modules/cdk8s-plus-28/'))).toEqual([]);
    expect(inputs).toContain('constructs/plus-workload.ts');
  });
});
