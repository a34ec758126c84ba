// The write of dist/ under faults: SIGKILL at any instant, files that can't be removed, a
// tree that can't be written, a symlinked dist/, leftovers of killed synths.
import { execFileSync, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as k8s from '../imports/k8s';
import { ENVIRONMENTS, StackDefinition, buildUnits } from '../charts';
import { synthesize } from '../synth';
import { recoverTree } from '../synth/write';
import { listTree, tmpdir } from './util';

const root = path.resolve(__dirname, '..');
const runner = path.join(root, 'scripts', 'run.mjs');
const fixture = 'test/fixtures/kill-synth.ts';
const workOf = (out: string): string => path.join(path.dirname(out), `.berth-${path.basename(out)}`);
const exists = (p: string): boolean => {
  try {
    fs.lstatSync(p);
    return true;
  } catch {
    return false;
  }
};

/** A pid that no process has: a child's, after it exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf-8' });
  return Number(r.stdout);
}

/** Runs the fixture synth as its own process; with `killAfterMs`, SIGKILLs it then. */
function child(out: string, variant: 'a' | 'b', dieAt = '', killAfterMs?: number): Promise<{ code: number | null; signal: string | null; ms: number }> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const p = spawn(process.execPath, [runner, fixture, out, variant, dieAt], {
      cwd: root, stdio: 'ignore', env: { ...process.env, NODE_OPTIONS: '', CI: 'true' },
    });
    const timer = killAfterMs === undefined ? undefined : setTimeout(() => p.kill('SIGKILL'), killAfterMs);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, ms: Date.now() - started });
    });
  });
}

describe('SIGKILL at any instant of a synth leaves the whole old tree or the whole new one', () => {
  const base = tmpdir('berth-kill-');
  let treeA: Record<string, string>;
  let treeB: Record<string, string>;
  let runMs = 0;
  const fresh = (label: string): string => {
    const out = path.join(base, label, 'dist');
    fs.mkdirSync(path.dirname(out));
    fs.cpSync(path.join(base, 'a', 'dist'), out, { recursive: true });
    return out;
  };
  const stateOf = (out: string): 'A' | 'B' | 'missing' | 'mixed' => {
    if (!exists(out)) return 'missing';
    const tree = listTree(out);
    return JSON.stringify(tree) === JSON.stringify(treeA) ? 'A' : JSON.stringify(tree) === JSON.stringify(treeB) ? 'B' : 'mixed';
  };

  beforeAll(async () => {
    for (const v of ['a', 'b'] as const) {
      const out = path.join(base, v, 'dist');
      fs.mkdirSync(path.dirname(out));
      const r = await child(out, v);
      expect(r.code).toBe(0);
      // The first run also bundles the fixture: b's is the time of a synth.
      runMs = r.ms;
    }
    treeA = listTree(path.join(base, 'a', 'dist'));
    treeB = listTree(path.join(base, 'b', 'dist'));
    // 3 environments × (100 ConfigMaps + the Kustomization); b differs in every file both have.
    expect(Object.keys(treeA)).toHaveLength(3 * 101);
    expect(Object.keys(treeB).filter((f) => treeA[f] !== undefined && treeA[f] !== treeB[f])).toHaveLength(3 * 91);
  }, 60_000);

  afterAll(() => fs.rmSync(base, { recursive: true, force: true }));

  // Before each step of the swap, the process kills itself: every state a kill can leave.
  // The six processes run at once (each on its own copy); each test then reads its result.
  const steps = ['lock', 'ready', 'move-old', 'move-new', 'remove-old', 'done'];
  const killed = new Map<string, Promise<{ out: string; signal: string | null }>>();
  const killedAt = (step: string): Promise<{ out: string; signal: string | null }> => {
    if (killed.size === 0) {
      for (const s of steps) {
        const out = fresh(`step-${s}`);
        killed.set(s, child(out, 'b', s).then((r) => ({ out, signal: r.signal })));
      }
    }
    return killed.get(step)!;
  };

  test.each([
    ['lock', 'A', 'A'],
    ['ready', 'A', 'A'],
    ['move-old', 'A', 'A'],
    // Between the two renames: the one window without dist/, put right by the next command.
    ['move-new', 'missing', 'A'],
    ['remove-old', 'B', 'B'],
    ['done', 'B', 'B'],
  ])('killed before step %s: %s, and %s after recovery, with nothing left behind', async (step, before, after) => {
    const { out, signal } = await killedAt(step);
    expect(signal).toBe('SIGKILL');
    expect(stateOf(out)).toBe(before);
    if (before === 'missing') {
      expect(fs.readdirSync(workOf(out)).map((n) => n.replace(/-[0-9]+-.*$/, '')).sort()).toEqual(['lock', 'old', 'ready']);
    }
    recoverTree(out);
    expect(stateOf(out)).toBe(after);
    expect(exists(workOf(out))).toBe(false);
  }, 30_000);

  test('killed in the window, the next synth restores the tree first and then writes its own', async () => {
    const out = fresh('window-then-synth');
    expect((await child(out, 'b', 'move-new')).signal).toBe('SIGKILL');
    expect(stateOf(out)).toBe('missing');
    expect((await child(out, 'b')).code).toBe(0);
    expect(stateOf(out)).toBe('B');
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  }, 30_000);

  test('killed after varying delays across the whole run', async () => {
    const seen: string[] = [];
    const delays = Array.from({ length: 6 }, (_, i) => Math.round(((i + 1) / 6) * runMs));
    for (const [i, ms] of delays.entries()) {
      const out = fresh(`delay-${i}`);
      await child(out, 'b', '', ms);
      const before = stateOf(out);
      seen.push(before);
      expect(['A', 'B', 'missing']).toContain(before);
      if (before === 'missing') expect(fs.readdirSync(workOf(out)).some((n) => n.startsWith('ready-'))).toBe(true);
      recoverTree(out);
      expect(['A', 'B']).toContain(stateOf(out));
      // A killed synth's staged tree and lock are gone too.
      expect(exists(workOf(out))).toBe(false);
    }
    expect(seen).toHaveLength(delays.length);
  }, 60_000);
});

