import * as k8s from '../../imports/k8s';
import { Problems } from './errors';

/** Timing knobs shared by every probe kind; unset ones take the role's defaults. */
export interface ProbeTiming {
  /** @default - the role's default (see PROBE_DEFAULTS) */
  readonly initialDelaySeconds?: number;
  /** @default - the role's default */
  readonly periodSeconds?: number;
  /** @default - the role's default */
  readonly timeoutSeconds?: number;
  /** @default - the role's default */
  readonly failureThreshold?: number;
}

/** Whether a check covers more than the process itself. */
export interface DependencyAware {
  /**
   * The check fails when a dependency is down (a database, a downstream service): fine for
   * readiness, which takes the pod out of its Service, refused for liveness, which would
   * restart every pod while the dependency is down and fix nothing.
   * @default false
   */
  readonly checksDependencies?: boolean;
}

export interface ExecProbeOptions extends ProbeTiming, DependencyAware {}

export interface HttpProbeOptions extends ProbeTiming, DependencyAware {
  /** Port name or number. @default - the workload's first port */
  readonly port?: string | number;
  /** @default 'HTTP' */
  readonly scheme?: 'HTTP' | 'HTTPS';
}
export interface PortProbeOptions extends ProbeTiming {
  /** Port number (gRPC needs a number) or name (TCP). @default - the workload's first port */
  readonly port?: string | number;
}
export interface GrpcProbeOptions extends ProbeTiming, DependencyAware {
  /** @default - the workload's first port */
  readonly port?: number;
  /** The gRPC health service name. @default - the server's overall health */
  readonly service?: string;
}

type ProbeCheck =
  | { readonly kind: 'http'; readonly path: string; readonly port?: string | number; readonly scheme?: 'HTTP' | 'HTTPS' }
  | { readonly kind: 'tcp'; readonly port?: string | number }
  | { readonly kind: 'grpc'; readonly port?: number; readonly service?: string }
  | { readonly kind: 'exec'; readonly command: readonly string[] };

/** A readiness, liveness or startup check. */
export class Probe {
  /** HTTP GET on a path; 2xx/3xx is healthy. */
  public static http(path: string, options: HttpProbeOptions = {}): Probe {
    return new Probe({ kind: 'http', path, port: options.port, scheme: options.scheme }, options, options.checksDependencies ?? false);
  }
  /** A TCP connect. */
  public static tcp(options: PortProbeOptions = {}): Probe {
    return new Probe({ kind: 'tcp', port: options.port }, options, false);
  }
  /** The gRPC health-checking protocol (Kubernetes ≥ 1.27 GA). */
  public static grpc(options: GrpcProbeOptions = {}): Probe {
    return new Probe({ kind: 'grpc', port: options.port, service: options.service }, options, options.checksDependencies ?? false);
  }
  /** A command inside the container; exit 0 is healthy. */
  public static exec(command: readonly string[], options: ExecProbeOptions = {}): Probe {
    return new Probe({ kind: 'exec', command }, options, options.checksDependencies ?? false);
  }

  private constructor(
    public readonly check: ProbeCheck,
    public readonly timing: ProbeTiming,
    /** Declared to fail when a dependency is down: readiness only. */
    public readonly checksDependencies: boolean,
  ) {}

  /**
   * Whether `this` and `other` run the same check (kind, path, port, command; timing aside),
   * with `defaultPort` for an unset port: what kube-score calls the same probe.
   */
  public sameCheckAs(other: Probe, defaultPort: { name: string; number: number }): boolean {
    const handler = (p: Probe): string => {
      const { initialDelaySeconds: _a, periodSeconds: _b, timeoutSeconds: _c, failureThreshold: _d, ...rest } = p.render(PROBE_DEFAULTS.liveness, defaultPort);
      return JSON.stringify(rest, (_k, v) => (v instanceof k8s.IntOrString ? v.value : v));
    };
    return handler(this) === handler(other);
  }

  /** How the check reads in a message: `HTTP GET /healthz`, `TCP connect`, `exec pg_isready …`. */
  public describe(): string {
    switch (this.check.kind) {
      case 'http': return `HTTP GET ${this.check.path}${this.check.port !== undefined ? ` on ${this.check.port}` : ''}`;
      case 'tcp': return `TCP connect${this.check.port !== undefined ? ` to ${this.check.port}` : ''}`;
      case 'grpc': return `gRPC health${this.check.service ? ` of ${this.check.service}` : ''}`;
      case 'exec': return `exec ${this.check.command.join(' ')}`;
    }
  }

  /** Adds problems for a malformed probe under `prop`. */
  public validate(problems: Problems, prop: string): void {
    if (this.check.kind === 'http') {
      problems.check(this.check.path.startsWith('/'), `${prop}.path`, "must start with '/'", this.check.path);
    }
    if (this.check.kind === 'exec') {
      problems.check(this.check.command.length > 0, `${prop}.command`, 'must not be empty', this.check.command);
    }
    for (const key of TIMING_KEYS) {
      const value = this.timing[key];
      if (value !== undefined) {
        const min = key === 'initialDelaySeconds' ? 0 : 1;
        problems.check(Number.isInteger(value) && value >= min, `${prop}.${key}`, `must be an integer >= ${min}`, value);
      }
    }
  }

  /** Renders with `defaults` for unset timing and `defaultPort` for an unset port. */
  public render(defaults: Required<ProbeTiming>, defaultPort: { name: string; number: number }): k8s.Probe {
    const t = { ...defaults, ...stripUndefined(Object.fromEntries(TIMING_KEYS.map((k) => [k, this.timing[k]]))) };
    const timing = {
      initialDelaySeconds: t.initialDelaySeconds,
      periodSeconds: t.periodSeconds,
      timeoutSeconds: t.timeoutSeconds,
      failureThreshold: t.failureThreshold,
    };
    const port = (p: string | number | undefined) =>
      typeof p === 'number' ? k8s.IntOrString.fromNumber(p) : k8s.IntOrString.fromString(p ?? defaultPort.name);
    switch (this.check.kind) {
      case 'http':
        return { httpGet: { path: this.check.path, port: port(this.check.port), scheme: this.check.scheme ?? 'HTTP' }, ...timing };
      case 'tcp':
        return { tcpSocket: { port: port(this.check.port) }, ...timing };
      case 'grpc':
        return { grpc: { port: this.check.port ?? defaultPort.number, ...(this.check.service ? { service: this.check.service } : {}) }, ...timing };
      case 'exec':
        return { exec: { command: [...this.check.command] }, ...timing };
    }
  }
}

const TIMING_KEYS = ['initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold'] as const;

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Probe timing per role. Readiness reacts fast (10 s) to take a pod out of endpoints;
 * liveness is slower (3 × 10 s) so a busy pod isn't killed; startup allows 5 min of boot
 * (30 × 10 s) before liveness takes over.
 */
export const PROBE_DEFAULTS: Readonly<Record<'readiness' | 'liveness' | 'startup', Required<ProbeTiming>>> = {
  readiness: { initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 2, failureThreshold: 2 },
  liveness: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 3 },
  startup: { initialDelaySeconds: 0, periodSeconds: 10, timeoutSeconds: 2, failureThreshold: 30 },
};
