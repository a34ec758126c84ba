// scripts/code-cache.cjs: V8's code cache for the synth bundle, keyed by the source's sha256.
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

const root = path.resolve(__dirname, '..');
const hook = path.join(root, 'scripts', 'code-cache.cjs');
const name = `code-cache-test-${process.pid}.cjs`;
const file = path.join(root, '.build', name);
const entry = path.join(root, '.build', 'cache', `.build__${name}.v8`);
const run = (): string => execFileSync(process.execPath, ['--require', hook, file], { encoding: 'utf-8', env: { ...process.env, NODE_OPTIONS: '' } });
const sha = (s: string): Buffer => createHash('sha256').update(s).digest();

afterAll(() => {
  fs.rmSync(file, { force: true });
  fs.rmSync(entry, { force: true });
});

test('a cache entry is written after the first run, keyed by the sha256 of the source', () => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const source = "console.log(['A', typeof require, typeof module].join(' '));\n";
  fs.writeFileSync(file, source);
  fs.rmSync(entry, { force: true });
  expect(run()).toBe('A function object\n');
  expect(fs.readFileSync(entry).subarray(0, 32)).toEqual(sha(source));
  const written = fs.statSync(entry).mtimeMs;
  // Accepted the second time, so not written again.
  expect(run()).toBe('A function object\n');
  expect(fs.statSync(entry).mtimeMs).toBe(written);
});

test('an edited source of the same length runs as edited, never from the old bytecode', () => {
  const edited = "console.log(['B', typeof require, typeof module].join(' '));\n";
  expect(fs.readFileSync(file, 'utf-8')).toHaveLength(edited.length);
  fs.writeFileSync(file, edited);
  expect(run()).toBe('B function object\n');
  expect(fs.readFileSync(entry).subarray(0, 32)).toEqual(sha(edited));
});
