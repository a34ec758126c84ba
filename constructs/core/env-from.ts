import * as k8s from '../../imports/k8s';

/**
 * A ConfigMap whose data is known at synth time (a WebService's own config, a stack's
 * shared config). Consumers can then check its keys and roll pods when it changes.
 */
export interface IConfigSource {
  /** The ConfigMap's `metadata.name`. */
  readonly configMapName: string;
  /** The ConfigMap's `data`. */
  readonly data: Readonly<Record<string, string>>;
}

export interface EnvFromOptions {
  /** Prepended to every key. @default - none */
  readonly prefix?: string;
  /** Start the pod even if the object is missing. @default false */
  readonly optional?: boolean;
}

/** Every key of a ConfigMap or Secret as env vars (`envFrom`). */
export class EnvFrom {
  /**
   * A ConfigMap: an IConfigSource (keys checked, checksum rolls pods on change) or a
   * plain name for a ConfigMap managed elsewhere (not checked, no checksum).
   */
  public static configMap(source: string | IConfigSource, options: EnvFromOptions = {}): EnvFrom {
    return typeof source === 'string'
      ? new EnvFrom('ConfigMap', source, undefined, options)
      : new EnvFrom('ConfigMap', source.configMapName, source.data, options);
  }

  /** A Secret, by name: its keys are not known at synth (staging/prod values live in the cluster). */
  public static secret(secretName: string, options: EnvFromOptions = {}): EnvFrom {
    return new EnvFrom('Secret', secretName, undefined, options);
  }

  private constructor(
    public readonly kind: 'ConfigMap' | 'Secret',
    public readonly name: string,
    /** The data, when known at synth. */
    public readonly data: Readonly<Record<string, string>> | undefined,
    public readonly options: EnvFromOptions,
  ) {}

  /** The env var names this source sets, when its data is known. */
  public get knownNames(): string[] | undefined {
    return this.data && Object.keys(this.data).map((k) => `${this.options.prefix ?? ''}${k}`);
  }

  public render(): k8s.EnvFromSource {
    const ref = { name: this.name, ...(this.options.optional ? { optional: true } : {}) };
    return {
      ...(this.options.prefix ? { prefix: this.options.prefix } : {}),
      ...(this.kind === 'ConfigMap' ? { configMapRef: ref } : { secretRef: ref }),
    };
  }
}
