// The upgrade gate: applying the new dist/ over the old one must not be refused by the API
// server, unless the change is acknowledged in Git (upgrades.yaml) with the steps taken.
// It reuses the diff and its risk rules (./diff, ./risk) and adds the replicas handover to
// an HPA, which the server accepts but which drops a Deployment to one pod on apply.
// CI runs it (`npm run upgrade-check`, .ci/run); a release command calls `upgradeGate`.
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { canonicalize } from '../../constructs/core/canonical';
import { diffStacks } from './diff';
import { loadDistAtRef, loadDistDir, StackManifests } from './load';
import { Manifest, specOf } from './shapes';

/** Where the acknowledgements live, relative to the repository. */
export const ACKNOWLEDGEMENTS_FILE = 'upgrades.yaml';

/** The docs section with the steps for each kind of change. */
const DOCS = 'docs/deployment.md#upgrades-the-api-server-refuses';

/** One acknowledged change: the object and field, and what was done about it. */
export interface Acknowledgement {
  readonly env: string;
  readonly stack: string;
  readonly kind: string;
  readonly name: string;
  /** The field, or a field above it: `spec.volumeClaimTemplates` covers every change under it. */
  readonly field: string;
  /** The steps taken (or to take) so the upgrade applies: the docs give them per change. */
  readonly steps: string;
  /** Why the change is worth it. @default - none */
  readonly reason?: string;
}

export type UpgradeCategory =
  /** The API server refuses the update (risk.ts's `immutable` rules). */
  | 'immutable'
  /** `spec.replicas` leaves the manifest as an HPA takes over: applying it resets the workload to 1 pod. */
  | 'replicas-handover';

export interface UpgradeFinding {
  readonly env: string;
  readonly stack: string;
  readonly kind: string;
  readonly name: string;
  readonly field: string;
  readonly category: UpgradeCategory;
  readonly message: string;
  /** What to do, in short, and where the docs say more. */
  readonly steps: string;
  /** The acknowledgement that covers it, if any. */
  readonly acknowledgement?: Acknowledgement;
}

export interface UpgradeResult {
  /** The old side (what the clusters run) and the new one. */
  readonly from: string;
  readonly to: string;
  /** Every finding, acknowledged or not, in dist/ order. */
  readonly findings: readonly UpgradeFinding[];
  /** Acknowledgements that match no finding: remove them once every environment runs the change. */
  readonly stale: readonly Acknowledgement[];
}

/** Findings no acknowledgement covers: the upgrade is refused when there is one. */
export function refusedOf(result: UpgradeResult): UpgradeFinding[] {
  return result.findings.filter((f) => f.acknowledgement === undefined);
}

// ---------------------------------------------------------------------------------------
// Acknowledgements

const SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['acknowledgements'],
  properties: {
    acknowledgements: {
      type: 'array',
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['env', 'stack', 'kind', 'name', 'field', 'steps'],
        properties: {
          env: { type: 'string', minLength: 1 },
          stack: { type: 'string', minLength: 1 },
          kind: { type: 'string', pattern: '^[A-Z][A-Za-z0-9]*$' },
          name: { type: 'string', minLength: 1 },
          field: { type: 'string', minLength: 1 },
          steps: { type: 'string', minLength: 1 },
          reason: { type: 'string' },
        },
      },
    },
  },
} as const;

const validateFile = new Ajv({ allErrors: true }).compile<{ acknowledgements: Acknowledgement[] }>(SCHEMA);

