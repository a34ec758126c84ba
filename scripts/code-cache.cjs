// Required first (`node --require scripts/code-cache.cjs`, or by scripts/run.mjs): runs the
// synth bundle (.build/) and the schema validators (imports/validators/) with V8's code
// cache, kept in .build/cache/. Compiling them again on every run was a fifth of a small
// synth.
//
// An entry is used only when it was made from a source with the same sha256 (V8 itself
// checks only the source's length, its own version and its flags), so an edited file never
// runs stale bytecode. A missing or refused entry is written when the process exits, after
// the run, so that it also holds the functions compiled lazily, which is most of the saving.
// Source maps are attached by node's own loader only: with --enable-source-maps this does nothing.
'use strict';
const { createHash } = require('crypto');
const fs = require('fs');
const { Module } = require('module');
const path = require('path');
const vm = require('vm');

const root = path.resolve(__dirname, '..');
const cacheDir = path.join(root, '.build', 'cache');
const cached = [path.join(root, '.build') + path.sep, path.join(root, 'imports', 'validators') + path.sep];
const pending = [];

function compileCached(filename, content) {
  const entry = path.join(cacheDir, `${path.relative(root, filename).split(path.sep).join('__')}.v8`);
  const hash = createHash('sha256').update(content).digest();
  let cachedData;
  try {
    const data = fs.readFileSync(entry);
    if (data.subarray(0, hash.length).equals(hash)) cachedData = data.subarray(hash.length);
  } catch {
    // No entry yet.
  }
  const script = new vm.Script(Module.wrap(content), { filename, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) pending.push({ entry, hash, script });
  return script.runInThisContext();
}

function writePending() {
  if (pending.length === 0) return;
  try {
    fs.mkdirSync(cacheDir, { recursive: true });
    for (const { entry, hash, script } of pending.splice(0)) {
      const tmp = `${entry}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, Buffer.concat([hash, script.createCachedData()]));
      fs.renameSync(tmp, entry);
    }
  } catch {
    // A cache that can't be written costs the next run time, not correctness.
  }
}

const sourceMaps = process.execArgv.includes('--enable-source-maps') || (process.env.NODE_OPTIONS ?? '').includes('--enable-source-maps');
if (!sourceMaps) {
  process.on('exit', writePending);
  // What node's Module.prototype._compile does for a CommonJS file, with compileCached().
  const compile = Module.prototype._compile;
  Module.prototype._compile = function compileWithCache(content, filename) {
    if (!cached.some((dir) => filename.startsWith(dir))) return compile.call(this, content, filename);
    const mod = this;
    const req = (id) => mod.require(id);
    req.resolve = (request, options) => Module._resolveFilename(request, mod, false, options);
    req.main = process.mainModule;
    req.cache = Module._cache;
    return compileCached(filename, content).call(mod.exports, mod.exports, req, mod, filename, path.dirname(filename));
  };
}
