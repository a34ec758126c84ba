// npm run upgrade-check -- --base <ref the clusters run> [--to <ref>] [--format text|json] [--strict]
import { upgradeCli } from './lib/upgrade-cli';

process.exitCode = upgradeCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
