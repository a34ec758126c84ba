import { createHmac } from 'crypto';
import { ApiObject, Chart } from 'cdk8s';
import { Construct } from 'constructs';
import * as sealed from '../imports/bitnami.com';
import * as eso from '../imports/external-secrets.io';
import * as k8s from '../imports/k8s';
import { EnvValue } from './core/env';
import { platformPolicy } from './core/policy';
import { Problems, ValidationError } from './core/errors';
import { appLabels } from './core/labels';
import { isDns1123Subdomain } from './core/names';
import { STRING_MAP, STRINGS } from './core/prop-shapes';
import { anyOf, arrayOf, bool, checkProps, object, oneOf, opt, propsOf, recordOf, req, str, variants } from './core/props';
import { protectFromPrune } from './core/prune';
import { syncWave, Wave } from './core/waves';
import * as kinds from './core/kinds';

/**
 * Deterministic plaintext values, for dev only: each value is derived from an HMAC-SHA256
 * of the construct path and the key, so every synth writes the same bytes (no churn in `dist/`
 * or in GitOps diffs). Anyone with the repository can recompute them, which is the point
 * of a dev credential and why this mode is refused unless `allowGenerated` is set.
 */
export interface GeneratedSecretSource {
  readonly mode: 'generated';
  /**
   * HMAC key; change it to rotate every generated value at once.
   * @default 'berth'
   */
  readonly seed?: string;
}

/**
 * An External Secrets `ExternalSecret` that fills the Secret from a ClusterSecretStore.
 * Every key is read as a property of one remote secret named `<remotePrefix><secret name>`:
 * the layout of Vault KV, AWS Secrets Manager JSON secrets and most other providers.
 */
export interface ExternalSecretSource {
  readonly mode: 'external';
  /** The ClusterSecretStore's name (the environment decides it). */
  readonly clusterSecretStore: string;
  /**
   * Prepended to the Secret's name to form the remote key.
   * @default - '<namespace>/', such as 'giia-prod/'
   */
  readonly remotePrefix?: string;
  /**
   * How often External Secrets reads the remote values again (a Go duration).
   * @default '1h'
   */
  readonly refreshInterval?: string;
}

/** A Bitnami `SealedSecret`: values encrypted with `kubeseal` for this name and namespace. */
export interface SealedSecretSource {
  readonly mode: 'sealed';
  /** The `kubeseal` output, one entry per key that has no fixed value. */
  readonly encryptedData: Readonly<Record<string, string>>;
}

/** A Secret managed outside berth; nothing is emitted. It must hold every key. */
export interface ExistingSecretSource {
  readonly mode: 'existing';
  /** The Secret's name in the namespace. */
  readonly secretName: string;
}

/** Where a Secret's values come from. Only `generated` puts plaintext in git. */
export type SecretSource = GeneratedSecretSource | ExternalSecretSource | SealedSecretSource | ExistingSecretSource;

/** Where a template inserts the value of one of the Secret's `keys`. */
export interface SecretTemplateRef {
  /** The key whose value goes here. */
  readonly key: string;
  /**
   * `'none'` inserts the value as it is; `'backslash'` puts a `\` before every `\` and `"`,
   * for the inside of a double-quoted string (NATS configuration); `'double-quote'` doubles
   * every `"` (PgBouncer's userlist); `'url'` percent-encodes it for a URL's user or
   * password (`@`, `:`, `/`, `%` and the rest), so any password gives a working URL.
   */
  readonly escape: 'none' | 'backslash' | 'double-quote' | 'url';
}

/**
 * A value made of literal text and other keys' values, concatenated: a config file that
 * holds a password.
 */
export type SecretTemplate = readonly (string | SecretTemplateRef)[];