const quiet = { log: () => undefined, error: () => undefined };
const greeting = { text: 'hello' };
const hello: StackDefinition = {
  id: 'hello',
  build: (chart) => { new k8s.KubeConfigMap(chart, 'config', { metadata: { name: 'hello' }, data: { GREETING: greeting.text } }); },
};
const units = () => buildUnits(ENVIRONMENTS, [hello]);

/** Makes a path unremovable: chattr +i as root (with CAP_LINUX_IMMUTABLE), else a read-only mode. */
const lockers: (() => void)[] = [];
const immutable = (() => {
  const probe = path.join(tmpdir('berth-chattr-'), 'probe');
  fs.writeFileSync(probe, '');
  try {
    execFileSync('chattr', ['+i', probe], { stdio: 'ignore' });
    execFileSync('chattr', ['-i', probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const isRoot = process.getuid?.() === 0;
function lockDown(p: string): void {
  if (immutable) {
    execFileSync('chattr', ['+i', p]);
    lockers.push(() => execFileSync('chattr', ['-i', p]));
  } else {
    const mode = fs.statSync(p).mode;
    fs.chmodSync(p, mode & ~0o222);
    lockers.push(() => fs.chmodSync(p, mode));
  }
}
afterEach(() => {
  for (const unlock of lockers.splice(0).reverse()) unlock();
  greeting.text = 'hello';
});
// chattr needs root with CAP_LINUX_IMMUTABLE; a read-only mode stops anyone but root.
const canLockDown = immutable || !isRoot;
const lockedTest = canLockDown ? test : test.skip;
const EPERM = 'operation not permitted (EPERM): immutable or append-only? `lsattr` shows it, `chattr -i` or `-a` clears it';
const dirReason = immutable ? EPERM : 'permission denied (EACCES): not writable by this user';

describe('a tree that can\'t be replaced is left exactly as it was', () => {
  lockedTest('an immutable file, changed or unchanged: refused before anything changes, and the message says so', () => {
    const out = path.join(tmpdir('berth-locked-'), 'dist');
    synthesize(units, { outdir: out, ...quiet });
    const before = listTree(out);
    const inode = fs.statSync(out).ino;
    if (immutable) {
      lockDown(path.join(out, 'dev/hello/00-namespace-hello-dev.yaml')); // unchanged by the next synth
      lockDown(path.join(out, 'prod-eu-west/hello/02-configmap-hello.yaml')); // changed by it
    } else {
      lockDown(path.join(out, 'prod-eu-west/hello'));
    }
    greeting.text = 'bonjour';
    const errors: string[] = [];
    expect(synthesize(units, { outdir: out, log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(1);
    expect(errors).toEqual(immutable ? [
      "berth: synth refused to replace dist/: 2 path(s) in it can't be removed; dist/ was not changed",
      `  dist/dev/hello/00-namespace-hello-dev.yaml: ${EPERM}`,
      `  dist/prod-eu-west/hello/02-configmap-hello.yaml: ${EPERM}`,
    ] : [
      "berth: synth refused to replace dist/: 1 path(s) in it can't be removed; dist/ was not changed",
      `  dist/prod-eu-west/hello: ${dirReason}`,
    ]);
    expect(listTree(out)).toEqual(before);
    expect(fs.statSync(out).ino).toBe(inode);
    // Nothing staged, nothing half deleted.
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  lockedTest('a read-only directory inside dist/', () => {
    const out = path.join(tmpdir('berth-locked-'), 'dist');
    synthesize(units, { outdir: out, ...quiet });
    const before = listTree(out);
    lockDown(path.join(out, 'staging/hello'));
    greeting.text = 'bonjour';
    const errors: string[] = [];
    expect(synthesize(units, { outdir: out, log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(1);
    expect(errors).toEqual([
      "berth: synth refused to replace dist/: 1 path(s) in it can't be removed; dist/ was not changed",
      `  dist/staging/hello: ${dirReason}`,
    ]);
    expect(listTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  lockedTest('a mirror that can\'t be replaced: dist/ is written, and the message says which is which', () => {
    const dir = tmpdir('berth-locked-');
    const [out, mirror] = [path.join(dir, 'dist'), path.join(dir, 'cdk8s.out')];
    synthesize(units, { outdir: out, mirrorDir: mirror, ...quiet });
    const before = listTree(mirror);
    // Its files are dist/'s, hard-linked: a directory of its own.
    lockDown(path.join(mirror, 'dev/hello'));
    greeting.text = 'bonjour';
    const errors: string[] = [];
    expect(synthesize(units, { outdir: out, mirrorDir: mirror, log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(1);
    expect(errors[0]).toBe("berth: synth refused to replace cdk8s.out/: 1 path(s) in it can't be removed; dist/ was written, cdk8s.out/ was not changed");
    expect(listTree(out)['dev/hello/02-configmap-hello.yaml']).toContain('GREETING: bonjour');
    expect(listTree(mirror)).toEqual(before);
    expect(fs.readdirSync(dir).sort()).toEqual(['cdk8s.out', 'dist']);
  });

  lockedTest('a checkout where dist/ can\'t be created: one line, no trace', () => {
    const parent = tmpdir('berth-locked-');
    lockDown(parent);
    const errors: string[] = [];
    expect(synthesize(units, { outdir: path.join(parent, 'dist'), log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(1);
    const reason = immutable ? 'operation not permitted (EPERM' : 'permission denied (EACCES';
    expect(errors).toEqual([`berth: can't write dist/: ${reason}: ${path.join(parent, '.berth-dist')}); dist/ was not changed`]);
  });

  lockedTest('a leftover of an earlier run that can\'t be removed is a warning, not a failure', () => {
    const out = path.join(tmpdir('berth-locked-'), 'dist');
    synthesize(units, { outdir: out, ...quiet });
    const old = path.join(workOf(out), `old-${deadPid()}-x`);
    fs.mkdirSync(old, { recursive: true });
    fs.writeFileSync(path.join(old, 'f'), '');
    lockDown(immutable ? path.join(old, 'f') : old);
    const errors: string[] = [];
    greeting.text = 'bonjour';
    expect(synthesize(units, { outdir: out, log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(new RegExp(`^berth: warning: could not remove ${old.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}, left by an earlier run: .*; remove it by hand$`));
    expect(listTree(out)['dev/hello/02-configmap-hello.yaml']).toContain('GREETING: bonjour');
  });
});

describe('leftovers, locks and symlinks', () => {
  test('staged trees of killed synths are removed; a live synth\'s is not', () => {
    const out = path.join(tmpdir('berth-stale-'), 'dist');
    synthesize(units, { outdir: out, ...quiet });
    const work = workOf(out);
    const dead = deadPid();
    const stale = ['stage', 'ready', 'old'].map((k) => path.join(work, `${k}-${dead}-abc`));
    const live = path.join(work, `stage-${process.pid}-def`);
    for (const d of [...stale, live]) {
      fs.mkdirSync(d, { recursive: true });
      fs.writeFileSync(path.join(d, 'f.yaml'), 'x: 1\n');
    }
    // Left by berth before the work directory: removed once it is ten minutes old.
    const legacy = [path.join(path.dirname(out), '.dist-new-old'), path.join(path.dirname(out), '.dist-new-recent')];
    for (const d of legacy) fs.mkdirSync(d);
    const hourAgo = new Date(Date.now() - 3600_000);
    fs.utimesSync(legacy[0], hourAgo, hourAgo);
    const before = listTree(out);
    expect(synthesize(units, { outdir: out, ...quiet }).exitCode).toBe(0);
    expect(listTree(out)).toEqual(before);
    expect(fs.readdirSync(work)).toEqual([path.basename(live)]);
    expect(fs.readdirSync(path.dirname(out)).sort()).toEqual(['.berth-dist', '.dist-new-recent', 'dist']);
  });

  test('a lock left by a killed process is taken over', () => {
    const out = path.join(tmpdir('berth-lock-'), 'dist');
    synthesize(units, { outdir: out, ...quiet });
    fs.mkdirSync(workOf(out));
    fs.symlinkSync(String(deadPid()), path.join(workOf(out), 'lock'));
    greeting.text = 'bonjour';
    expect(synthesize(units, { outdir: out, ...quiet }).exitCode).toBe(0);
    expect(listTree(out)['dev/hello/02-configmap-hello.yaml']).toContain('GREETING: bonjour');
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test('an interrupted swap found by recovery: the previous tree is put back, and the synth says so', () => {
    const out = path.join(tmpdir('berth-recover-'), 'dist');
    synthesize(units, { outdir: out, ...quiet });
    const before = listTree(out);
    const id = `${deadPid()}-abc`;
    fs.mkdirSync(workOf(out));
    fs.renameSync(out, path.join(workOf(out), `old-${id}`));
    fs.mkdirSync(path.join(workOf(out), `ready-${id}`));
    const errors: string[] = [];
    expect(synthesize(units, { outdir: out, log: () => undefined, error: (l) => errors.push(l) }).exitCode).toBe(0);
    expect(errors).toEqual(['berth: an interrupted synth had moved dist/ aside; it is back in place']);
    expect(listTree(out)).toEqual(before);
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
  });

  test('dist/ as a symlink stays a symlink; its target is replaced, beside it', () => {
    const dir = tmpdir('berth-link-');
    const target = path.join(dir, 'elsewhere', 'manifests');
    fs.mkdirSync(target, { recursive: true });
    const out = path.join(dir, 'repo', 'dist');
    fs.mkdirSync(path.dirname(out));
    fs.symlinkSync('../elsewhere/manifests', out);
    expect(synthesize(units, { outdir: out, ...quiet }).exitCode).toBe(0);
    greeting.text = 'bonjour';
    expect(synthesize(units, { outdir: out, ...quiet }).exitCode).toBe(0);
    expect(fs.lstatSync(out).isSymbolicLink()).toBe(true);
    expect(fs.readlinkSync(out)).toBe('../elsewhere/manifests');
    expect(listTree(target)['dev/hello/02-configmap-hello.yaml']).toContain('GREETING: bonjour');
    expect(fs.readdirSync(path.dirname(out))).toEqual(['dist']);
    expect(fs.readdirSync(path.dirname(target))).toEqual(['manifests']);
  });

  test('a dangling dist/ symlink: its target is created, the link kept', () => {
    const dir = tmpdir('berth-link-');
    const out = path.join(dir, 'dist');
    fs.symlinkSync('out', out);
    expect(synthesize(units, { outdir: out, ...quiet }).exitCode).toBe(0);
    expect(fs.lstatSync(out).isSymbolicLink()).toBe(true);
    expect(Object.keys(listTree(path.join(dir, 'out')))).toContain('dev/hello/02-configmap-hello.yaml');
  });
});
