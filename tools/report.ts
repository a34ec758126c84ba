// npm run report -- [--dist dist] [--out reports] [--env <env>] [--stack <id>]
import { reportCli } from './lib/report-cli';

void reportCli(process.argv.slice(2), {
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
}).then((code) => {
  process.exitCode = code;
});
