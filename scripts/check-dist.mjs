#!/usr/bin/env node
// Fails when the committed dist/ differs from what `npm run synth` produces.
// Run it after a synth: it compares the work tree's dist/ with git's index.
import { execFileSync } from 'child_process';
import { createRequire } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { parseArgs } from 'util';

const USAGE = `usage: npm run check:dist [-- --help]

Fails when dist/ in the work tree differs from git's index: run it after \`npm run synth\`.
Exit status: 0 up to date, 1 stale, 2 a bad option.`;

try {
  const { values } = parseArgs({ options: { help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
} catch (e) {
  console.error(`berth check:dist: ${e.message}\n\n${USAGE}`);
  process.exit(2);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(root);
// A synth killed in the middle of its swap is put right first, as every command that reads dist/ does.
const { recover } = createRequire(import.meta.url)('./tree-swap.cjs');
const recovery = recover('dist');
if (recovery.restored) console.error('berth: an interrupted synth had moved dist/ aside; it is back in place');
for (const l of recovery.leftovers) console.error(`berth: warning: could not remove ${l.path}, left by an earlier run: ${l.error.message}; remove it by hand`);

const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', 'dist'], { encoding: 'utf-8' });
if (status.trim() !== '') {
  console.error('dist/ is stale: the committed manifests differ from what `npm run synth` produces.');
  console.error(status.trimEnd().split('\n').slice(0, 20).map((l) => `  ${l}`).join('\n'));
  console.error('Fix: run `npm run synth`, review the diff (`git diff dist/`), and commit dist/.');
  process.exit(1);
}
console.log('dist/ is up to date.');
