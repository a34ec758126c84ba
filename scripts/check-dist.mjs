#!/usr/bin/env node
// Fails when the committed dist/ differs from what `npm run synth` produces.
// Run it after a synth: it compares the work tree's dist/ with git's index.
import { execFileSync } from 'child_process';

const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=all', '--', 'dist'], { encoding: 'utf-8' });
if (status.trim() !== '') {
  console.error('dist/ is stale: the committed manifests differ from what `npm run synth` produces.');
  console.error(status.trimEnd().split('\n').slice(0, 20).map((l) => `  ${l}`).join('\n'));
  console.error('Fix: run `npm run synth`, review the diff (`git diff dist/`), and commit dist/.');
  process.exit(1);
}
console.log('dist/ is up to date.');
