import * as fs from 'fs';
import * as path from 'path';
import { ValidationError } from '../constructs/core/errors';
import { RenderedStack } from './render';
import { toYaml } from './yaml';
import * as swap from '../scripts/tree-swap.cjs';

export type { CommitStep, Leftover, Recovery } from '../scripts/tree-swap.cjs';

/**
 * The files of one stack directory, relative to it: each manifest, then the Kustomization.
 * Each manifest's YAML is made only when it is reached, so a caller that writes each file
 * before taking the next never holds a whole stack's text.
 */
export function* stackFileEntries(s: RenderedStack): Generator<[string, string]> {
  const collisions = fileCollisions(s);
  if (collisions.length > 0) throw new ValidationError(collisions);
  for (const o of s.objects) yield [o.file, toYaml(o.manifest)];
  yield* s.files;
}

/**
 * Objects of one stack that map to the same file (the same kind and name, or kinds of two API
 * groups with one name, such as Istio's and Gateway API's Gateway), one problem per file,
 * naming every construct path involved.
 */
export function fileCollisions(s: RenderedStack): string[] {
  const byFile = new Map<string, RenderedStack['objects'][number][]>();
  for (const o of s.objects) {
    const same = byFile.get(o.file);
    if (same === undefined) byFile.set(o.file, [o]);
    else same.push(o);
  }
  const problems: string[] = [];
  for (const [file, objects] of byFile) {
    if (objects.length < 2) continue;
    const what = objects.map((o) => `${o.manifest.kind} '${o.manifest.metadata.name}' (${o.manifest.apiVersion})`);
    const sameObject = new Set(what).size === 1;
    problems.push(`${objects.map((o) => `[${o.constructPath}]`).join(' and ')} ${objects.length === 2 ? 'both' : 'all'} map to ${s.env}/${s.stack}/${file}: `
      + `${sameObject ? `${objects.length} × ${what[0]}` : what.join(' and ')}; give one of them another name`);
  }
  return problems;
}

/** Every file of a synth, relative to the output root: `dev/giia/05-deployment-auth.yaml`. */
export function filesOf(stacks: readonly RenderedStack[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const s of stacks) {
    for (const [name, content] of stackFileEntries(s)) files.set(`${s.env}/${s.stack}/${name}`, content);
  }
  return files;
}

/**
 * Writes files unless the previous tree already holds the same bytes. Reading a file costs
 * a fraction of writing one, and most of a synth's files are unchanged. Use one per synth:
 * it keeps two scratch buffers, so a comparison allocates nothing on the JS heap (reading
 * each file into a new string was a tenth of a large synth's garbage).
 */
export class ChangeWriter {
  private ours = Buffer.allocUnsafe(64 * 1024);
  private theirs = Buffer.allocUnsafe(64 * 1024);

  /**
   * True when `previous` already holds exactly `content`; otherwise writes `content` to
   * `target` (creating its directory) and returns false.
   */
  public unchangedOrWrite(previous: string, target: string, content: string): boolean {
    const size = Buffer.byteLength(content);
    if (this.ours.length <= size) {
      this.ours = Buffer.allocUnsafe(2 * size + 1);
      this.theirs = Buffer.allocUnsafe(2 * size + 1);
    }
    this.ours.write(content, 0);
    if (this.holds(previous, size)) return true;
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, this.ours.subarray(0, size));
    return false;
  }

  /** Whether `file` holds the first `size` bytes of `ours`, and nothing more. */
  private holds(file: string, size: number): boolean {
    let fd: number;
    try {
      fd = fs.openSync(file, 'r');
    } catch {
      return false; // No previous file.
    }
    try {
      // One byte more than ours, so that a longer file reads as different.
      let read = 0;
      while (read <= size) {
        const n = fs.readSync(fd, this.theirs, read, size + 1 - read, read);
        if (n === 0) break;
        read += n;
      }
      return read === size && this.ours.compare(this.theirs, 0, size, 0, size) === 0;
    } catch {
      return false; // A directory, or unreadable: write ours.
    } finally {
      fs.closeSync(fd);
    }
  }
}

/** The files and directories of a tree, relative to it, each sorted; empty when it does not exist. */
export interface TreeListing {
  readonly files: readonly string[];
  /** Every directory, the tree's root (`''`) first. */
  readonly dirs: readonly string[];
}

export function scanTree(dir: string): TreeListing {
  const files: string[] = [];
  const dirs: string[] = [];
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(rel === '' ? dir : path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    dirs.push(rel);
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else files.push(child);
    }
  };
  walk('');
  return { files: files.sort(), dirs: dirs.sort() };
}

/** Every file under `dir`, relative to it, sorted; empty when `dir` does not exist. */
export function listFiles(dir: string): string[] {
  return [...scanTree(dir).files];
}

/**
 * Hard-links (or, where links are not possible, copies) `rels` from `from` into `to`.
 * Returns those that were linked: a link is also proof that the file can be removed later
 * (Linux refuses to link an immutable or append-only file).
 */
export function linkFiles(rels: readonly string[], from: string, to: string): Set<string> {
  const dirs = new Set<string>();
  for (const rel of rels) dirs.add(path.dirname(rel));
  for (const d of [...dirs].sort()) fs.mkdirSync(path.join(to, d), { recursive: true });
  const linked = new Set<string>();
  for (const rel of rels) {
    try {
      fs.linkSync(path.join(from, rel), path.join(to, rel));
      linked.add(rel);
    } catch {
      fs.copyFileSync(path.join(from, rel), path.join(to, rel));
    }
  }
  return linked;
}

