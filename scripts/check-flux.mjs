#!/usr/bin/env node
// CI (.ci/run, when kubectl is there): builds every Flux Kustomization in dist/*/flux/ as
// kustomize-controller does, its path with its spec.patches, using kubectl's kustomize, and
// checks that the phases of each stack directory together hold each of its objects exactly
// once, and that no Job keeps a TTL (Flux would re-create it, and re-run it, once deleted).
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import { createRequire } from 'module';
import * as os from 'os';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { parseArgs } from 'util';

const USAGE = `usage: node scripts/check-flux.mjs [--dist <dir>] [-h]

Builds each Flux Kustomization of <dist>/*/flux/ with kubectl kustomize and checks that a
stack's phases split its directory and that no Job keeps ttlSecondsAfterFinished.
Exit status: 0 fine, 1 a build failed or a check did, 2 a bad option.`;

let values;
try {
  ({ values } = parseArgs({ options: { dist: { type: 'string', default: 'dist' }, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
} catch (e) {
  console.error(`berth check-flux: ${e.message}\n\n${USAGE}`);
  process.exit(2);
}
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { loadAll, dump } = createRequire(import.meta.url)('js-yaml');
const dist = path.resolve(root, values.dist);
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-flux-'));
const problems = [];
const key = (m) => `${m.apiVersion}/${m.kind}/${m.metadata.namespace ?? ''}/${m.metadata.name}`;
/** The objects of a stack directory, from its own Kustomization: what `kubectl apply -k` applies. */
const objectsOf = (dir) => loadAll(execFileSync('kubectl', ['kustomize', dir], { encoding: 'utf-8', maxBuffer: 1 << 28 })).filter(Boolean);

try {
  const phasesByPath = new Map();
  for (const cluster of fs.readdirSync(dist).sort()) {
    const fluxDir = path.join(dist, cluster, 'flux');
    if (!fs.existsSync(fluxDir)) continue;
    for (const file of fs.readdirSync(fluxDir).filter((f) => f.endsWith('.yaml')).sort()) {
      const ks = loadAll(fs.readFileSync(path.join(fluxDir, file), 'utf-8')).find((d) => d?.kind === 'Kustomization');
      if (ks === undefined || !(ks.spec.patches?.length > 0)) continue;
      // The same build kustomize-controller runs: the path as a base, the spec's patches on top.
      const overlay = path.join(scratch, ks.metadata.name);
      fs.mkdirSync(overlay);
      const base = path.relative(overlay, path.join(root, ks.spec.path));
      fs.writeFileSync(path.join(overlay, 'kustomization.yaml'), dump({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: [base], patches: ks.spec.patches }));
      let built;
      try {
        built = objectsOf(overlay);
      } catch (e) {
        problems.push(`${cluster}/flux/${file}: kubectl kustomize failed: ${String(e.stderr ?? e.message).trim()}`);
        continue;
      }
      for (const m of built) {
        if (m.kind === 'Job' && m.spec?.ttlSecondsAfterFinished !== undefined) problems.push(`${cluster}/flux/${file}: Job/${m.metadata.name} keeps ttlSecondsAfterFinished`);
      }
      const phases = phasesByPath.get(ks.spec.path) ?? [];
      phases.push({ name: ks.metadata.name, keys: built.map(key) });
      phasesByPath.set(ks.spec.path, phases);
    }
  }
  for (const [stackPath, phases] of phasesByPath) {
    const all = objectsOf(path.join(root, stackPath)).map(key);
    const seen = new Map();
    for (const p of phases) for (const k of p.keys) seen.set(k, [...(seen.get(k) ?? []), p.name]);
    for (const k of all) {
      const owners = seen.get(k) ?? [];
      if (owners.length !== 1) problems.push(`${stackPath}: ${k} is in ${owners.length === 0 ? 'no phase' : `${owners.length} phases (${owners.join(', ')})`}`);
    }
    for (const k of seen.keys()) if (!all.includes(k)) problems.push(`${stackPath}: ${k} is in a phase but not in the directory`);
  }
  if (problems.length > 0) {
    console.error(`Flux builds: ${problems.length} problem(s)`);
    for (const p of problems) console.error(`  ${p}`);
    process.exitCode = 1;
  } else {
    console.log(`Flux builds: ${[...phasesByPath.values()].reduce((n, p) => n + p.length, 0)} Kustomizations build; each stack's phases split its directory.`);
  }
} finally {
  fs.rmSync(scratch, { recursive: true, force: true });
}
