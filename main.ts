import { planAll } from './charts';
import { synthesize } from './synth';
import { validators } from './synth/validators';

// `cdk8s synth` sets CDK8S_OUTDIR and empties it first; dist/ is written separately and
// atomically so a failed synth never leaves it half-written.
const result = synthesize(planAll, {
  outdir: 'dist',
  mirrorDir: process.env.CDK8S_OUTDIR,
  validators,
});
process.exitCode = result.exitCode;
