import * as k8s from '../../imports/k8s';
import { Problems } from './errors';
import { isEnvVarName } from './names';

/** An env var's value: a literal, or a reference resolved by the kubelet. */
export class EnvValue {
  public static fromValue(value: string): EnvValue {
    return new EnvValue({ value });
  }
  /** A key of a Secret: how every credential reaches a container. */
  public static fromSecret(secretName: string, key: string, options: { optional?: boolean } = {}): EnvValue {
    return new EnvValue({ valueFrom: { secretKeyRef: { name: secretName, key, ...(options.optional ? { optional: true } : {}) } } });
  }
  public static fromConfigMap(configMapName: string, key: string): EnvValue {
    return new EnvValue({ valueFrom: { configMapKeyRef: { name: configMapName, key } } });
  }
  /**
   * A value an operator supplies (a ProvidedSecret's): read with `optional: true`, since its
   * Secret may not exist yet; a `requirement` makes the consuming workload check it is set
   * before the app starts.
   */
  public static fromProvided(secretName: string, key: string, requirement?: { readonly secretName: string; readonly key: string; readonly hint: string }): EnvValue {
    return new EnvValue({ valueFrom: { secretKeyRef: { name: secretName, key, optional: true } } }, requirement);
  }
  /** A pod field such as `metadata.name` or `status.podIP`. */
  public static fromField(fieldPath: string): EnvValue {
    return new EnvValue({ valueFrom: { fieldRef: { fieldPath } } });
  }

  private constructor(
    public readonly source: Omit<k8s.EnvVar, 'name'>,
    /** A provided value the pod must have before its app starts. */
    public readonly requirement?: { readonly secretName: string; readonly key: string; readonly hint: string },
  ) {}

  public get isLiteral(): boolean {
    return this.source.valueFrom === undefined;
  }
}

/** Env vars by name; a plain string is a literal. */
export type EnvMap = Readonly<Record<string, string | EnvValue>>;

/** Names that hold credentials and so must come from a Secret, never a literal. */
export const SECRET_LOOKING_NAME = /(PASSWORD|PASSWD|SECRET|TOKEN|API_KEY|APIKEY|PRIVATE_KEY)$/i;

/** Checks names and rejects literal values for secret-looking names. */
export function checkEnv(problems: Problems, prop: string, env: EnvMap): void {
  for (const [name, value] of Object.entries(env)) {
    if (!problems.check(isEnvVarName(name), `${prop}`, 'must use valid env var names (letters, digits, _ . -, not starting with a digit)', name)) continue;
    const literal = typeof value === 'string' || value.isLiteral;
    if (literal && SECRET_LOOKING_NAME.test(name)) {
      problems.add(`${prop}.${name}`, 'looks like a credential: use EnvValue.fromSecret() instead of a literal', '<redacted>');
    }
  }
}

/** Renders in the order given (JS keeps insertion order), so output is stable. */
export function renderEnv(env: EnvMap): k8s.EnvVar[] {
  return Object.entries(env).map(([name, v]) => (typeof v === 'string' ? { name, value: v } : { name, ...v.source }));
}
