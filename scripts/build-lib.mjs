#!/usr/bin/env node
// `npm run build`: the package's lib/ (JavaScript and declarations) from entry/*.ts with tsc,
// plus the precompiled schema validators (imports/validators/*.cjs), which tsc doesn't copy.
// Replaced as a whole; npm runs it before `npm pack` (prepack). The status line goes to stderr,
// so `npm pack --json` stays JSON.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const lib = path.join(root, 'lib');
const started = process.hrtime.bigint();
fs.rmSync(lib, { recursive: true, force: true });
try {
  execFileSync(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
} catch {
  console.error('berth: the package could not be built (tsc failed); lib/ is incomplete');
  process.exit(1);
}
const validators = path.join(root, 'imports', 'validators');
const copied = fs.readdirSync(validators).filter((f) => f.endsWith('.cjs'));
for (const f of copied) fs.copyFileSync(path.join(validators, f), path.join(lib, 'imports', 'validators', f));
const ms = Number(process.hrtime.bigint() - started) / 1e6;
console.error(`berth: built lib/ (tsc, ${copied.length} schema validator modules) in ${Math.round(ms)} ms`);
