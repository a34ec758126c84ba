import { planAll } from './charts';
import { synthesize } from './synth';
import { synthCommand } from './synth/cli';
import { validators } from './synth/validators';

const command = synthCommand(process.argv.slice(2), planAll, {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
if ('exit' in command) {
  process.exitCode = command.exit;
} else {
  // `cdk8s synth` sets CDK8S_OUTDIR and empties it first; dist/ is written separately and
  // atomically so a failed synth never leaves it half-written.
  const result = synthesize(command.units, {
    outdir: 'dist',
    mirrorDir: process.env.CDK8S_OUTDIR,
    validators,
    partial: command.partial,
  });
  process.exitCode = result.exitCode;
}
