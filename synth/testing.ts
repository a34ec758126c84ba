// Jest matchers for stack authors: run the safety net on one chart in a unit test.
//
//   expect(chart).toBeValidKubernetes();   // schema + API-server rules
//   expect(chart).toPassRestricted();      // Pod Security Standards restricted
//   expect(chart).toPassSafetyNet();       // every check, as `npm run synth` runs them
//   expect(store.statefulSet).toHavePriority('berth-store');   // a chart, or one workload
//   expect(chart).toPullImagesWith('Always');
//   expect(chart).toStateEphemeralStorage();
//   expect(db.authorizationPolicy).toAdmitPrincipal('cluster.local/ns/shop-prod/sa/api', 5432);
//
// test/setup.ts registers them (jest.config.js `setupFilesAfterEnv`); the declarations
// below make `tsc` know them.
import { ApiObject, Chart } from 'cdk8s';
import type { Finding, Validator } from './finding';
import { formatFinding } from './finding';
import { Manifest, renderUnit } from './render';
import { containersOf, podTemplateOf, PodTemplate, record, records } from './validate/model';
import { platformPolicy } from '../constructs/core/policy';
import { safetyNetFor } from './safety-net';
import { apiServerValidator, podSecurityValidator, schemaValidator } from './validate';

/** How `toPassSafetyNet` treats the chart. */
export interface SafetyNetMatcherOptions {
  /** The environment the chart stands for. @default 'test' */
  readonly env?: string;
  /**
   * Environments allowing plaintext Secrets.
   * @default - the chart's platform policy (`secrets.allowGenerated` allows `env`), else []
   */
  readonly plaintextSecretEnvs?: readonly string[];
  /**
   * Environments allowing mutable image tags.
   * @default - the chart's platform policy (`images.allowMutableTags` allows `env`), else []
   */
  readonly mutableTagEnvs?: readonly string[];
}

/** The findings of `validators` on a chart, rendered exactly as the synth renders it. */
export function findingsOf(chart: Chart, validators: readonly Validator[], env = 'test'): Finding[] {
  const stack = renderUnit({ env, stack: chart.node.id, chart });
  return validators.flatMap((v) => v(stack));
}

type Result = { pass: boolean; message: () => string };

function resultOf(chart: unknown, what: string, validators: (chart: Chart) => readonly Validator[], env?: string): Result {
  if (!(chart instanceof Chart)) {
    return { pass: false, message: () => `expected a cdk8s Chart, received ${typeof chart}` };
  }
  const findings = findingsOf(chart, validators(chart), env);
  return findings.length === 0
    ? { pass: true, message: () => `expected chart ${chart.node.id} not to ${what}, but it does` }
    : {
      pass: false,
      message: () => `expected chart ${chart.node.id} to ${what}, found ${findings.length} problem(s):\n${findings.map((f) => `  ${formatFinding(f)}`).join('\n')}`,
    };
}

/** The pod templates of a chart (every workload) or of one workload object. */
function podsOf(received: unknown): { pods: PodTemplate[]; what: string } | undefined {
  const objects: { manifest: Manifest; constructPath: string; file: string }[] = received instanceof Chart
    ? [...renderUnit({ env: 'test', stack: received.node.id, chart: received }).objects]
    : received instanceof ApiObject ? [{ manifest: received.toJson() as Manifest, constructPath: received.node.path, file: '' }] : [];
  if (!(received instanceof Chart) && !(received instanceof ApiObject)) return undefined;
  const what = received instanceof Chart ? `chart ${received.node.id}` : `${received.kind}/${received.name}`;
  return { pods: objects.flatMap((o) => podTemplateOf(o) ?? []), what };
}

/** Passes when `failures` is empty; the message lists them. */
function listed(what: string, expectation: string, failures: readonly string[], none: boolean): Result {
  if (none) return { pass: false, message: () => `expected ${what} to ${expectation}, but it has no pod template` };
  return failures.length === 0
    ? { pass: true, message: () => `expected ${what} not to ${expectation}, but it does` }
    : { pass: false, message: () => `expected ${what} to ${expectation}:\n${failures.map((f) => `  ${f}`).join('\n')}` };
}

const describePod = (t: PodTemplate): string => `${t.object.manifest.kind}/${t.object.manifest.metadata.name}`;