/** The acknowledgements in `text` (the content of `file`); throws naming every problem. */
export function parseAcknowledgements(text: string, file: string = ACKNOWLEDGEMENTS_FILE): Acknowledgement[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new Error(`${file}: not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === undefined || doc === null) return [];
  if (!validateFile(doc)) {
    const problems = (validateFile.errors ?? []).map((e) => {
      const where = e.instancePath.replace(/^\/acknowledgements\/(\d+)/, '[$1]').replace(/\//g, '.') || '(top level)';
      const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : '';
      return `${file} ${where}: ${e.message}${extra}`;
    });
    throw new Error(problems.join('\n'));
  }
  return doc.acknowledgements;
}

/** The acknowledgements file under `cwd`; none when it does not exist. */
export function readAcknowledgements(cwd: string, file: string = ACKNOWLEDGEMENTS_FILE): Acknowledgement[] {
  const full = path.resolve(cwd, file);
  return fs.existsSync(full) ? parseAcknowledgements(fs.readFileSync(full, 'utf-8'), file) : [];
}

function covers(a: Acknowledgement, f: UpgradeFinding): boolean {
  return a.env === f.env && a.stack === f.stack && a.kind === f.kind && a.name === f.name
    && (f.field === a.field || f.field.startsWith(`${a.field}.`) || f.field.startsWith(`${a.field}[`));
}

// ---------------------------------------------------------------------------------------
// Findings

/** The steps for a refused field, in short; the docs section has them in full. */
function stepsFor(kind: string, field: string): string {
  const at = (p: string): boolean => field === p || field.startsWith(`${p}.`) || field.startsWith(`${p}[`);
  if (kind === 'Job') return `name the Job after its spec (MigrationJob and SmokeTest do), or delete the old Job before the apply; see ${DOCS}`;
  if (kind === 'StatefulSet' && at('spec.volumeClaimTemplates')) {
    return `delete the StatefulSet with --cascade=orphan (its pods and PVCs stay), apply, then resize each existing PVC by hand; see ${DOCS}`;
  }
  if (kind === 'PersistentVolumeClaim') return `back up, delete and recreate the claim under the new spec, restore; see ${DOCS}`;
  if (kind === 'RoleBinding' || kind === 'ClusterRoleBinding') return `delete the binding, then apply; see ${DOCS}`;
  return `delete the object (--cascade=orphan for a workload, so its pods stay), then apply; see ${DOCS}`;
}

const SCALED_KINDS = new Set(['Deployment', 'StatefulSet', 'ReplicaSet']);

/** Workloads an HPA scales, as `Kind/name`. */
function autoscaled(stack: StackManifests | undefined): Set<string> {
  const out = new Set<string>();
  for (const { manifest: m } of stack?.objects ?? []) {
    if (m.kind !== 'HorizontalPodAutoscaler') continue;
    const ref = specOf<{ scaleTargetRef?: { kind?: string; name?: string } }>(m)?.scaleTargetRef;
    if (ref?.kind && ref.name) out.add(`${ref.kind}/${ref.name}`);
  }
  return out;
}

function replicasOf(m: Manifest | undefined): unknown {
  return specOf<{ replicas?: unknown }>(m ?? ({} as Manifest))?.replicas;
}

/**
 * Defaults the API server fills into fields it then refuses to change, outside the atomic
 * parts `canonicalize` covers: a manifest that leaves one out and one that spells it out are
 * the same object to the server (apps/v1 SetDefaults_StatefulSet, core/v1
 * SetDefaults_PersistentVolumeClaimSpec, rbac/v1 SetDefaults_RoleBinding).
 */
function withImmutableDefaults(m: Record<string, unknown>): void {
  const spec = m.spec as Record<string, unknown> | undefined;
  if (m.kind === 'StatefulSet' && spec && spec.podManagementPolicy === undefined) spec.podManagementPolicy = 'OrderedReady';
  if (m.kind === 'PersistentVolumeClaim' && spec && spec.volumeMode === undefined) spec.volumeMode = 'Filesystem';
  const roleRef = m.roleRef as Record<string, unknown> | undefined;
  if ((m.kind === 'RoleBinding' || m.kind === 'ClusterRoleBinding') && roleRef && roleRef.apiGroup === undefined) roleRef.apiGroup = 'rbac.authorization.k8s.io';
}

/**
 * Each object as the API server stores it: the server compares stored objects, so a change
 * that only writes out what it fills in anyway (an earlier commit's volumeClaimTemplates
 * without apiVersion and kind, say) is no change to it.
 */
export function storedForms(stacks: readonly StackManifests[]): StackManifests[] {
  return stacks.map((s) => ({
    ...s,
    objects: s.objects.map((o) => {
      const m = JSON.parse(JSON.stringify(o.manifest)) as Record<string, unknown>;
      canonicalize(m);
      withImmutableDefaults(m);
      return { file: o.file, manifest: m as Manifest };
    }),
  }));
}

/**
 * What would stop `after` from applying over `before`: every `immutable` risk of the diff
 * of their stored forms, and each workload that loses `spec.replicas` to an HPA.
 */
export function upgradeFindings(beforeAsWritten: readonly StackManifests[], afterAsWritten: readonly StackManifests[]): UpgradeFinding[] {
  const before = storedForms(beforeAsWritten);
  const after = storedForms(afterAsWritten);
  const out: UpgradeFinding[] = [];
  const id = (s: StackManifests): string => `${s.env}/${s.stack}`;
  const beforeById = new Map(before.map((s) => [id(s), s]));
  const afterById = new Map(after.map((s) => [id(s), s]));
  for (const stack of diffStacks(before, after)) {
    const sid = `${stack.env}/${stack.stack}`;
    const hpas = autoscaled(afterById.get(sid));
    const find = (side: StackManifests | undefined, kind: string, name: string): Manifest | undefined =>
      side?.objects.find((o) => o.manifest.kind === kind && o.manifest.metadata.name === name)?.manifest;
    for (const o of stack.objects) {
      const base = { env: stack.env, stack: stack.stack, kind: o.kind, name: o.name };
      for (const r of o.risks) {
        if (r.category !== 'immutable') continue;
        const field = r.path ?? '';
        out.push({ ...base, field, category: 'immutable', message: r.message, steps: stepsFor(o.kind, field) });
      }
      if (o.change === 'changed' && SCALED_KINDS.has(o.kind) && hpas.has(`${o.kind}/${o.name}`)) {
        const was = replicasOf(find(beforeById.get(sid), o.kind, o.name));
        if (was !== undefined && replicasOf(find(afterById.get(sid), o.kind, o.name)) === undefined) {
          out.push({
            ...base, field: 'spec.replicas', category: 'replicas-handover',
            message: `spec.replicas (${String(was)}) leaves the manifest as an HPA takes over: the apply that removes it resets the workload to 1 replica until the HPA scales it up again`,
            steps: `hand spec.replicas over first (kubectl apply edit-last-applied under client-side apply; a second field manager under server-side apply, Argo CD and Flux); see ${DOCS}`,
          });
        }
      }
    }
  }
  return out;
}

/** Findings matched with their acknowledgements, and the acknowledgements that match nothing. */
export function checkUpgrade(
  before: readonly StackManifests[], after: readonly StackManifests[], acknowledgements: readonly Acknowledgement[],
  sides: { readonly from: string; readonly to: string } = { from: 'before', to: 'after' },
): UpgradeResult {
  const used = new Set<Acknowledgement>();
  const findings = upgradeFindings(before, after).map((f) => {
    const a = acknowledgements.find((x) => covers(x, f));
    if (a === undefined) return f;
    used.add(a);
    return { ...f, acknowledgement: a };
  });
  return { ...sides, findings, stale: acknowledgements.filter((a) => !used.has(a)) };
}

export interface UpgradeGateOptions {
  /** The git ref the clusters run: the old side. */
  readonly base: string;
  /** The new side: a git ref. @default - dist/ in the work tree */
  readonly to?: string;
  /** The repository. @default process.cwd() */
  readonly cwd?: string;
  /** @default 'dist' */
  readonly dist?: string;
  /** The acknowledgements file, relative to `cwd`; read from the new side's tree. @default 'upgrades.yaml' */
  readonly acknowledgements?: string;
}

/**
 * The gate as a release command calls it: `dist/` at `base` against the work tree (or
 * `to`), with the acknowledgements of the new side. Refuse the release when
 * `refusedOf(result)` is not empty.
 */
export function upgradeGate(options: UpgradeGateOptions): UpgradeResult {
  const cwd = options.cwd ?? process.cwd();
  const dist = options.dist ?? 'dist';
  const file = options.acknowledgements ?? ACKNOWLEDGEMENTS_FILE;
  const before = loadDistAtRef(options.base, dist, cwd);
  const after = options.to !== undefined ? loadDistAtRef(options.to, dist, cwd) : loadDistDir(path.resolve(cwd, dist));
  const acks = options.to !== undefined ? acknowledgementsAtRef(options.to, file, cwd) : readAcknowledgements(cwd, file);
  return checkUpgrade(before, after, acks, { from: options.base, to: options.to ?? 'working tree' });
}

function acknowledgementsAtRef(ref: string, file: string, cwd: string): Acknowledgement[] {
  let text: string;
  try {
    text = execFileSync('git', ['show', `${ref}:${file}`], { cwd, stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 24 }).toString('utf-8');
  } catch {
    return []; // no such file at that ref (the ref itself was read already)
  }
  return parseAcknowledgements(text, file);
}

// ---------------------------------------------------------------------------------------
// Output

function line(f: UpgradeFinding): string {
  return `${f.env}/${f.stack} ${f.kind}/${f.name} ${f.field}: ${f.message}`;
}

/** The report: refused changes with their steps, acknowledged ones, stale acknowledgements. */
export function formatUpgrade(result: UpgradeResult, file: string = ACKNOWLEDGEMENTS_FILE): string {
  const refused = refusedOf(result);
  const acknowledged = result.findings.filter((f) => f.acknowledgement !== undefined);
  const out = [`berth upgrade check: ${result.from} → ${result.to}`];
  if (refused.length > 0) {
    out.push(`refused: ${refused.length} change(s) that would not apply, not acknowledged in ${file}`);
    for (const f of refused) out.push(`  ${line(f)}`, `    steps: ${f.steps}`);
  }
  if (acknowledged.length > 0) {
    out.push(`acknowledged in ${file}: ${acknowledged.length} change(s)`);
    for (const f of acknowledged) out.push(`  ${line(f)}`, `    steps taken: ${f.acknowledgement!.steps.trim()}`);
  }
  if (result.stale.length > 0) {
    out.push(`stale: ${result.stale.length} acknowledgement(s) in ${file} match no change against ${result.from}; remove each once every environment runs it`);
    for (const a of result.stale) out.push(`  ${a.env}/${a.stack} ${a.kind}/${a.name} ${a.field}`);
  }
  if (refused.length === 0) out.push(result.findings.length === 0 ? 'ok: nothing the API server would refuse' : 'ok: every refused change is acknowledged');
  return `${out.join('\n')}\n`;
}
