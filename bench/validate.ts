// Where the time of a synth goes, phase by phase and validator by validator, on the
// benchmark stacks: node scripts/run.mjs bench/validate.ts [stacks] [services-per-stack] [envs]
// Prints one JSON line. `validateMs` is the cold cost a synth pays (module loads, first
// compilation), `validateWarmMs` the same checks again.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ENVIRONMENTS } from '../charts';
import { renderUnit } from '../synth/render';
import { filesOf, writeTree } from '../synth/write';
import { validatorsFor } from '../synth/validators';
import { buildBench } from './stacks';

const [stacks = 5, services = 4, envCount = 3] = process.argv.slice(2).map(Number);

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
let t = process.hrtime.bigint();
const units = buildBench(stacks, services, envCount);
const buildMs = ms(t);
t = process.hrtime.bigint();
const rendered = units.map(renderUnit);
const renderMs = ms(t);
const validators = validatorsFor(ENVIRONMENTS);
const names = ['schema', 'apiServer', 'coherence', 'references', 'podSecurity', 'policy', 'baseline'];
const perValidator: Record<string, number> = {};
let findings = 0;
t = process.hrtime.bigint();
validators.forEach((v, i) => {
  const t1 = process.hrtime.bigint();
  findings += v(rendered).length;
  perValidator[names[i]] = Math.round(ms(t1));
});
const validateMs = ms(t);
// Again, warm: what validation costs per object once modules are loaded and code is compiled.
t = process.hrtime.bigint();
for (const v of validators) v(rendered);
const warmMs = ms(t);
t = process.hrtime.bigint();
const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-')), 'dist');
writeTree(out, filesOf(rendered));
const writeMs = ms(t);
fs.rmSync(path.dirname(out), { recursive: true, force: true });
const objects = rendered.reduce((n, s) => n + s.objects.length, 0);
const kinds = new Set(rendered.flatMap((s) => s.objects.map((o) => o.manifest.kind))).size;
console.log(JSON.stringify({
  stacks: rendered.length, objects, kinds, findings,
  buildMs: Math.round(buildMs), renderMs: Math.round(renderMs), validateMs: Math.round(validateMs), validateWarmMs: Math.round(warmMs), writeMs: Math.round(writeMs), perValidator,
}));
if (findings > 0) process.exitCode = 1;
