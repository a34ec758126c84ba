// One synth of the benchmark stack, with validation, into a temporary directory:
//   node scripts/run.mjs bench/synth.ts <services>
// Prints one JSON line with the object count for the runner; timing is measured outside.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { synthesize } from '../synth';
import { validators } from '../synth/validators';
import { benchUnits } from './stacks';

const services = Number(process.argv[2] ?? 10);
const outdir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bench-')), 'dist');
const result = synthesize(() => benchUnits(services), { outdir, validators, log: () => undefined });
fs.rmSync(path.dirname(outdir), { recursive: true, force: true });
const objects = result.stacks.reduce((n, s) => n + s.objects.length, 0);
console.log(JSON.stringify({ services, objects }));
process.exitCode = result.exitCode;