export const berthMatchers = {
  /** Every object passes the strict schema and the API server's own rules. */
  toBeValidKubernetes(chart: unknown): Result {
    return resultOf(chart, 'be valid Kubernetes', () => [schemaValidator(), apiServerValidator()]);
  },
  /** Every pod template passes Pod Security Standards restricted. */
  toPassRestricted(chart: unknown): Result {
    return resultOf(chart, 'pass Pod Security Standards restricted', () => [podSecurityValidator()]);
  },
  /**
   * Every check of the synth, with the chart as one stack, and what its platform policy says of
   * the environment (a berth StackChart's: generated Secrets, mutable tags, the pull policy,
   * PriorityClasses, the scraper's and the ingress proxies' namespaces), as `validateChart` reads it.
   */
  toPassSafetyNet(chart: unknown, options: SafetyNetMatcherOptions = {}): Result {
    const env = options.env ?? 'test';
    const allows = (envs: readonly string[] | undefined) => envs === undefined ? undefined : envs.includes(env);
    return resultOf(chart, 'pass the safety net', (c) => safetyNetFor(env, {
      allowPlaintextSecrets: allows(options.plaintextSecretEnvs),
      allowMutableImageTags: allows(options.mutableTagEnvs),
      baselineExempt: ['argocd'],
    }, platformPolicy(c)), env);
  },
  /** Every pod template (of the chart, or of the one workload) names `className` as its PriorityClass. */
  toHavePriority(received: unknown, className: string): Result {
    const found = podsOf(received);
    if (!found) return { pass: false, message: () => `expected a cdk8s Chart or ApiObject, received ${typeof received}` };
    const failures = found.pods.flatMap((t) => {
      const name = (t.spec as { priorityClassName?: unknown }).priorityClassName;
      return name === className ? [] : [`${describePod(t)}: priorityClassName is ${JSON.stringify(name)}`];
    });
    return listed(found.what, `have priority ${JSON.stringify(className)}`, failures, found.pods.length === 0);
  },
  /** Every container (init containers included) pulls with `policy`. */
  toPullImagesWith(received: unknown, policy: string): Result {
    const found = podsOf(received);
    if (!found) return { pass: false, message: () => `expected a cdk8s Chart or ApiObject, received ${typeof received}` };
    const failures = found.pods.flatMap((t) => containersOf(t)
      .filter(({ container }) => container.imagePullPolicy !== policy)
      .map(({ container }) => `${describePod(t)} container ${String(container.name)}: imagePullPolicy is ${JSON.stringify(container.imagePullPolicy)}`));
    return listed(found.what, `pull every image with ${JSON.stringify(policy)}`, failures, found.pods.length === 0);
  },
  /** Every container (init containers included) requests and limits ephemeral-storage. */
  toStateEphemeralStorage(received: unknown): Result {
    const found = podsOf(received);
    if (!found) return { pass: false, message: () => `expected a cdk8s Chart or ApiObject, received ${typeof received}` };
    const failures = found.pods.flatMap((t) => containersOf(t).flatMap(({ container }) => {
      const r = record((container as { resources?: unknown }).resources);
      return (['requests', 'limits'] as const).filter((side) => record(r[side])['ephemeral-storage'] === undefined)
        .map((side) => `${describePod(t)} container ${String(container.name)}: no ${side}.ephemeral-storage`);
    }));
    return listed(found.what, 'state ephemeral storage on every container', failures, found.pods.length === 0);
  },
  /**
   * An ALLOW AuthorizationPolicy admits `principal` (on `port`, when given): one of its rules
   * names the principal (or `*`) and the port (or no ports).
   */
  toAdmitPrincipal(received: unknown, principal: string, port?: number): Result {
    if (!(received instanceof ApiObject) || received.kind !== 'AuthorizationPolicy') {
      return { pass: false, message: () => `expected an AuthorizationPolicy, received ${received instanceof ApiObject ? received.kind : typeof received}` };
    }
    const spec = record((received.toJson() as { spec?: unknown }).spec);
    const on = port === undefined ? '' : ` on port ${port}`;
    const admits = String(spec.action ?? 'ALLOW') === 'ALLOW' && records(spec.rules).some((rule) => {
      const from = records(rule.from).some((f) => {
        const principals = record(f.source).principals;
        return Array.isArray(principals) && principals.some((p) => p === principal || p === '*');
      });
      const to = port === undefined || records(rule.to).length === 0
        || records(rule.to).some((t) => { const ports = record(t.operation).ports; return !Array.isArray(ports) || ports.includes(String(port)); });
      return from && to;
    });
    return admits
      ? { pass: true, message: () => `expected AuthorizationPolicy/${received.name} not to admit ${principal}${on}, but it does` }
      : { pass: false, message: () => `expected AuthorizationPolicy/${received.name} to admit ${principal}${on}; its rules: ${JSON.stringify(spec.rules ?? [])}` };
  },
};

declare global {
  namespace jest {
    interface Matchers<R, T = {}> {
      /** Every object passes the strict Kubernetes 1.28 / CRD schema and the API server's rules. */
      toBeValidKubernetes(): R;
      /** Every pod template passes Pod Security Standards restricted. */
      toPassRestricted(): R;
      /** Every check `npm run synth` runs, with the chart as one stack. */
      toPassSafetyNet(options?: SafetyNetMatcherOptions): R;
      /** Every pod template of the chart (or of the one workload) names this PriorityClass. */
      toHavePriority(className: string): R;
      /** Every container of the chart (or of the one workload) pulls with this imagePullPolicy. */
      toPullImagesWith(policy: 'Always' | 'IfNotPresent' | 'Never'): R;
      /** Every container of the chart (or of the one workload) requests and limits ephemeral-storage. */
      toStateEphemeralStorage(): R;
      /** The AuthorizationPolicy admits this principal (on this port). */
      toAdmitPrincipal(principal: string, port?: number): R;
    }
  }
}