/** Something in the current tree that its swap could not remove. */
export interface Blocked {
  /** Relative to the tree; `''` is the tree itself. */
  readonly rel: string;
  readonly reason: string;
}

function reasonOf(e: unknown): string | undefined {
  const code = (e as { code?: string }).code;
  if (code === 'EPERM') return 'operation not permitted (EPERM): immutable or append-only? `lsattr` shows it, `chattr -i` or `-a` clears it';
  if (code === 'EACCES') return 'permission denied (EACCES): not writable by this user';
  if (code === 'EROFS') return 'read-only file system (EROFS)';
  return undefined;
}

/**
 * What in the tree `dir` can't be removed once it has been swapped out: a directory that is
 * not writable (read-only, immutable) or a file that is immutable or append-only. Checked
 * before the swap, so that a tree that can't be replaced is left exactly as it is, rather
 * than swapped and then half deleted. `linked` files were hard-linked, which already proved them.
 */
export function unremovable(dir: string, tree: TreeListing, linked: ReadonlySet<string>): Blocked[] {
  const blocked: Blocked[] = [];
  for (const rel of tree.dirs) {
    try {
      fs.accessSync(rel === '' ? dir : path.join(dir, rel), fs.constants.W_OK);
    } catch (e) {
      const reason = reasonOf(e);
      if (reason !== undefined) blocked.push({ rel, reason });
    }
  }
  for (const rel of tree.files) {
    if (linked.has(rel)) continue;
    try {
      // Opening for writing (without truncating) is refused for an immutable or append-only file.
      fs.closeSync(fs.openSync(path.join(dir, rel), 'r+'));
    } catch (e) {
      if ((e as { code?: string }).code === 'EPERM') blocked.push({ rel, reason: reasonOf(e) ?? 'EPERM' });
    }
  }
  return blocked;
}

/** Thrown when the current tree holds something its swap could not remove; nothing was changed. */
export class TreeBlockedError extends Error {
  public readonly blocked: readonly Blocked[];

  constructor(outdir: string, blocked: readonly Blocked[]) {
    super(`${blocked.length} path(s) in ${outdir}/ can't be replaced: ${blocked.map((b) => `${b.rel || '.'}: ${b.reason}`).join('; ')}`);
    this.name = 'TreeBlockedError';
    this.blocked = blocked;
  }
}

/**
 * Undoes an interrupted swap of `outdir` and removes the trees that killed processes left
 * beside it (scripts/tree-swap.cjs). Every command that reads or writes a tree runs it first.
 */
export function recoverTree(outdir: string): swap.Recovery {
  return swap.recover(outdir);
}

/**
 * A new, empty directory in `outdir`'s work directory that will become its whole content:
 * everything is written there first, then `commitTree` swaps it in, so a failure before the
 * swap leaves `outdir` byte-for-byte as it was.
 */
export function stageTree(outdir: string): string {
  return swap.stage(outdir);
}

/**
 * Replaces `outdir` with the staged tree (see scripts/tree-swap.cjs), then removes the old
 * tree; returns it when it could not be removed. `onStep` is for tests.
 */
export function commitTree(staged: string, outdir: string, onStep?: (step: swap.CommitStep) => void): swap.Leftover | undefined {
  return swap.commit(staged, outdir, onStep);
}

export function discardTree(staged: string): void {
  swap.discard(staged);
}

/**
 * Links the files `keep` from the current `outdir` into the staged tree, checks that the
 * current tree can be removed, and swaps the staged tree in. Throws a TreeBlockedError, with
 * `outdir` as it was, when something in it can't be removed.
 */
export function completeAndCommit(staged: string, outdir: string, keep: readonly string[], current: TreeListing,
  onStep?: (step: swap.CommitStep) => void): swap.Leftover | undefined {
  const linked = linkFiles(keep, outdir, staged);
  const blocked = unremovable(outdir, current, linked);
  if (blocked.length > 0) throw new TreeBlockedError(outdir, blocked);
  return commitTree(staged, outdir, onStep);
}

/**
 * Writes `files` (relative path → content) as the whole content of `outdir`, atomically.
 * Files whose bytes equal the previous `outdir`'s are hard-linked from it, not written again.
 */
export function writeTree(outdir: string, files: ReadonlyMap<string, string>): swap.Leftover | undefined {
  recoverTree(outdir);
  const staged = stageTree(outdir);
  try {
    const writer = new ChangeWriter();
    const unchanged = [...files].filter(([rel, content]) => writer.unchangedOrWrite(path.join(outdir, rel), path.join(staged, rel), content));
    return completeAndCommit(staged, outdir, unchanged.map(([rel]) => rel), scanTree(outdir));
  } catch (e) {
    discardTree(staged);
    throw e;
  }
}

/**
 * Makes `outdir` hold exactly the files `rel` of `from`, as hard links (copies where links
 * are not possible), atomically: cdk8s-cli's output directory mirrors dist/ this way.
 */
export function linkTree(outdir: string, rels: readonly string[], from: string): swap.Leftover | undefined {
  recoverTree(outdir);
  const staged = stageTree(outdir);
  try {
    linkFiles(rels, from, staged);
    return completeAndCommit(staged, outdir, [], scanTree(outdir));
  } catch (e) {
    discardTree(staged);
    throw e;
  }
}
