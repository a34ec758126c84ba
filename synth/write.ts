import * as fs from 'fs';
import * as path from 'path';
import { RenderedStack } from './render';
import { toYaml } from './yaml';

/**
 * The files of one stack directory, relative to it: each manifest, then the Kustomization.
 * Each manifest's YAML is made only when it is reached, so a caller that writes each file
 * before taking the next never holds a whole stack's text.
 */
export function* stackFileEntries(s: RenderedStack): Generator<[string, string]> {
  const names = new Set<string>();
  for (const o of s.objects) {
    if (names.has(o.file)) throw new Error(`two objects map to ${s.env}/${s.stack}/${o.file}`);
    names.add(o.file);
  }
  for (const o of s.objects) yield [o.file, toYaml(o.manifest)];
  yield* s.files;
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

/** Every file under `dir`, relative to it, sorted; empty when `dir` does not exist. */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const child = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory()) walk(child);
      else out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/** Hard-links (or, where links are not possible, copies) `rels` from `from` into `to`. */
export function linkFiles(rels: readonly string[], from: string, to: string): void {
  const dirs = new Set<string>();
  for (const rel of rels) dirs.add(path.dirname(rel));
  for (const d of [...dirs].sort()) fs.mkdirSync(path.join(to, d), { recursive: true });
  for (const rel of rels) {
    try {
      fs.linkSync(path.join(from, rel), path.join(to, rel));
    } catch {
      fs.copyFileSync(path.join(from, rel), path.join(to, rel));
    }
  }
}

/**
 * A new, empty directory beside `outdir` that will become its whole content: everything is
 * written there first, then `commitTree` swaps it in, so a failure before the swap leaves
 * `outdir` byte-for-byte as it was.
 */
export function stageTree(outdir: string): string {
  const parent = path.dirname(path.resolve(outdir));
  fs.mkdirSync(parent, { recursive: true });
  return fs.mkdtempSync(path.join(parent, `.${path.basename(outdir)}-new-`));
}

/** Replaces `outdir` with the staged tree in two renames, then drops the old tree. */
export function commitTree(staged: string, outdir: string): void {
  const old = `${staged}-old`;
  const hadOld = fs.existsSync(outdir);
  if (hadOld) fs.renameSync(outdir, old);
  fs.renameSync(staged, outdir);
  if (hadOld) fs.rmSync(old, { recursive: true, force: true });
}

export function discardTree(staged: string): void {
  fs.rmSync(staged, { recursive: true, force: true });
}

/**
 * Writes `files` (relative path → content) as the whole content of `outdir`, atomically.
 * Files whose bytes equal the previous `outdir`'s are hard-linked from it, not written again.
 */
export function writeTree(outdir: string, files: ReadonlyMap<string, string>): void {
  const staged = stageTree(outdir);
  try {
    const writer = new ChangeWriter();
    const unchanged = [...files].filter(([rel, content]) => writer.unchangedOrWrite(path.join(outdir, rel), path.join(staged, rel), content));
    linkFiles(unchanged.map(([rel]) => rel), outdir, staged);
  } catch (e) {
    discardTree(staged);
    throw e;
  }
  commitTree(staged, outdir);
}

/**
 * Makes `outdir` hold exactly the files `rel` of `from`, as hard links (copies where links
 * are not possible), atomically: cdk8s-cli's output directory mirrors dist/ this way.
 */
export function linkTree(outdir: string, rels: readonly string[], from: string): void {
  const staged = stageTree(outdir);
  try {
    linkFiles(rels, from, staged);
  } catch (e) {
    discardTree(staged);
    throw e;
  }
  commitTree(staged, outdir);
}
