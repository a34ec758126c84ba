import * as fs from 'fs';
import * as path from 'path';
import { RenderedStack } from './render';
import { toYaml } from './yaml';

/** Every file of a synth, relative to the output root: `dev/giia/05-deployment-auth.yaml`. */
export function filesOf(stacks: readonly RenderedStack[]): Map<string, string> {
  const files = new Map<string, string>();
  for (const s of stacks) {
    const dir = `${s.env}/${s.stack}`;
    for (const o of s.objects) {
      const rel = `${dir}/${o.file}`;
      if (files.has(rel)) throw new Error(`two objects map to ${rel}`);
      files.set(rel, toYaml(o.manifest));
    }
    for (const [name, content] of s.files) files.set(`${dir}/${name}`, content);
  }
  return files;
}

/**
 * Puts `content` at `target`: a hard link to `previous` when that file already holds exactly
 * these bytes, else a new file. Most of a synth's files are unchanged, and linking one is
 * an order of magnitude cheaper than writing it (the old tree is about to be dropped, so
 * the link is the only name left).
 */
function placeFile(previous: string, target: string, content: string): void {
  try {
    if (fs.readFileSync(previous, 'utf-8') === content) {
      fs.linkSync(previous, target);
      return;
    }
  } catch {
    // No previous file, or links unsupported here: write it.
  }
  fs.writeFileSync(target, content);
}

/**
 * Writes `files` as the whole content of `outdir`, atomically: everything goes to a
 * sibling temp directory first, which then replaces `outdir` in two renames. A failure
 * before the swap leaves `outdir` byte-for-byte as it was. Files whose bytes equal those at
 * the same path under `linkFrom` (by default the previous `outdir`) are hard-linked.
 */
export function writeTree(outdir: string, files: ReadonlyMap<string, string>, linkFrom: string = outdir): void {
  const parent = path.dirname(path.resolve(outdir));
  const base = path.basename(outdir);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(parent, `.${base}-new-`));
  try {
    const dirs = new Set<string>();
    for (const rel of files.keys()) dirs.add(path.dirname(rel));
    for (const d of [...dirs].sort()) fs.mkdirSync(path.join(tmp, d), { recursive: true });
    for (const [rel, content] of files) placeFile(path.join(linkFrom, rel), path.join(tmp, rel), content);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const old = `${tmp}-old`;
  const hadOld = fs.existsSync(outdir);
  if (hadOld) fs.renameSync(outdir, old);
  fs.renameSync(tmp, outdir);
  if (hadOld) fs.rmSync(old, { recursive: true, force: true });
}
