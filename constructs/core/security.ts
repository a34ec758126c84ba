import * as k8s from '../../imports/k8s';

/** A non-root UID/GID outside the range most base images assign to real users. */
export const DEFAULT_UID = 10001;

export interface RunAs {
  /** The UID the containers run as. Must be non-zero. */
  readonly uid: number;
  /** The primary GID. */
  readonly gid: number;
  /** The group that owns mounted volumes, so a non-root process can write them. */
  readonly fsGroup?: number;
}

/** Pod-level context that satisfies Pod Security Standards *restricted*. */
export function restrictedPodSecurityContext(runAs: RunAs): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: runAs.uid,
    runAsGroup: runAs.gid,
    ...(runAs.fsGroup !== undefined ? { fsGroup: runAs.fsGroup, fsGroupChangePolicy: 'OnRootMismatch' } : {}),
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/**
 * Container-level context for *restricted*, with a read-only root filesystem.
 * cdk8s-plus-28 leaves seccomp and `drop: [ALL]` off; berth always sets both.
 */
export function restrictedContainerSecurityContext(runAs: RunAs): k8s.SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    runAsUser: runAs.uid,
    runAsGroup: runAs.gid,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** `/var/run/postgresql` → `var-run-postgresql`: a stable volume name for a path. */
export function volumeNameForPath(path: string): string {
  const name = path.replace(/^\/+|\/+$/g, '').replace(/[^a-z0-9]+/gi, '-').toLowerCase();
  return (name || 'root').slice(0, 63).replace(/-+$/, '');
}

export interface WritablePaths {
  readonly volumes: k8s.Volume[];
  readonly mounts: k8s.VolumeMount[];
}

/**
 * One `emptyDir` per writable path, for containers whose root filesystem is read-only.
 * Paths are de-duplicated and kept in the order given.
 */
export function writablePaths(paths: readonly string[], sizeLimit = '256Mi'): WritablePaths {
  const unique = [...new Set(paths)];
  return {
    volumes: unique.map((p) => ({ name: volumeNameForPath(p), emptyDir: { sizeLimit: k8s.Quantity.fromString(sizeLimit) } })),
    mounts: unique.map((p) => ({ name: volumeNameForPath(p), mountPath: p })),
  };
}
