// The safety net as a function, for a cdk8s app that doesn't use berth's runner: call
// `validateApp(app)` before `app.synth()`, and a refused app writes nothing. Each chart is
// one stack, rendered and checked exactly as `npm run synth` checks a stack, and a refusal
// reads the same: one line per problem.
import { App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { ValidationError } from '../constructs/core/errors';
import { platformPolicy, PlatformPolicy, PullPolicy } from '../constructs/core/policy';
import { Finding, formatFinding, Validator } from './finding';
import { RenderedStack, renderUnit } from './render';
import { DEFAULT_RUNTIME_FACTS, RuntimeFacts, safetyNet } from './validate';

/** What the environment the app is built for allows, and where its cluster runs what. */
export interface ValidateOptions {
  /**
   * The environment the app is built for: the first word of every line (`dev/shop …`).
   * @default 'app'
   */
  readonly env?: string;
  /**
   * Accept core Secrets with data (generated credentials, as in dev).
   * @default - the chart's platform policy (`secrets.allowGenerated`), else false
   */
  readonly allowPlaintextSecrets?: boolean;
  /**
   * Accept untagged and `:latest` images.
   * @default - the chart's platform policy (`images.allowMutableTags`), else false
   */
  readonly allowMutableImageTags?: boolean;
  /**
   * The `imagePullPolicy` every container must set.
   * @default - the chart's platform policy (`images.pullPolicy`), else none is required
   */
  readonly pullPolicy?: PullPolicy;
  /**
   * The namespace of the Prometheus that scrapes ServiceMonitors.
   * @default - the chart's platform policy (`metrics.scraperNamespace`), else 'monitoring'
   */
  readonly scraperNamespace?: string;
  /**
   * The namespaces the ingress proxies run in (routes must admit them).
   * @default - the chart's platform policy (`gateway.controllerNamespace`; 'istio-system' in
   *   istio mode), else ['ingress-nginx']
   */
  readonly ingressNamespaces?: readonly string[];
  /**
   * Charts (by construct path) whose Namespace objects need no namespace baseline.
   * @default []
   */
  readonly baselineExempt?: readonly string[];
}

/** Everything the safety net found in an app or a chart. */
export interface SafetyNetResult {
  /** Problems of the construct tree (`node.validate()`, berth's ValidationErrors), in construct order. */
  readonly problems: readonly string[];
  /** The findings of the checks, check by check, then chart by chart. */
  readonly findings: readonly Finding[];
  /** Checks that crashed (`validator <name> crashed on <env>/<chart>: …`); a crash is a refusal too. */
  readonly crashes: readonly string[];
  /** The refusal as `npm run synth` prints it, or undefined when there is nothing to refuse. */
  readonly text?: string;
}

/** A refused app: the message lists every problem, one per line. */
export class SafetyNetError extends Error {
  declare public readonly result: SafetyNetResult;

  constructor(result: SafetyNetResult) {
    super(result.text);
    this.name = 'SafetyNetError';
    // Not enumerable: an uncaught refusal prints its lines once, not the result object too.
    Object.defineProperty(this, 'result', { value: result, enumerable: false });
  }
}

/** Every chart of the app (nested ones too), in construct order. */
function chartsOf(scope: App | Chart): Chart[] {
  return scope.node.findAll().filter((c: IConstruct): c is Chart => Chart.isChart(c));
}

/**
 * The checks for one stack: the options first, then the platform policy (a berth chart's),
 * then the defaults.
 */
export function safetyNetFor(env: string, options: ValidateOptions, policy: PlatformPolicy = {}): Validator[] {
  const gateway = policy.gateway;
  const ingress = options.ingressNamespaces
    ?? (gateway?.controllerNamespace !== undefined ? [gateway.controllerNamespace]
      : gateway?.mode === 'istio' ? ['istio-system'] : DEFAULT_RUNTIME_FACTS.ingressNamespaces);
  const pullPolicy = options.pullPolicy ?? policy.images?.pullPolicy;
  // Istio's gateway is known by its pods and its identity too (the routed services admit only those).
  const istio = gateway?.mode === 'istio' ? gateway.istio : undefined;
  const runtime: RuntimeFacts = {
    scraperNamespace: options.scraperNamespace ?? policy.metrics?.scraperNamespace ?? DEFAULT_RUNTIME_FACTS.scraperNamespace,
    ingressNamespaces: [...ingress],
    ...(istio ? { ingressProxies: Object.fromEntries(ingress.map((ns) => [ns, { podLabels: istio.gatewaySelector, principal: istio.gatewayPrincipal }])) } : {}),
  };
  return safetyNet({
    plaintextSecretEnvs: (options.allowPlaintextSecrets ?? policy.secrets?.allowGenerated ?? false) ? [env] : [],
    mutableTagEnvs: (options.allowMutableImageTags ?? policy.images?.allowMutableTags ?? false) ? [env] : [],
    ...(pullPolicy !== undefined ? { pullPolicies: { [env]: pullPolicy } } : {}),
    baselineExemptStacks: options.baselineExempt ?? [],
    // A berth chart's pods name the PriorityClasses its cluster's prerequisites define.
    ...(policy.priorityClasses ? { priorityClasses: { [env]: Object.values(policy.priorityClasses) } } : {}),
    runtime: { [env]: runtime },
  });
}

/**
 * Renders and checks every chart of `scope` (an App, or one Chart) as the synth checks a stack,
 * without writing anything. Never throws for what it finds; see `validateApp` for that.
 */
export function checkSafetyNet(scope: App | Chart, options: ValidateOptions = {}): SafetyNetResult {
  const env = options.env ?? 'app';
  const problems: string[] = [];
  const perChart: { validators: Validator[]; stack: RenderedStack }[] = [];
  for (const chart of chartsOf(scope)) {
    try {
      perChart.push({ validators: safetyNetFor(env, options, platformPolicy(chart)), stack: renderUnit({ env, stack: chart.node.path, chart }) });
    } catch (e) {
      if (!(e instanceof ValidationError)) throw e;
      problems.push(...e.problems);
    }
  }
  const { findings, crashes } = runChecks(perChart);
  return { problems, findings, crashes, ...refusalText(problems, findings, crashes) };
}

/**
 * Runs each stack's checks; a crashing check is reported and doesn't hide the others'
 * findings. Findings come check by check, then stack by stack, as the synth lists them.
 */
export function runChecks(stacks: readonly { readonly validators: readonly Validator[]; readonly stack: RenderedStack }[]): { findings: Finding[]; crashes: string[] } {
  const findings: { validator: number; finding: Finding }[] = [];
  const crashes: { validator: number; message: string }[] = [];
  for (const { validators, stack } of stacks) {
    validators.forEach((v, i) => {
      try {
        for (const finding of v(stack)) findings.push({ validator: i, finding });
      } catch (e) {
        crashes.push({ validator: i, message: `validator ${v.name || '(anonymous)'} crashed on ${stack.env}/${stack.stack}: ${e instanceof Error ? e.message : String(e)}` });
      }
    });
  }
  return {
    findings: findings.sort((a, b) => a.validator - b.validator).map((f) => f.finding),
    crashes: crashes.sort((a, b) => a.validator - b.validator).map((c) => c.message),
  };
}

/** The runner's refusal, without its sentence about dist/ (nothing has been written). */
export function refusalText(problems: readonly string[], findings: readonly Finding[], crashes: readonly string[]): { text?: string } {
  const block = (header: string, lines: readonly string[]) => [header, ...lines.map((l) => `  ${l}`)].join('\n');
  if (problems.length > 0) return { text: block(`berth: synth refused: ${problems.length} problem(s) in the stack definitions`, problems) };
  const lines = [...findings.map(formatFinding), ...crashes];
  if (lines.length > 0) return { text: block(`berth: synth refused: ${lines.length} problem(s) in the synthesized output`, lines) };
  return {};
}

/**
 * Runs the safety net on every chart of the app and throws a SafetyNetError listing every
 * problem when it finds any. Call it before `app.synth()`: a refused app writes nothing.
 */
export function validateApp(app: App, options: ValidateOptions = {}): void {
  const result = checkSafetyNet(app, options);
  if (result.text !== undefined) throw new SafetyNetError(result);
}

/** `validateApp` for one chart (and the charts nested in it). */
export function validateChart(chart: Chart, options: ValidateOptions = {}): void {
  const result = checkSafetyNet(chart, options);
  if (result.text !== undefined) throw new SafetyNetError(result);
}
