// The table `npm run synth` ends with, and the progress line it shows on a terminal
// when a synth runs long.
import { remoteKeysOf } from './inventory';
import { RenderedStack } from './render';

/** kubectl's short names, so a row of kinds stays on one line. */
const SHORT: Readonly<Record<string, string>> = {
  Namespace: 'ns', ConfigMap: 'cm', Secret: 'secret', ServiceAccount: 'sa', Service: 'svc', Deployment: 'deploy',
  StatefulSet: 'sts', DaemonSet: 'ds', ReplicaSet: 'rs', Job: 'job', CronJob: 'cj', HorizontalPodAutoscaler: 'hpa',
  PodDisruptionBudget: 'pdb', PersistentVolumeClaim: 'pvc', Ingress: 'ing', NetworkPolicy: 'netpol',
  ResourceQuota: 'quota', LimitRange: 'limits', Role: 'role', RoleBinding: 'rolebinding', Certificate: 'cert',
  ServiceMonitor: 'servicemonitor', VirtualService: 'vs', DestinationRule: 'dr', Gateway: 'gw',
  PeerAuthentication: 'pa', AuthorizationPolicy: 'authorizationpolicy', ExternalSecret: 'es', SealedSecret: 'sealedsecret',
  VerticalPodAutoscaler: 'vpa', HTTPRoute: 'httproute', Application: 'app', AppProject: 'appproj', GitRepository: 'gitrepo',
  Kustomization: 'ks',
};

export interface StackStats {
  readonly env: string;
  readonly stack: string;
  /** Objects per kind. */
  readonly kinds: ReadonlyMap<string, number>;
  /** Files written into the stack directory (manifests and the Kustomization). */
  readonly files: number;
  /** Time to render the stack's chart into manifests. */
  readonly renderMs: number;
  /** Remote values its ExternalSecrets read, and from which stores. */
  readonly remoteKeys?: { readonly count: number; readonly stores: readonly string[] };
}

export interface SynthStats {
  readonly outdir: string;
  readonly stacks: readonly StackStats[];
  /** Time in each phase: building the charts, rendering, validating, writing. */
  readonly phases: { readonly build: number; readonly render: number; readonly validate: number; readonly write: number };
  readonly totalMs: number;
}

export function statsOf(stack: RenderedStack, renderMs: number): StackStats {
  const kinds = new Map<string, number>();
  for (const o of stack.objects) kinds.set(o.manifest.kind, (kinds.get(o.manifest.kind) ?? 0) + 1);
  const keys = kinds.has('ExternalSecret') ? remoteKeysOf(stack.stack, stack.objects.map((o) => o.manifest)) : [];
  return {
    env: stack.env, stack: stack.stack, kinds, files: stack.objects.length + stack.files.size, renderMs,
    ...(keys.length ? { remoteKeys: { count: keys.length, stores: [...new Set(keys.map((k) => k.store))] } } : {}),
  };
}

/** Per environment, what its secret stores must hold: the pointer to the inventory. */
function secretLines(stacks: readonly StackStats[], envs: readonly string[]): string[] {
  return envs.flatMap((env) => {
    const of = stacks.filter((x) => x.env === env && x.remoteKeys);
    if (of.length === 0) return [];
    const count = of.reduce((n, x) => n + x.remoteKeys!.count, 0);
    const stores = [...new Set(of.flatMap((x) => x.remoteKeys!.stores))];
    return [`secrets: ${env} reads ${count} remote value(s) from ${stores.join(', ')}; the inventory: npm run report → reports/${env}/secret-inventory.md`];
  });
}

/** `6 deploy, 3 sts, 7 svc`: most frequent first, then by name. */
export function formatKinds(kinds: ReadonlyMap<string, number>): string {
  return [...kinds.entries()]
    .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
    .map(([kind, n]) => `${n} ${SHORT[kind] ?? kind.toLowerCase()}`)
    .join(', ');
}

const ms = (n: number): string => `${Math.round(n)} ms`;

/** The table, one row per env/stack, and a total line. */
export function formatSummary(s: SynthStats): string {
  const envs = [...new Set(s.stacks.map((x) => x.env))];
  const ordered = envs.flatMap((env) => s.stacks.filter((x) => x.env === env));
  const rows = ordered.map((x) => [x.env, x.stack, String([...x.kinds.values()].reduce((a, b) => a + b, 0)), String(x.files), ms(x.renderMs), formatKinds(x.kinds)]);
  const head = ['env', 'stack', 'objects', 'files', 'render', 'kinds'];
  const right = new Set([2, 3, 4]);
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === r.length - 1 ? c : right.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  const objects = rows.reduce((n, r) => n + Number(r[2]), 0);
  const files = s.stacks.reduce((n, x) => n + x.files, 0);
  const p = s.phases;
  return [
    line(head),
    ...rows.map(line),
    ...secretLines(s.stacks, envs),
    `berth: ${s.stacks.length} stack dir(s), ${objects} objects, ${files} files → ${s.outdir}/ in ${ms(s.totalMs)}`
      + ` (build ${ms(p.build)}, render ${ms(p.render)}, validate ${ms(p.validate)}, write ${ms(p.write)})`,
  ].join('\n');
}

// ---------------------------------------------------------------------------------------

/** Reports what a long synth is doing. */
export interface Progress {
  /** The current step: `rendering prod/giia`, with its position when known. */
  update(step: string, index?: number, total?: number): void;
  /** Clears the line; safe to call more than once. */
  done(): void;
}

export const NO_PROGRESS: Progress = { update: () => undefined, done: () => undefined };

export interface ProgressOptions {
  readonly stream: { write(s: string): unknown };
  /** Show nothing before this much time has passed. @default 1000 */
  readonly afterMs?: number;
  /** @default process.hrtime-based milliseconds */
  readonly now?: () => number;
}

/**
 * One self-overwriting line that appears once the synth has run for `afterMs`. The synth is
 * synchronous, so the line moves forward at each step rather than on a timer.
 */
export function lineProgress(options: ProgressOptions): Progress {
  const now = options.now ?? (() => Number(process.hrtime.bigint() / 1_000_000n));
  const started = now();
  const after = options.afterMs ?? 1000;
  let shown = false;
  return {
    update(step, index, total) {
      if (now() - started < after) return;
      shown = true;
      const count = index !== undefined && total !== undefined ? ` [${index + 1}/${total}]` : '';
      options.stream.write(`\r\x1b[2Kberth: ${step}${count}`);
    },
    done() {
      if (shown) options.stream.write('\r\x1b[2K');
      shown = false;
    },
  };
}

/** Progress on stderr when it is a terminal and not CI; nothing otherwise. */
export function terminalProgress(env: NodeJS.ProcessEnv = process.env, stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY && !env.CI ? lineProgress({ stream }) : NO_PROGRESS;
}