export interface AppSecretProps {
  /**
   * The Secret's name. Ignored in `existing` mode, where the Secret keeps its own name.
   * @default - the construct id
   */
  readonly name?: string;
  /**
   * Where the values come from.
   * @default - the chart's platform policy for a Secret of this name (a berth chart: the
   *   environment's secrets mode); required outside a berth chart
   */
  readonly source?: SecretSource;
  /** The keys the Secret holds, such as `['username', 'password']` or `['OPENAI_API_KEY']`. */
  readonly keys: readonly string[];
  /**
   * Fixed, non-secret values for some keys (a database user name). They are written
   * into the Secret in every mode but `existing`, so consumers read every key the same way.
   * @default - none
   */
  readonly values?: Readonly<Record<string, string>>;
  /**
   * More keys, each rendered from `keys` where the Secret is made: by berth in `generated`
   * mode, otherwise by External Secrets or the Sealed Secrets controller (a Go template in
   * the ExternalSecret's or SealedSecret's template), so no value reaches git outside dev.
   * An `existing` Secret must already hold them.
   * @default - none
   */
  readonly templates?: Readonly<Record<string, SecretTemplate>>;
  /**
   * Accept the `generated` (plaintext in git) mode. Only dev environments set it.
   * @default - the chart's platform policy (a berth chart: only where the environment generates Secrets), else false
   */
  readonly allowGenerated?: boolean;
  /**
   * The values may be missing (an optional API key). In `external` mode a missing remote
   * secret then leaves the ExternalSecret Ready with no Secret (`deletionPolicy: Delete`), so
   * it never marks the sync wave Degraded; `envValue()` reads its keys with `optional: true`,
   * so pods start without them.
   * @default false
   */
  readonly optional?: boolean;
}

const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
/** `escapeValue(…, 'backslash')` as a Go template pipeline (sprig's `replace`, in External Secrets and Sealed Secrets). */
const GO_ESCAPE: Readonly<Record<SecretTemplateRef['escape'], string>> = {
  'none': '',
  'backslash': String.raw` | replace "\\" "\\\\" | replace "\"" "\\\""`,
  'double-quote': String.raw` | replace "\"" "\"\""`,
  // text/template's urlquery is query escaping: a space becomes '+', which a URL's user or
  // password reads as a plus, so it becomes %20 (a real '+' is already %2B).
  'url': ' | urlquery | replace "+" "%20"',
};
const GO_DURATION = /^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$/;

/**
 * Checks a SecretSource. `prop` names it in messages (`source`, or `credentials` when a
 * store validates its own prop), so an enclosing construct can report it with its own
 * problems before building anything.
 */
export function checkSecretSource(
  problems: Problems,
  prop: string,
  source: SecretSource,
  options: { readonly keys: readonly string[]; readonly values?: Readonly<Record<string, string>>; readonly allowGenerated: boolean },
): void {
  const fixed = options.values ?? {};
  switch (source.mode) {
    case 'generated':
      problems.check(options.allowGenerated, `${prop}.mode`,
        "is a plaintext credential mode, allowed only where allowGenerated is true (dev); use 'external', 'sealed' or 'existing' outside dev",
        source.mode);
      return;
    case 'external':
      problems.check(isDns1123Subdomain(source.clusterSecretStore), `${prop}.clusterSecretStore`, 'must be a ClusterSecretStore name (DNS-1123 subdomain)', source.clusterSecretStore);
      if (source.refreshInterval !== undefined) {
        problems.check(GO_DURATION.test(source.refreshInterval), `${prop}.refreshInterval`, "must be a Go duration such as '1h' or '15m'", source.refreshInterval);
      }
      for (const [key, value] of Object.entries(fixed)) {
        // Fixed values become External Secrets template data, where '{{' starts a template.
        problems.check(!value.includes('{{'), `values.${key}`, "must not contain '{{' (External Secrets would read it as a template)", value);
      }
      return;
    case 'sealed': {
      for (const [key, value] of Object.entries(fixed)) {
        // Fixed values go into the SealedSecret template, which the controller renders as a Go template.
        problems.check(!value.includes('{{'), `values.${key}`, "must not contain '{{' (the Sealed Secrets controller would read it as a template)", value);
      }
      const needed = options.keys.filter((k) => !(k in fixed));
      for (const key of needed) {
        problems.check(typeof source.encryptedData[key] === 'string' && source.encryptedData[key].length > 0,
          `${prop}.encryptedData.${key}`, 'must hold the kubeseal output for this key', source.encryptedData[key]);
      }
      for (const key of Object.keys(source.encryptedData).filter((k) => !needed.includes(k))) {
        problems.add(`${prop}.encryptedData`, `must only hold keys without a fixed value (${needed.join(', ')})`, key);
      }
      return;
    }
    case 'existing':
      problems.check(isDns1123Subdomain(source.secretName), `${prop}.secretName`, 'must be a Secret name (DNS-1123 subdomain)', source.secretName);
      return;
  }
}

