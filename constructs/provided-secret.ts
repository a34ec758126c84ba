// Values only an operator can supply: an external database's URL, a vendor's API key. A stack
// declares them, each with what it is and whether the pods need it; berth never generates
// them and never writes them to dist/ in plaintext. Where they come from is the
// environment's: a local file applied with `npm run secrets` (dev), External Secrets, or Sealed
// Secrets. Pods that lack a required one fail at once, naming it and how to supply it.
import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as sealed from '../imports/bitnami.com';
import * as eso from '../imports/external-secrets.io';
import { EXTERNAL_SECRET_SOURCE, ExternalSecretSource, SEALED_SECRET_SOURCE, SealedSecretSource } from './app-secret';
import { EnvValue } from './core/env';
import { Problems, ValidationError } from './core/errors';
import { appLabels } from './core/labels';
import { isDns1123Subdomain } from './core/names';
import { platformPolicy } from './core/policy';
import { bool, checkProps, object, oneOf, opt, propsOf, recordOf, req, str, variants } from './core/props';
import { protectFromPrune } from './core/prune';
import { syncWave, Wave } from './core/waves';
import * as kinds from './core/kinds';

/** One value an operator supplies. */
export interface ProvidedValue {
  /** What the value is and where an operator gets it: shown by the pods that lack it, the inventory and `npm run secrets`. */
  readonly description: string;
  /**
   * The pods refuse to start without it (an init container names it and how to supply it).
   * An optional one may be missing: the pods start, and outside dev its ExternalSecret stays Ready.
   * @default true
   */
  readonly required?: boolean;
}

/**
 * Where provided values come from: `local` is a Secret an operator creates from a file that
 * Git ignores (`npm run secrets -- <env> <stack>`; nothing in dist/), `external` an
 * ExternalSecret, `sealed` a SealedSecret.
 */
export type ProvidedSource = { readonly mode: 'local' } | ExternalSecretSource | SealedSecretSource;

export interface ProvidedSecretProps {
  /**
   * The Secret's name (optional values outside dev live in `<name>-optional`).
   * @default - the construct id
   */
  readonly name?: string;
  /** The values by key; each key is also the env var consumers read it as. */
  readonly values: Readonly<Record<string, ProvidedValue>>;
  /**
   * Where the values come from.
   * @default - the chart's platform policy (a berth chart: the environment's); required outside a berth chart
   */
  readonly source?: ProvidedSource;
  /**
   * How an operator supplies a missing value, printed by the pods that lack one.
   * @default - the chart's platform policy for this source (a berth chart: the command or the remote key), else 'create Secret <name> with them'
   */
  readonly supplyHint?: string;
}

/** A required value a pod checks before it starts. */
export interface ProvidedRequirement {
  readonly secretName: string;
  readonly key: string;
  readonly hint: string;
}

/** A name a shell, a dotenv file and every runtime read the same: the value's key is its env var. */
const SHELL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** On a ProvidedSecret's ExternalSecret or SealedSecret: its values' descriptions, for the inventory. */
export const PROVIDED_VALUES_ANNOTATION = 'berth.dev/provided-values';

/**
 * Values that only an operator can supply, declared by the stack. Consumers read them with
 * `envValue(key)`; a WebService or MigrationJob then checks the required ones before it
 * starts. In `local` mode nothing is rendered (the operator's Secret is not Argo CD's or
 * Flux's to manage); in `external` mode required values come from the remote key
 * `<prefix><name>` (a missing one fails the ExternalSecret, as it should) and optional ones
 * from `<prefix><name>-optional`, read whole, so a missing one never fails a sync; in `sealed`
 * mode every required key must be sealed.
 */
export class ProvidedSecret extends Construct {
  /** The Secret that holds the values (the required ones outside dev). */
  public readonly secretName: string;
  /** The Secret of the optional values: the same in `local` and `sealed` mode. */
  public readonly optionalSecretName: string;
  public readonly values: Readonly<Record<string, ProvidedValue>>;
  public readonly mode: ProvidedSource['mode'];
  /** How an operator supplies a missing required value. */
  public readonly supplyHint: string;
  /** How an operator supplies an optional value (outside dev, another remote key). */
  public readonly optionalSupplyHint: string;
  public readonly externalSecret?: eso.ExternalSecret;
  public readonly optionalExternalSecret?: eso.ExternalSecret;
  public readonly sealedSecret?: sealed.SealedSecret;

