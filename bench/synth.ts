// `npm run synth` on the benchmark stacks, to time it end to end (esbuild included):
//   node scripts/run.mjs bench/synth.ts [stacks] [services-per-stack] [envs] [--no-validate]
// Writes to a temporary directory, like main.ts writes dist/.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ENVIRONMENTS } from '../charts';
import { synthesize } from '../synth';
import { validatorsFor } from '../synth/validators';
import { buildBench } from './stacks';

const args = process.argv.slice(2);
const [stacks = 5, services = 4, envCount = 3] = args.filter((a) => !a.startsWith('--')).map(Number);
const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-')), 'dist');
const result = synthesize(() => buildBench(stacks, services, envCount), {
  outdir,
  validators: args.includes('--no-validate') ? [] : validatorsFor(ENVIRONMENTS),
});
fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
process.exitCode = result.exitCode;
