// npm run secrets -- <env> <stack> [--file <path>] [--dry-run | --print] [--context <name>]
import { secretsCli } from './lib/secrets-cli';

process.exitCode = secretsCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
