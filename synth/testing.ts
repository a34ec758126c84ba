// Jest matchers for stack authors: run the safety net on one chart in a unit test.
//
//   expect(chart).toBeValidKubernetes();   // schema + API-server rules
//   expect(chart).toPassRestricted();      // Pod Security Standards restricted
//   expect(chart).toPassSafetyNet();       // every check, as `npm run synth` runs them
//
// test/setup.ts registers them (jest.config.js `setupFilesAfterEnv`); the declarations
// below make `tsc` know them.
import { Chart } from 'cdk8s';
import type { Finding, Validator } from './finding';
import { formatFinding } from './finding';
import { renderUnit } from './render';
import { apiServerValidator, podSecurityValidator, safetyNet, schemaValidator } from './validate';

/** How `toPassSafetyNet` treats the chart. */
export interface SafetyNetMatcherOptions {
  /** The environment the chart stands for. @default 'test' */
  readonly env?: string;
  /** Environments allowing plaintext Secrets. @default [] */
  readonly plaintextSecretEnvs?: readonly string[];
  /** Environments allowing mutable image tags. @default [] */
  readonly mutableTagEnvs?: readonly string[];
}

/** The findings of `validators` on a chart, rendered exactly as the synth renders it. */
export function findingsOf(chart: Chart, validators: readonly Validator[], env = 'test'): Finding[] {
  const stack = renderUnit({ env, stack: chart.node.id, chart });
  return validators.flatMap((v) => v(stack));
}

type Result = { pass: boolean; message: () => string };

function resultOf(chart: unknown, what: string, validators: () => readonly Validator[], env?: string): Result {
  if (!(chart instanceof Chart)) {
    return { pass: false, message: () => `expected a cdk8s Chart, received ${typeof chart}` };
  }
  const findings = findingsOf(chart, validators(), env);
  return findings.length === 0
    ? { pass: true, message: () => `expected chart ${chart.node.id} not to ${what}, but it does` }
    : {
      pass: false,
      message: () => `expected chart ${chart.node.id} to ${what}, found ${findings.length} problem(s):\n${findings.map((f) => `  ${formatFinding(f)}`).join('\n')}`,
    };
}

export const berthMatchers = {
  /** Every object passes the strict schema and the API server's own rules. */
  toBeValidKubernetes(chart: unknown): Result {
    return resultOf(chart, 'be valid Kubernetes', () => [schemaValidator(), apiServerValidator()]);
  },
  /** Every pod template passes Pod Security Standards restricted. */
  toPassRestricted(chart: unknown): Result {
    return resultOf(chart, 'pass Pod Security Standards restricted', () => [podSecurityValidator()]);
  },
  /** Every check of the synth, with the chart as one stack. */
  toPassSafetyNet(chart: unknown, options: SafetyNetMatcherOptions = {}): Result {
    return resultOf(chart, 'pass the safety net', () => safetyNet({
      plaintextSecretEnvs: options.plaintextSecretEnvs ?? [],
      mutableTagEnvs: options.mutableTagEnvs ?? [],
    }), options.env);
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
    }
  }
}
