// `npm run secrets`: the values only an operator knows (a stack's ProvidedSecrets), from a
// local file that Git ignores into the current kubectl context. Where an environment takes
// them from a secret store instead, it says which remote keys to fill. No value is ever
// printed unless asked for with --print, and none is written anywhere but the cluster.
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseArgs } from 'node:util';
import { parse as parseDotenv } from 'dotenv';
import { ENVIRONMENTS, planFor, STACKS } from '../../charts';
import { ValidationError } from '../../constructs/core/errors';
import { unknownKeyMessage } from '../../constructs/core/props';
import { ProvidedSecret } from '../../constructs/provided-secret';
import { toYaml } from '../../synth/yaml';

const USAGE = `usage: npm run secrets -- <env> <stack> [options]

Creates or updates, in the current kubectl context, the Secrets that hold a stack's values
only an operator knows (its ProvidedSecrets: API keys, external database URLs), from a local
file that Git ignores. For environments that take them from a secret store it lists the
remote keys to fill instead. The Secrets are not Argo CD's or Flux's: neither reverts nor
prunes them (docs/deployment.md).

  --file <path>     the values, one KEY=value per line (default: secrets.local/<env>/<stack>.env)
  --dry-run         show what would be applied, values redacted; apply nothing
  --print           print the Secret manifests, values included, for 'kubectl apply -f -'
  --context <name>  the kubectl context (default: the current one)
  -h, --help

Exit status: 0 done, 1 a value is missing or unknown or kubectl failed, 2 a bad option.`;

/** Marks a Secret as the operator's: Argo CD shows it apart from its app and never prunes it; Flux never owns it. */
export const OPERATOR_SECRET_ANNOTATIONS: Readonly<Record<string, string>> = {
  'argocd.argoproj.io/compare-options': 'IgnoreExtraneous',
  'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
};

export interface SecretsIo {
  readonly stdout: (s: string) => void;
  readonly stderr: (s: string) => void;
  /** Where a relative --file resolves. @default process.cwd() */
  readonly cwd?: string;
  /** Runs kubectl with `args` and `input` on stdin. @default the kubectl on PATH */
  readonly kubectl?: (args: readonly string[], input: string) => { status: number; stdout: string; stderr: string };
}

class UsageError extends Error {}

interface Manifest {
  readonly apiVersion: 'v1';
  readonly kind: 'Secret';
  readonly metadata: { name: string; namespace: string; labels: Record<string, string>; annotations: Record<string, string> };
  readonly type: 'Opaque';
  readonly data: Record<string, string>;
}

const defaultKubectl = (args: readonly string[], input: string) => {
  const r = spawnSync('kubectl', [...args], { input, encoding: 'utf-8' });
  if (r.error) return { status: 1, stdout: '', stderr: `kubectl could not run: ${r.error.message}\n` };
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
};

/** The stack's ProvidedSecrets in one environment, built as the synth builds them. */
function providedSecrets(env: string, stack: string): ProvidedSecret[] {
  const envs = ENVIRONMENTS.map((e) => e.name);
  const stacks = STACKS.map((s) => s.id);
  if (!envs.includes(env)) throw new UsageError(`'${env}' ${unknownKeyMessage(env, envs, 'environment', 'environments')}`);
  if (!stacks.includes(stack)) throw new UsageError(`'${stack}' ${unknownKeyMessage(stack, stacks, 'stack', 'stacks')}`);
  // Every cluster of an environment reads the same values: its first cluster's units say which.
  const unit = planFor(ENVIRONMENTS, STACKS).find((u) => (u.environment ?? u.env) === env && u.stack === stack)!;
  return unit.build().node.findAll().filter((c): c is ProvidedSecret => c instanceof ProvidedSecret);
}