  constructor(scope: Construct, id: string, props: ProvidedSecretProps) {
    super(scope, id);
    checkProps(new Problems(this), PROVIDED_SECRET_PROPS, props);
    const policy = platformPolicy(this);
    const name = props.name ?? id;
    const source = props.source ?? policy.secrets?.providedSourceFor?.(name);
    if (!source) throw new ValidationError([`[${this.node.path}] 'source' is required outside a chart that supplies a platform policy (a berth StackChart), received undefined`]);
    const keys = Object.keys(props.values);
    const required = keys.filter((k) => props.values[k].required ?? true);
    const optional = keys.filter((k) => !required.includes(k));

    const problems = new Problems(this);
    problems.check(isDns1123Subdomain(name) && name.length <= 54, 'name', 'must be a DNS-1123 subdomain of at most 54 characters (its optional values go to <name>-optional)', name);
    problems.check(keys.length > 0, 'values', 'must declare at least one value', props.values);
    for (const key of keys) {
      problems.check(SHELL_NAME.test(key), `values.${key}`, 'must be named as an env var (letters, digits and _, not starting with a digit)', key);
      problems.check(props.values[key].description.trim() !== '', `values.${key}.description`, 'must say what the value is and where an operator gets it', props.values[key].description);
    }
    if (source.mode === 'sealed') {
      for (const key of required) {
        problems.check(typeof source.encryptedData[key] === 'string' && source.encryptedData[key] !== '', `source.encryptedData.${key}`,
          'must hold the kubeseal output of this required value', source.encryptedData[key]);
      }
      for (const key of Object.keys(source.encryptedData)) {
        problems.check(keys.includes(key), 'source.encryptedData', `must only hold declared values (${keys.join(', ')})`, key);
      }
    }
    problems.throwIfAny();

    const namespace = Chart.of(this).namespace;
    const remoteKey = (secret: string) => `${source.mode === 'external' ? source.remotePrefix ?? (namespace ? `${namespace}/` : '') : ''}${secret}`;
    this.secretName = name;
    this.optionalSecretName = source.mode === 'external' && optional.length > 0 ? `${name}-optional` : name;
    this.values = props.values;
    this.mode = source.mode;
    this.supplyHint = props.supplyHint ?? policy.secrets?.supplyHint?.(source.mode, remoteKey(name)) ?? `create Secret ${name} with them`;
    this.optionalSupplyHint = props.supplyHint ?? policy.secrets?.supplyHint?.(source.mode, remoteKey(this.optionalSecretName)) ?? `create Secret ${this.optionalSecretName} with them`;

    const labels = appLabels(this, { name, component: 'credentials' }).all;
    const described = (ks: readonly string[]) => JSON.stringify(Object.fromEntries(ks.map((k) => [k, { description: props.values[k].description, required: required.includes(k) }])));
    switch (source.mode) {
      case 'local':
        break;
      case 'external': {
        const store = { kind: eso.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: source.clusterSecretStore };
        const refreshInterval = source.refreshInterval ?? '1h';
        if (required.length > 0) {
          this.externalSecret = new kinds.ExternalSecret(this, 'external-secret', {
            metadata: { name, labels, annotations: { [PROVIDED_VALUES_ANNOTATION]: described(required) } },
            spec: {
              refreshInterval,
              secretStoreRef: store,
              target: { name, creationPolicy: eso.ExternalSecretSpecTargetCreationPolicy.OWNER, deletionPolicy: eso.ExternalSecretSpecTargetDeletionPolicy.RETAIN },
              data: required.map((key) => ({ secretKey: key, remoteRef: { key: remoteKey(name), property: key } })),
            },
          });
          syncWave(this.externalSecret, Wave.CONFIG);
          protectFromPrune(this.externalSecret);
        }
        if (optional.length > 0) {
          const optionalName = `${name}-optional`;
          // Read whole: a missing property is simply absent; a missing remote key leaves the
          // ExternalSecret Ready with no Secret (deletionPolicy Delete), so no wave waits on it.
          this.optionalExternalSecret = new kinds.ExternalSecret(this, 'optional-external-secret', {
            metadata: { name: optionalName, labels, annotations: { [PROVIDED_VALUES_ANNOTATION]: described(optional) } },
            spec: {
              refreshInterval,
              secretStoreRef: store,
              target: { name: optionalName, creationPolicy: eso.ExternalSecretSpecTargetCreationPolicy.OWNER, deletionPolicy: eso.ExternalSecretSpecTargetDeletionPolicy.DELETE },
              dataFrom: [{ extract: { key: remoteKey(optionalName) } }],
            },
          });
          syncWave(this.optionalExternalSecret, Wave.CONFIG);
        }
        break;
      }
      case 'sealed':
        this.sealedSecret = new kinds.SealedSecret(this, 'sealed-secret', {
          metadata: { name, labels, annotations: { [PROVIDED_VALUES_ANNOTATION]: described(keys) } },
          spec: { encryptedData: { ...source.encryptedData }, template: { metadata: { name, labels }, type: 'Opaque' } },
        });
        syncWave(this.sealedSecret, Wave.CONFIG);
        protectFromPrune(this.sealedSecret);
        break;
    }
  }

  /**
   * A value as an env var's source. It is read with `optional: true` (its Secret may not exist
   * yet); for a required one, the consuming WebService or MigrationJob checks it is set before
   * the app starts, and fails naming it and `supplyHint`.
   */
  public envValue(key: string): EnvValue {
    const value = this.values[key];
    if (!value) {
      throw new ValidationError([`[${this.node.path}] 'key' must be one of the declared values (${Object.keys(this.values).join(', ')}), received ${JSON.stringify(key)}`]);
    }
    const isRequired = value.required ?? true;
    const secretName = isRequired ? this.secretName : this.optionalSecretName;
    return EnvValue.fromProvided(secretName, key, isRequired ? { secretName, key, hint: this.supplyHint } : undefined);
  }
}

const PROVIDED_SECRET_PROPS = propsOf<ProvidedSecretProps>('ProvidedSecret', {
  name: opt(str),
  values: req(recordOf(object<ProvidedValue>('ProvidedValue', { description: req(str), required: opt(bool) }))),
  source: opt(variants<ProvidedSource, 'mode'>('ProvidedSource', 'mode', {
    local: object<{ readonly mode: 'local' }>('LocalSource', { mode: req(oneOf('local')) }),
    external: EXTERNAL_SECRET_SOURCE,
    sealed: SEALED_SECRET_SOURCE,
  })),
  supplyHint: opt(str),
});
