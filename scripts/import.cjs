#!/usr/bin/env node
// `npm run import`: regenerates imports/ offline, in three steps, each its own process:
// the cdk8s bindings (scripts/import-bindings.cjs), the schema validators
// (scripts/import-validators.cjs), then the schema facts of the stored form
// (scripts/import-canonical.cjs). One entry point, so that its flags reach it (npm appends
// them to the last command of a script only).
const { spawnSync } = require('child_process');
const path = require('path');
const { parseArgs } = require('util');

const USAGE = `usage: npm run import [-- --help]

Regenerates imports/ offline from imports/schemas/ (no network): the cdk8s bindings for
every entry under \`imports:\` in cdk8s.yaml, the schema validators in imports/validators/,
then the schema facts of the stored form in imports/canonical/.
Output is deterministic; commit it. Exit status: 0, 1 a step failed, 2 a bad option.`;

try {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
} catch (e) {
  console.error(`berth import: ${e.message}\n\n${USAGE}`);
  process.exit(2);
}

for (const step of ['import-bindings.cjs', 'import-validators.cjs', 'import-canonical.cjs']) {
  const r = spawnSync(process.execPath, [path.join(__dirname, step)], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`berth import: ${step} failed (${r.status ?? r.signal})`);
    process.exit(1);
  }
}
