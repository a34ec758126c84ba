#!/usr/bin/env node
// npm run bench: times whole processes with the kernel's own accounting (/usr/bin/time):
// the benchmark stack at N = 10, 100 and 1000 services × 3 environments (validation on),
// then `npm run synth` of the reference stacks and `cdk8s synth`, after an idle node process
// as a gauge of the machine's load. Prints medians.
//   node bench/run.mjs [--runs 5] [--sizes 10,100,1000] [--help]
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { parseArgs } from 'util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
const USAGE = `usage: npm run bench -- [options]

Times whole processes (median of the runs after one warm-up, with /usr/bin/time): the
benchmark stack at each size × 3 environments, then npm run synth and npx cdk8s synth of
the reference stacks. See docs/performance.md.

  --runs <n>        counted runs per series (default: 5)
  --sizes <n,...>   services in the benchmark stack (default: 10,100,1000)
  -h, --help        print this and exit

Exit status: 0, 1 a run failed, 2 a bad option or no /usr/bin/time.`;
function usageError(message) {
  console.error(`berth bench: ${message}\n\n${USAGE}`);
  process.exit(2);
}
let values;
try {
  ({ values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, sizes: { type: 'string', default: '10,100,1000' }, help: { type: 'boolean', short: 'h' } },
    strict: true,
    allowPositionals: false,
  }));
} catch (e) {
  usageError(e.message);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const positive = (s) => /^[1-9][0-9]*$/.test(s);
if (!positive(values.runs)) usageError(`--runs must be a positive integer, received '${values.runs}'`);
if (!values.sizes.split(',').every(positive)) usageError(`--sizes must be positive integers separated by commas, received '${values.sizes}'`);
const runs = Number(values.runs);
const sizes = values.sizes.split(',').map(Number);
const TIME = '/usr/bin/time';
if (!fs.existsSync(TIME)) {
  console.error('npm run bench needs /usr/bin/time (Debian package "time") for CPU and peak-memory accounting.');
  process.exit(2);
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** One run: wall, user+sys CPU and peak RSS as the kernel reports them for the process tree. */
function measure(argv, env = {}) {
  const out = path.join(os.tmpdir(), `berth-bench-time-${process.pid}`);
  const r = spawnSync(TIME, ['-o', out, '-f', '%e %U %S %M', ...argv], {
    encoding: 'utf-8', env: { ...process.env, CI: 'true', CDK8S_CHECK_UPGRADE: 'false', ...env },
  });
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}):\n${r.stdout}${r.stderr}`);
  const [wall, user, sys, rssKb] = fs.readFileSync(out, 'utf-8').trim().split('\n').pop().split(' ').map(Number);
  fs.rmSync(out, { force: true });
  return { wall, cpu: user + sys, rssMb: rssKb / 1024, stdout: r.stdout };
}

function series(label, argv, objectsOf) {
  measure(argv); // warm-up: file cache, esbuild
  const samples = Array.from({ length: runs }, () => measure(argv));
  const objects = objectsOf ? objectsOf(samples[0].stdout) : undefined;
  const wall = median(samples.map((s) => s.wall));
  const row = {
    label,
    wall,
    cpu: median(samples.map((s) => s.cpu)),
    rssMb: median(samples.map((s) => s.rssMb)),
    objects,
    perSecond: objects ? Math.round(objects / wall) : undefined,
  };
  console.log([
    row.label.padEnd(36),
    `${row.wall.toFixed(2)} s`.padStart(8),
    `${row.cpu.toFixed(2)} s`.padStart(8),
    `${row.rssMb.toFixed(0)} MB`.padStart(8),
    (row.objects ?? '').toString().padStart(7),
    (row.perSecond ?? '').toString().padStart(9),
  ].join('  '));
  return row;
}

// Bundle the benchmark entry once; the series below then time it through the same runner
// as `npm run synth` (freshness check, code cache), without npm.
const built = spawnSync('node', ['scripts/run.mjs', 'bench/synth.ts', '1'], { encoding: 'utf-8' });
if (built.status !== 0) throw new Error(built.stderr);

console.log(`berth bench: median of ${runs} runs after a warm-up, validation on, 3 environments, ${os.cpus().length} CPUs`);
console.log(['what'.padEnd(36), 'wall'.padStart(8), 'cpu'.padStart(8), 'peak RSS'.padStart(8), 'objects'.padStart(7), 'objects/s'.padStart(9)].join('  '));
// This machine's state: on a shared host the figures below move with its load, and an idle
// node process shows by how much (~0.09 s when the machine is quiet).
series('node -e 0 (the machine\'s load)', [process.execPath, '-e', '0']);
const rows = sizes.map((n) => series(`bench N=${n}`, ['node', 'scripts/run.mjs', 'bench/synth.ts', String(n)], (out) => JSON.parse(out.trim().split('\n').pop()).objects));
series('npm run synth (5 reference stacks)', ['npm', 'run', '-s', 'synth']);
series('npx cdk8s synth (5 reference stacks)', ['npx', 'cdk8s', 'synth']);
const at = (n) => rows.find((r) => r.label === `bench N=${n}`);
if (at(100) && at(1000)) console.log(`t(1000)/t(100) = ${(at(1000).wall / at(100).wall).toFixed(2)}`);