function run(argv: readonly string[], io: SecretsIo): number {
  const { values: opts, positionals } = parseArgs({
    args: [...argv],
    options: {
      'file': { type: 'string' },
      'dry-run': { type: 'boolean' },
      'print': { type: 'boolean' },
      'context': { type: 'string' },
      'help': { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: true,
  });
  if (opts.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  if (positionals.length !== 2) throw new UsageError('needs an environment and a stack, such as: npm run secrets -- dev todo-chatbot');
  if (opts['dry-run'] && opts.print) throw new UsageError('--dry-run and --print exclude each other');
  const [env, stack] = positionals;
  const secrets = providedSecrets(env, stack);
  if (secrets.length === 0) {
    io.stdout(`berth secrets: ${env}/${stack} declares no values an operator supplies; nothing to do\n`);
    return 0;
  }
  const notLocal = secrets.filter((s) => s.mode !== 'local');
  if (notLocal.length > 0) {
    io.stdout(`berth secrets: in ${env}, ${stack}'s values come from ${notLocal[0].mode === 'external' ? 'a secret store' : 'Sealed Secrets'}, not a local file:\n`);
    for (const s of notLocal) {
      for (const [key, v] of Object.entries(s.values)) {
        const required = v.required ?? true;
        io.stdout(`  ${key}${required ? '' : ' (optional)'}: ${v.description}\n    ${required ? s.supplyHint : s.optionalSupplyHint}\n`);
      }
    }
    return 0;
  }

  const cwd = io.cwd ?? process.cwd();
  const fileName = opts.file ?? path.join('secrets.local', env, `${stack}.env`);
  const file = path.resolve(cwd, fileName);
  const declared = secrets.flatMap((s) => Object.entries(s.values).map(([key, v]) => ({ key, secret: s, required: v.required ?? true, description: v.description })));
  if (!fs.existsSync(file)) {
    io.stderr(`berth secrets: no file ${fileName}; create it (Git ignores secrets.local/) with these values:\n`);
    for (const d of declared) io.stderr(`  ${d.key}=   # ${d.required ? 'required' : 'optional'}: ${d.description}\n`);
    return 1;
  }
  const given = parseDotenv(fs.readFileSync(file));
  const problems: string[] = [];
  const keys = declared.map((d) => d.key);
  for (const key of Object.keys(given)) {
    if (!keys.includes(key)) problems.push(`${fileName}: '${key}' ${unknownKeyMessage(key, keys, `value of ${stack}`, `values of ${stack}`)}`);
  }
  for (const d of declared) {
    if (d.required && (given[d.key] ?? '') === '') problems.push(`${fileName}: ${d.key} is required and missing (${d.description})`);
  }
  if (problems.length > 0) {
    io.stderr(`berth secrets: refused: ${problems.length} problem(s); nothing was applied\n${problems.map((p) => `  ${p}\n`).join('')}`);
    return 1;
  }

  const namespace = `${stack}-${env}`;
  const manifests: Manifest[] = secrets.map((s) => ({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: s.secretName,
      namespace,
      // No app.kubernetes.io/instance: Argo CD's label tracking would count it as the app's and prune it.
      labels: { 'app.kubernetes.io/name': s.secretName, 'app.kubernetes.io/part-of': stack, 'app.kubernetes.io/managed-by': 'berth-secrets' },
      annotations: { ...OPERATOR_SECRET_ANNOTATIONS },
    },
    type: 'Opaque',
    data: Object.fromEntries(Object.keys(s.values).filter((k) => (given[k] ?? '') !== '').map((k) => [k, Buffer.from(given[k], 'utf-8').toString('base64')])),
  }));
  const summary = (m: Manifest, s: ProvidedSecret) => {
    const unset = Object.keys(s.values).filter((k) => !(k in m.data));
    return `Secret ${m.metadata.name} in ${namespace} (${Object.keys(m.data).join(', ')}${unset.length ? `; not set: ${unset.join(', ')}` : ''})`;
  };
  if (opts.print) {
    io.stderr(`berth secrets: printing ${manifests.length} Secret(s) with their values: pipe them to kubectl, keep them out of logs\n`);
    io.stdout(manifests.map((m) => toYaml(m)).join('---\n'));
    return 0;
  }
  if (opts['dry-run']) {
    const redacted = manifests.map((m) => ({ ...m, data: Object.fromEntries(Object.entries(m.data).map(([k, v]) => [k, `<${Buffer.from(v, 'base64').length} bytes from ${fileName}>`])) }));
    io.stdout(`berth secrets: would apply to ${opts.context ? `context ${opts.context}` : 'the current kubectl context'} (dry run, values redacted):\n---\n${redacted.map((m) => toYaml(m)).join('---\n')}`);
    return 0;
  }
  const kubectl = io.kubectl ?? defaultKubectl;
  const r = kubectl([...(opts.context ? ['--context', opts.context] : []), 'apply', '--server-side', '--field-manager=berth-secrets', '-f', '-'],
    manifests.map((m) => toYaml(m)).join('---\n'));
  if (r.status !== 0) {
    io.stderr(`berth secrets: kubectl apply failed (exit ${r.status}); the values may not have reached the cluster\n${r.stderr}`);
    return 1;
  }
  secrets.forEach((s, i) => io.stdout(`berth secrets: applied ${summary(manifests[i], s)}\n`));
  return 0;
}

/** Runs `npm run secrets` with `argv`; returns the exit status. */
export function secretsCli(argv: readonly string[], io: SecretsIo): number {
  try {
    return run(argv, io);
  } catch (e) {
    if (e instanceof ValidationError) {
      io.stderr(`berth secrets: the stack could not be built:\n${e.problems.map((p) => `  ${p}\n`).join('')}`);
      return 1;
    }
    const message = (e as Error).message;
    io.stderr(`berth secrets: ${message}\n`);
    if (e instanceof UsageError || (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr(`\n${USAGE}\n`);
      return 2;
    }
    return 1;
  }
}
