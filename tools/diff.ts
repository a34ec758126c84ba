// npm run diff -- [--ref HEAD] [--to <ref>] [--env dev [--vs prod]] [--stack id] [--format text|md|json] [--exit-code]
import { diffCli } from './lib/diff-cli';

process.exitCode = diffCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