/**
 * One Secret's worth of credentials, wherever its values come from: a deterministic
 * plaintext Secret in dev, an ExternalSecret or SealedSecret elsewhere, or a Secret that
 * already exists. Consumers only see `secretName`, `keys` and `envValue(key)`, so the
 * same stack definition works in every environment.
 *
 * What it emits is never pruned or deleted by Argo CD or Flux (`protectFromPrune`:
 * removing it from git must not drop a credential a database was initialized with) and
 * carries the `CONFIG` sync wave, so it exists before any workload that reads it.
 */
export class AppSecret extends Construct {
  /** The Secret's name, for `secretKeyRef` and `envFrom`. */
  public readonly secretName: string;
  /** The keys the Secret holds. */
  public readonly keys: readonly string[];
  /** The source's mode. */
  public readonly mode: SecretSource['mode'];
  /** The plaintext Secret (`generated` mode). */
  public readonly secret?: k8s.KubeSecret;
  /** The ExternalSecret (`external` mode). */
  public readonly externalSecret?: eso.ExternalSecret;
  /** The SealedSecret (`sealed` mode). */
  public readonly sealedSecret?: sealed.SealedSecret;
  /** Whether the values may be missing. */
  public readonly optional: boolean;

  constructor(scope: Construct, id: string, props: AppSecretProps) {
    super(scope, id);
    checkProps(new Problems(this), APP_SECRET_PROPS, props);
    const policy = platformPolicy(this);
    const source = props.source ?? policy.secrets?.sourceFor(props.name ?? id);
    if (!source) throw new ValidationError([`[${this.node.path}] 'source' is required outside a chart that supplies a platform policy (a berth StackChart), received undefined`]);
    const name = source.mode === 'existing' ? source.secretName : props.name ?? id;
    const values = props.values ?? {};
    const templates = props.templates ?? {};
    const allowGenerated = props.allowGenerated ?? policy.secrets?.allowGenerated ?? false;
    this.optional = props.optional ?? false;

    const problems = new Problems(this);
    if (source.mode !== 'existing') {
      // At most 63: the name is also the `app.kubernetes.io/name` label.
      problems.check(isDns1123Subdomain(name) && name.length <= 63, 'name', 'must be a DNS-1123 subdomain (lowercase alphanumerics, - and .) of at most 63 characters', name);
    }
    problems.check(props.keys.length > 0, 'keys', 'must name at least one key', props.keys);
    props.keys.forEach((key, i) => {
      problems.check(SECRET_KEY.test(key) && key.length <= 253, `keys[${i}]`, 'must be a Secret key (alphanumerics, -, _ and .)', key);
      problems.check(props.keys.indexOf(key) === i, `keys[${i}]`, 'must not repeat a key', key);
    });
    for (const key of Object.keys(values)) {
      problems.check(props.keys.includes(key), `values.${key}`, `must be one of keys (${props.keys.join(', ')})`, key);
    }
    for (const [key, parts] of Object.entries(templates)) {
      problems.check(SECRET_KEY.test(key) && key.length <= 253 && !props.keys.includes(key), `templates.${key}`,
        'must be named by a Secret key (alphanumerics, -, _ and .) that is not one of keys', key);
      parts.forEach((part, i) => {
        if (typeof part === 'string') {
          // Outside dev the template is a Go template, where '{{' starts an action.
          problems.check(!part.includes('{{'), `templates.${key}[${i}]`, "must not contain '{{' (it is rendered as a Go template)", part);
        } else {
          problems.check(props.keys.includes(part.key), `templates.${key}[${i}].key`, `must be one of keys (${props.keys.join(', ')})`, part.key);
        }
      });
    }
    if (source.mode === 'existing' && Object.keys(values).length > 0) {
      problems.add('values', 'cannot be written into an existing Secret berth does not manage; put them in that Secret', Object.keys(values));
    }
    checkSecretSource(problems, 'source', source, { keys: props.keys, values, allowGenerated });
    problems.throwIfAny();

    this.secretName = name;
    this.keys = [...props.keys, ...Object.keys(templates)];
    this.mode = source.mode;
    const labels = appLabels(this, { name, component: 'credentials' }).all;
    const metadata = { name, labels };
    // Outside dev, the controller that makes the Secret renders the templates as Go templates
    // over the values it fetched or decrypted; fixed values are not among those, so inline them.
    const goTemplates = () => renderTemplates(templates, (ref) => (ref.key in values
      ? escapeValue(values[ref.key], ref.escape)
      : `{{ index . ${JSON.stringify(ref.key)}${GO_ESCAPE[ref.escape]} }}`));

    switch (source.mode) {
      case 'generated': {
        const seed = source.seed ?? 'berth';
        const plain = Object.fromEntries(props.keys.map((key) => [key, values[key] ?? generatedValue(seed, this.node.path, key)]));
        const data = { ...plain, ...renderTemplates(templates, (ref) => escapeValue(plain[ref.key], ref.escape)) };
        this.secret = new kinds.KubeSecret(this, 'secret', {
          metadata,
          type: 'Opaque',
          // `data`, not `stringData`: what git holds is exactly what the API server stores.
          data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v, 'utf8').toString('base64')])),
        });
        syncWave(this.secret, Wave.CONFIG);
        break;
      }
      case 'external': {
        const namespace = Chart.of(this).namespace;
        const remoteKey = `${source.remotePrefix ?? (namespace ? `${namespace}/` : '')}${name}`;
        const secretKeys = props.keys.filter((k) => !(k in values));
        this.externalSecret = new kinds.ExternalSecret(this, 'external-secret', {
          metadata,
          spec: {
            refreshInterval: source.refreshInterval ?? '1h',
            secretStoreRef: { kind: eso.ExternalSecretSpecSecretStoreRefKind.CLUSTER_SECRET_STORE, name: source.clusterSecretStore },
            target: {
              name,
              creationPolicy: eso.ExternalSecretSpecTargetCreationPolicy.OWNER,
              // Required values: keep the Secret when the remote value disappears, rather than break
              // the store. Optional ones: a missing remote secret is no error (the ExternalSecret
              // stays Ready), so it never holds a sync wave; there is then no Secret to read.
              deletionPolicy: this.optional ? eso.ExternalSecretSpecTargetDeletionPolicy.DELETE : eso.ExternalSecretSpecTargetDeletionPolicy.RETAIN,
              ...(Object.keys(values).length + Object.keys(templates).length > 0 ? {
                template: {
                  mergePolicy: eso.ExternalSecretSpecTargetTemplateMergePolicy.MERGE,
                  data: { ...values, ...goTemplates() },
                },
              } : {}),
            },
            data: secretKeys.map((key) => ({ secretKey: key, remoteRef: { key: remoteKey, property: key } })),
          },
        });
        syncWave(this.externalSecret, Wave.CONFIG);
        break;
      }
      case 'sealed': {
        this.sealedSecret = new kinds.SealedSecret(this, 'sealed-secret', {
          metadata,
          spec: {
            encryptedData: { ...source.encryptedData },
            template: {
              metadata: { name, labels },
              type: 'Opaque',
              ...(Object.keys(values).length + Object.keys(templates).length > 0 ? { data: { ...values, ...goTemplates() } } : {}),
            },
          },
        });
        syncWave(this.sealedSecret, Wave.CONFIG);
        break;
      }
      case 'existing':
        break;
    }
    // Never deleted by GitOps tooling: the data it protects was created with it.
    if (this.apiObject) protectFromPrune(this.apiObject);
  }

  /** The object that ends up holding the data, if berth emits one. */
  public get apiObject(): ApiObject | undefined {
    return this.secret ?? this.externalSecret ?? this.sealedSecret;
  }

  /** An env var value read from one of the Secret's keys. */
  public envValue(key: string): EnvValue {
    if (!this.keys.includes(key)) {
      throw new ValidationError([`[${this.node.path}] 'key' must be one of ${this.keys.join(', ')}, received ${JSON.stringify(key)}`]);
    }
    return EnvValue.fromSecret(this.secretName, key, { optional: this.optional });
  }
}

