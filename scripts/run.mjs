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
// The schema validators compiled by `npm run import` (imports/validators/*.cjs, ~5 MB) stay
// out of the bundle: bundling them would triple the build and load time, while node loads
// each module from the repo only when the synth meets one of its kinds.
const validatorsDir = path.join(root, 'imports', 'validators') + path.sep;
const externalValidators = {
  name: 'external-validators',
  setup(b) {
    b.onResolve({ filter: /\.cjs$/ }, (args) => {
      const file = path.resolve(args.resolveDir, args.path);
      if (!file.startsWith(validatorsDir)) return undefined;
      return { path: path.relative(path.dirname(outfile), file).split(path.sep).join('/'), external: true };
    });
  },
};
await build({
  entryPoints: [path.resolve(root, entry)],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  packages: 'external',
  // A linked map without sources: an inline one (with the generated imports/ inside) made
  // the bundle 27× larger, and parsing it cost more than the rest of the synth.
  // `node --enable-source-maps` still maps stack traces to the TypeScript.
  sourcemap: 'linked',
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [externalValidators],
});
process.argv.splice(1, 2, outfile);
createRequire(import.meta.url)(outfile);
