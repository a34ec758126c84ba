// npm run release -- set <env> <stack>/<service> <version> | promote <from-env> <to-env> [--stack <id>] [--service <name>]
import { releaseCli } from './lib/release-cli';

process.exitCode = releaseCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
});
