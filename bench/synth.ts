// One synth of the benchmark stack, with validation, into .build/bench/<services>/dist:
//   node scripts/run.mjs bench/synth.ts <services>
// The output directory persists between runs, as dist/ does for a developer or a CI clone,
// so after the runner's warm-up a run measures the steady state: unchanged files relinked.
// Prints one JSON line with the object count for the runner; timing is measured outside.
import * as path from 'path';
import { synthesize } from '../synth';
import { validators } from '../synth/validators';
import { benchUnits } from './stacks';

const services = Number(process.argv[2] ?? 10);
const outdir = path.join('.build', 'bench', String(services), 'dist');
const result = synthesize(() => benchUnits(services), { outdir, validators, log: () => undefined });
console.log(JSON.stringify({ services, objects: result.objects }));
process.exitCode = result.exitCode;
