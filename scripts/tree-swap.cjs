// Replaces an output tree (dist/, cdk8s.out/, reports/) as a whole, and puts things right after
// a process was killed in the middle. Plain CommonJS so that scripts/check-dist.mjs can use it
// as well as the bundled synth (synth/write.ts); its types are in tree-swap.d.cts.
//
// The tree stays a real directory: git, Argo CD and `kubectl apply -f` see plain files. Node
// has no renameat2(RENAME_EXCHANGE), so the swap is two renames, done under a lock:
//
//   stage-<id>  (written)  -> ready-<id>       the new tree is complete
//   dist                   -> old-<id>         no dist/ until the next rename (microseconds)
//   ready-<id>             -> dist             the commit point
//   old-<id>               removed
//
// Everything but dist/ itself lives in a work directory beside it, `.berth-<name>/`, with the
// lock (a symlink to the owner's pid). A process killed at any step leaves names that say how
// far it got; `recover()`, which every command that reads or writes the tree runs first, undoes
// a swap that didn't reach its commit point (dist/ back from old-<id>) and removes the trees of
// processes that are gone, never those of a live one. See docs/writing.md.
'use strict';
const fs = require('fs');
const path = require('path');

const LOCK_WAIT_MS = 30_000;

/** Whether `pid` is a running process (EPERM: it runs, as another user). */
function alive(pid) {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

const exists = (p) => {
  try {
    fs.lstatSync(p);
    return true;
  } catch (e) {
    if (e.code === 'ENOENT') return false;
    throw e;
  }
};

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Creates a directory unless it exists. Not `recursive: true`, which reports success on a
 * read-only file system and leaves the caller with a puzzling ENOENT.
 */
function ensureDir(dir) {
  try {
    fs.mkdirSync(dir);
  } catch (e) {
    if (e.code === 'EEXIST') return;
    if (e.code !== 'ENOENT' || path.dirname(dir) === dir) throw e;
    ensureDir(path.dirname(dir));
    ensureDir(dir);
  }
}

/**
 * Where a tree's files live and where its work directory is. A symlinked tree (a user pointed
 * dist/ elsewhere) is replaced at its target, so the link itself is never touched.
 */
function locate(outdir) {
  let target = path.resolve(outdir);
  let st;
  try {
    st = fs.lstatSync(target);
  } catch (e) {
    if (e.code !== 'ENOENT') throw e;
  }
  if (st !== undefined && st.isSymbolicLink()) {
    const to = path.resolve(path.dirname(target), fs.readlinkSync(target));
    try {
      target = fs.realpathSync(to);
    } catch (e) {
      if (e.code !== 'ENOENT') throw e;
      target = to; // a dangling link: its target is created
    }
  }
  const work = path.join(path.dirname(target), `.berth-${path.basename(target)}`);
  return { target, work, lock: path.join(work, 'lock') };
}

/** Takes the work directory's lock; a lock whose owner is gone is taken over. */
function acquire(loc) {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      ensureDir(loc.work);
      fs.symlinkSync(String(process.pid), loc.lock);
      return;
    } catch (e) {
      // ENOENT: another process removed the empty work directory in between; try again.
      if (e.code !== 'EEXIST' && !(e.code === 'ENOENT' && attempt < 100)) throw e;
    }
    let owner;
    try {
      owner = Number(fs.readlinkSync(loc.lock));
    } catch (e) {
      if (e.code === 'ENOENT') continue; // released in between
      if (e.code !== 'EINVAL') throw e;
      owner = NaN; // not a symlink: not a lock berth made, so no owner
    }
    if (!alive(owner)) {
      try {
        fs.unlinkSync(loc.lock);
      } catch (e) {
        if (e.code !== 'ENOENT') throw e;
      }
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another berth command (pid ${owner}) is replacing ${path.basename(loc.target)}/: it holds ${loc.lock}`);
    sleep(20);
  }
}

function release(loc) {
  try {
    if (fs.readlinkSync(loc.lock) === String(process.pid)) fs.unlinkSync(loc.lock);
  } catch {
    // Not ours, or already gone.
  }
  try {
    fs.rmdirSync(loc.work);
  } catch {
    // Not empty (another process's tree) or gone: fine either way.
  }
}

/** `stage-123-abcdef` → { kind: 'stage', id: '123-abcdef', pid: 123 }. */
function parse(name) {
  const m = /^(stage|ready|old)-(([0-9]+)-.+)$/.exec(name);
  return m ? { kind: m[1], id: m[2], pid: Number(m[3]) } : undefined;
}

/** Removes a tree; returns the error instead of throwing it. */
function remove(dir) {
  try {
    fs.rmSync(dir, { recursive: true, force: true, maxRetries: 2 });
    return undefined;
  } catch (e) {
    return e;
  }
}

/**
 * Puts the tree right after an interrupted swap, and removes trees left by processes that are
 * gone. Cheap when there is nothing to do (one readdir). Returns what it did, and the trees it
 * could not remove (never thrown: a leftover must not stop a command).
 */
function recover(outdir) {
  const loc = locate(outdir);
  const result = { restored: false, removed: [], leftovers: [] };
  let names;
  try {
    names = fs.readdirSync(loc.work);
  } catch (e) {
    if (e.code !== 'ENOENT' && e.code !== 'ENOTDIR') throw e;
    names = [];
  }
  if (names.length === 0) {
    removeLegacy(loc, result);
    return result;
  }
  acquire(loc);
  try {
    const entries = fs.readdirSync(loc.work).map((n) => ({ name: n, ...parse(n) })).filter((e) => e.kind !== undefined);
    // A ready tree exists only while its owner holds the lock, which is now ours: its owner was
    // killed before the commit point. Undo: dist/ back from old-<id> if it was moved away.
    for (const e of entries.filter((x) => x.kind === 'ready')) {
      const old = path.join(loc.work, `old-${e.id}`);
      if (!exists(loc.target) && exists(old)) {
        fs.renameSync(old, loc.target);
        result.restored = true;
      }
      const dir = path.join(loc.work, e.name);
      const err = remove(dir);
      if (err) result.leftovers.push({ path: dir, error: err });
      else result.removed.push(dir);
    }
    for (const e of entries.filter((x) => x.kind !== 'ready')) {
      const dir = path.join(loc.work, e.name);
      // A live owner is still writing (stage) or removing (old) it. An old tree is the only copy
      // of the output when dist/ itself is gone: leave it for a person to look at.
      if (alive(e.pid) || !exists(dir) || (e.kind === 'old' && !exists(loc.target))) continue;
      const err = remove(dir);
      if (err) result.leftovers.push({ path: dir, error: err });
      else result.removed.push(dir);
    }
  } finally {
    release(loc);
  }
  removeLegacy(loc, result);
  return result;
}

/**
 * Staging trees of berth before the work directory, `.dist-new-*` beside dist/: their owner
 * can't be told, so only those untouched for ten minutes (no synth runs that long).
 */
function removeLegacy(loc, result) {
  const parent = path.dirname(loc.target);
  const prefix = `.${path.basename(loc.target)}-new-`;
  let names;
  try {
    names = fs.readdirSync(parent).filter((n) => n.startsWith(prefix));
  } catch {
    return;
  }
  for (const n of names) {
    const dir = path.join(parent, n);
    try {
      if (Date.now() - fs.lstatSync(dir).mtimeMs < 10 * 60_000) continue;
    } catch {
      continue;
    }
    const err = remove(dir);
    if (err) result.leftovers.push({ path: dir, error: err });
    else result.removed.push(dir);
  }
}

/** A new, empty directory for the tree's next content, owned by this process. */
function stage(outdir) {
  const loc = locate(outdir);
  for (let attempt = 0; ; attempt++) {
    try {
      ensureDir(loc.work);
      return fs.mkdtempSync(path.join(loc.work, `stage-${process.pid}-`));
    } catch (e) {
      if (e.code !== 'ENOENT' || attempt >= 100) throw e;
    }
  }
}

/**
 * Swaps the staged tree in as `outdir`, then removes the previous tree. `onStep`, called before
 * each step, lets tests kill the process there. Returns the previous tree when it could not be
 * removed (the swap itself succeeded); throws when the swap failed, with the tree as it was.
 */
function commit(staged, outdir, onStep) {
  const loc = locate(outdir);
  const name = path.basename(staged);
  const parsed = parse(name);
  if (parsed === undefined || parsed.kind !== 'stage' || path.dirname(staged) !== loc.work) throw new Error(`${staged} is not a staged tree of ${outdir}`);
  const step = onStep ?? (() => undefined);
  const ready = path.join(loc.work, `ready-${parsed.id}`);
  const old = path.join(loc.work, `old-${parsed.id}`);
  step('lock');
  acquire(loc);
  let moved = false;
  try {
    step('ready');
    fs.renameSync(staged, ready);
    step('move-old');
    if (exists(loc.target)) {
      fs.renameSync(loc.target, old);
      moved = true;
    } else {
      ensureDir(path.dirname(loc.target));
    }
    step('move-new');
    fs.renameSync(ready, loc.target);
  } catch (e) {
    // Back to where it was: the old tree in place, the new one discarded. Should even that
    // fail, ready-<id> and old-<id> stay, so that recover() can do it later.
    let restored = true;
    if (moved && !exists(loc.target)) {
      try {
        fs.renameSync(old, loc.target);
      } catch {
        restored = false;
      }
    }
    if (restored) {
      remove(ready);
      remove(staged);
    }
    if (e !== null && typeof e === 'object') e.treeRestored = restored;
    throw e;
  } finally {
    release(loc);
  }
  step('remove-old');
  if (!moved) return undefined;
  const err = remove(old);
  try {
    fs.rmdirSync(loc.work);
  } catch {
    // Not empty: another process's tree.
  }
  step('done');
  return err ? { path: old, error: err } : undefined;
}

/** Removes a staged tree that won't be committed. */
function discard(staged) {
  remove(staged);
  try {
    fs.rmdirSync(path.dirname(staged));
  } catch {
    // Other trees in the work directory, or the lock.
  }
}

module.exports = { locate, recover, stage, commit, discard };