/**
 * 32 lowercase characters (128 bits): hex digits, but the first shifted from 0-f to g-v.
 * Safe unquoted in URLs, shells and config files, and, starting with a letter, never read
 * as a number, a size such as `1e5` or `10k`, or a date by a config parser.
 */
function generatedValue(seed: string, path: string, key: string): string {
  const hex = createHmac('sha256', seed).update(`${path}\u0000${key}`).digest('hex').slice(0, 32);
  return String.fromCharCode('g'.charCodeAt(0) + parseInt(hex[0], 16)) + hex.slice(1);
}

function renderTemplates(
  templates: Readonly<Record<string, SecretTemplate>>,
  valueOf: (ref: SecretTemplateRef) => string,
): Record<string, string> {
  return Object.fromEntries(Object.entries(templates).map(([key, parts]) =>
    [key, parts.map((part) => (typeof part === 'string' ? part : valueOf(part))).join('')]));
}

function escapeValue(value: string, escape: SecretTemplateRef['escape']): string {
  if (escape === 'backslash') return value.replace(/[\\"]/g, '\\$&');
  if (escape === 'url') return encodeURIComponent(value);
  return escape === 'double-quote' ? value.replace(/"/g, '""') : value;
}

// ---------------------------------------------------------------- run-time prop shapes

/** Where a Secret's values come from; also a StatefulStore's `credentials`. */
export const EXTERNAL_SECRET_SOURCE = object<ExternalSecretSource>('ExternalSecretSource', {
  mode: req(oneOf('external')), clusterSecretStore: req(str), remotePrefix: opt(str), refreshInterval: opt(str),
});
export const SEALED_SECRET_SOURCE = object<SealedSecretSource>('SealedSecretSource', { mode: req(oneOf('sealed')), encryptedData: req(STRING_MAP) });
export const SECRET_SOURCE = variants<SecretSource, 'mode'>('SecretSource', 'mode', {
  generated: object<GeneratedSecretSource>('GeneratedSecretSource', { mode: req(oneOf('generated')), seed: opt(str) }),
  external: EXTERNAL_SECRET_SOURCE,
  sealed: SEALED_SECRET_SOURCE,
  existing: object<ExistingSecretSource>('ExistingSecretSource', { mode: req(oneOf('existing')), secretName: req(str) }),
});

const TEMPLATE_REF = object<SecretTemplateRef>('SecretTemplateRef', { key: req(str), escape: req(oneOf('none', 'backslash', 'double-quote', 'url')) });

const APP_SECRET_PROPS = propsOf<AppSecretProps>('AppSecret', {
  name: opt(str),
  source: opt(SECRET_SOURCE),
  keys: req(STRINGS),
  values: opt(STRING_MAP),
  templates: opt(recordOf(arrayOf(anyOf(str, TEMPLATE_REF)))),
  allowGenerated: opt(bool),
  optional: opt(bool),
});
