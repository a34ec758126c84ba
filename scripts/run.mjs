#!/usr/bin/env node
// Runs a TypeScript entry point fast: esbuild bundles it (no type-check; `npm test` does
// that) into .build/, then node runs the bundle. Usage: node scripts/run.mjs main.ts [args]
import { build } from 'esbuild';
import { createRequire } from 'module';
import * as path from 'path';
import { fileURLToPath } from 'url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const entry = process.argv[2];
if (!entry) {
  console.error('usage: node scripts/run.mjs <entry.ts> [args...]');
  process.exit(2);
}
process.chdir(root);
const outfile = path.join(root, '.build', path.basename(entry).replace(/\.ts$/, '.cjs'));
await build({
  entryPoints: [path.resolve(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
process.argv.splice(1, 2, outfile);
createRequire(import.meta.url)(outfile);
