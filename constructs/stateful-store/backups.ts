// A StatefulStore's backups (`backup`): their checks, the PVC they write to and its bind hook,
// their ServiceAccount, scripts and NetworkPolicy, the backup CronJob and the suspended restore
// CronJob. Siblings in constructs/stateful-store/: statefulset.ts, credentials.ts,
// connection.ts, metrics.ts, settings.ts; constructs/stateful-store.ts holds the props and
// wires the facets.
import { Construct } from 'constructs';
import * as k8s from '../../imports/k8s';
import { Connections, IConnectable, workloadNetworkPolicy } from '../core/connections';
import { DEFAULT_JOB_POOL } from '../core/connection-budget';
import { checkCronSchedule, checkTimeZone } from '../core/cron';
import { EnvMap, renderEnv } from '../core/env';
import { Problems } from '../core/errors';
import { contentName, hookAnnotations, MAX_JOB_BASE_NAME } from '../core/job-name';
import * as kinds from '../core/kinds';
import { appLabels } from '../core/labels';
import { MESH_JOB_POD_ANNOTATIONS, meshPrincipal, withSidecarQuit } from '../core/mesh';
import { isDns1123Subdomain } from '../core/names';
import { priorityClassOf, PriorityTier, PullPolicy, withPriority } from '../core/policy';
import { protectFromPrune } from '../core/prune';
import { checkResources, Resources, resolveResources, ResourceSpec, toK8sResources, withEphemeralStorage } from '../core/resources';
import { restrictedContainerSecurityContext, restrictedPodSecurityContext, RunAs, writablePaths } from '../core/security';
import { syncWave, Wave } from '../core/waves';
import { jobPodTemplate, serviceAccount } from '../core/workload';
import { BackupPlan, EnginePreset } from '../stateful-store-engines';
import type { StoreBackupProps } from '../stateful-store';
import { checkSize, HELPER_RESOURCES, StoreSettings } from './settings';

/** With backups, `<name>-backups-bind` is the base of a content-named Job. */
export const MAX_BACKUP_NAME = MAX_JOB_BASE_NAME - '-backups-bind'.length;

/** `backup` with its defaults applied (see StoreBackupProps). */
export interface BackupSettings {
  readonly schedule: string;
  readonly retain: number;
  readonly size: string;
  readonly storageClass?: string;
  readonly timeZone: string;
  readonly startingDeadlineSeconds: number;
  readonly activeDeadlineSeconds: number;
  readonly resources?: Resources;
}

/** The backup objects, as the store's public fields name them. */
export interface StoreBackups {
  readonly backupPvc: k8s.KubePersistentVolumeClaim;
  readonly backupServiceAccount: k8s.KubeServiceAccount;
  readonly backupBindJob: k8s.KubeJob;
  readonly backupCronJob: k8s.KubeCronJob;
  readonly restoreCronJob: k8s.KubeCronJob;
  readonly backupNetworkPolicy: k8s.KubeNetworkPolicy;
}

/** Checks `backup` (`given`: as asked, from the props or the environment's schedule). */
export function checkBackup(problems: Problems, preset: EnginePreset, backup: BackupSettings, given: StoreBackupProps | undefined): void {
  if ('unsupported' in preset.backup) {
    problems.add('backup', `is not available for engine ${preset.engine}: ${preset.backup.unsupported}`, given);
    return;
  }
  checkCronSchedule(problems, 'backup.schedule', backup.schedule);
  checkTimeZone(problems, 'backup.timeZone', backup.timeZone);
  problems.check(Number.isInteger(backup.retain) && backup.retain >= 1, 'backup.retain', 'must be an integer >= 1', backup.retain);
  checkSize(problems, 'backup.size', backup.size);
  if (backup.storageClass !== undefined) {
    problems.check(isDns1123Subdomain(backup.storageClass), 'backup.storageClass', 'must be a StorageClass name (DNS-1123 subdomain)', backup.storageClass);
  }
  problems.check(Number.isInteger(backup.startingDeadlineSeconds) && backup.startingDeadlineSeconds >= 10,
    'backup.startingDeadlineSeconds', 'must be an integer >= 10 (the CronJob controller checks every 10 s)', backup.startingDeadlineSeconds);
  problems.check(Number.isInteger(backup.activeDeadlineSeconds) && backup.activeDeadlineSeconds >= 1,
    'backup.activeDeadlineSeconds', 'must be an integer >= 1', backup.activeDeadlineSeconds);
  if (backup.resources !== undefined) checkResources(problems, 'backup.resources', backup.resources);
}

/**
 * Renders the backups into `scope` (the store). `workloadMeta` is the store's workload
 * metadata (the Secrets its pods read); `server` is the store's own pods, past any pooler.
 */
export function storeBackups(scope: Construct, s: StoreSettings, backup: BackupSettings, backupPlan: BackupPlan, p: {
  readonly version?: string;
  readonly workloadMeta: { readonly labels: Record<string, string>; readonly annotations?: Record<string, string> };
  readonly server: IConnectable;
}): StoreBackups {
  const { name, namespace, runAs, meshSidecar, pullPolicy, imageText } = s;
  const backupLabels = appLabels(scope, { name: `${name}-backup`, component: 'backup', version: p.version });
  const pvcName = `${name}-backups`;
  const backupPvc = new kinds.KubePersistentVolumeClaim(scope, 'backup-pvc', {
    metadata: { name: pvcName, labels: backupLabels.all },
    spec: {
      accessModes: ['ReadWriteOnce'],
      volumeMode: 'Filesystem',
      ...(backup.storageClass ? { storageClassName: backup.storageClass } : {}),
      resources: { requests: { storage: k8s.Quantity.fromString(backup.size) } },
    },
  });
  syncWave(backupPvc, Wave.STORES);
  protectFromPrune(backupPvc);
  // On a WaitForFirstConsumer StorageClass the PVC binds only once a pod mounts it, and
  // Argo CD holds the next waves until it is Bound (argo-cd#12840): this hook mounts it
  // during the sync. It needs no network and no Secret; the namespace's default-deny applies.
  const backupAccount = `${name}-backup`;
  const backupServiceAccount = serviceAccount(scope, 'backup-service-account', { name: backupAccount, labels: backupLabels.all, automountToken: false });
  const bindName = `${name}-backups-bind`;
  const bindLabels = appLabels(scope, { name: bindName, component: 'backup', version: p.version });
  const bindSpec: k8s.JobSpec = {
    backoffLimit: 2,
    // Room for provisioning, attaching and pulling the image; a stuck bind fails the sync instead of holding it.
    activeDeadlineSeconds: 900,
    template: jobPodTemplate({
      labels: bindLabels.versioned,
      serviceAccountName: backupAccount,
      priorityClassName: priorityClassOf(scope, 'job'),
      runAs,
      meshSidecar,
      sidecarQuitTool: backupPlan.sidecarQuitTool,
      container: { name: 'bind', image: imageText, pullPolicy, command: ['true'], resources: toK8sResources(HELPER_RESOURCES) },
      volumes: [{ volume: { name: 'backups', persistentVolumeClaim: { claimName: pvcName } }, mountPath: '/backups', readOnly: true }],
    }),
  };
  // Named after its spec (a new store image changes it), kept once done (no TTL: Flux
  // would create it again), deleted by Argo CD once it succeeds: see core/job-name.
  const backupBindJob = new kinds.KubeJob(scope, 'backup-bind', {
    metadata: { name: contentName(bindName, bindSpec), labels: bindLabels.versioned, annotations: hookAnnotations('Sync') },
    spec: bindSpec,
  });
  syncWave(backupBindJob, Wave.STORES);
  const scripts = new kinds.KubeConfigMap(scope, 'backup-scripts', {
    metadata: { name: `${name}-backup`, labels: backupLabels.all },
    data: { 'backup.sh': backupPlan.backupScript, 'restore.sh': backupPlan.restoreScript },
  });
  syncWave(scripts, Wave.CONFIG);
  const podSpec = (script: string, extraEnv: EnvMap, tier: PriorityTier): k8s.PodSpec => withPriority(scope, tier, backupPodSpec({
    name: backupAccount, image: imageText, runAs, plan: backupPlan, pvcName, scriptsConfigMap: `${name}-backup`,
    resources: resolveResources(backup.resources ?? backupPlan.defaultResources), script, meshSidecar, pullPolicy,
    env: { ...backupPlan.env, BACKUP_RETAIN: String(backup.retain), ...extraEnv },
  }));
  const jobTemplate = (spec: k8s.PodSpec, backoffLimit: number): k8s.JobTemplateSpec => ({
    metadata: { labels: backupLabels.versioned },
    spec: {
      backoffLimit,
      activeDeadlineSeconds: backup.activeDeadlineSeconds,
      template: {
        metadata: { labels: backupLabels.versioned, ...(meshSidecar ? { annotations: { ...MESH_JOB_POD_ANNOTATIONS } } : {}) },
        spec,
      },
    },
  });
  const cronJobMeta = (cronJobName: string) => ({ ...p.workloadMeta, name: cronJobName, labels: backupLabels.versioned });
  const backupConnections = new Connections(backupLabels.selector, [], undefined, meshPrincipal(namespace, backupAccount));
  backupConnections.connectTo(p.server, undefined, DEFAULT_JOB_POOL);
  const backupMeta = cronJobMeta(`${name}-backup`);
  const backupCronJob = new kinds.KubeCronJob(scope, 'backup', {
    metadata: { ...backupMeta, annotations: { ...backupMeta.annotations, ...backupConnections.poolsAnnotation() } },
    spec: {
      schedule: backup.schedule,
      timeZone: backup.timeZone,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: backup.startingDeadlineSeconds,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
      jobTemplate: jobTemplate(podSpec('backup.sh', {}, 'batch'), 1),
    },
  });
  const restoreCronJob = new kinds.KubeCronJob(scope, 'restore', {
    metadata: cronJobMeta(`${name}-restore`),
    spec: {
      // A template for `kubectl create job --from`: suspended, on a date that never comes (31 February).
      suspend: true,
      schedule: '0 0 31 2 *',
      timeZone: backup.timeZone,
      concurrencyPolicy: 'Forbid',
      // Never reached (the schedule has no date), but every CronJob states how late a run may start.
      startingDeadlineSeconds: backup.startingDeadlineSeconds,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 1,
      // A failed restore is looked at, not retried.
      jobTemplate: jobTemplate(podSpec('restore.sh', { RESTORE_FROM: 'latest' }, 'job'), 0),
    },
  });
  syncWave(backupCronJob, Wave.STORES);
  syncWave(restoreCronJob, Wave.STORES);
  const backupNetworkPolicy = workloadNetworkPolicy(scope, 'backup-network-policy', {
    name: `${name}-backup`, labels: backupLabels.all, connections: backupConnections,
  });
  return { backupPvc, backupServiceAccount, backupBindJob, backupCronJob, restoreCronJob, backupNetworkPolicy };
}

function backupPodSpec(p: {
  name: string; image: string; runAs: RunAs; plan: BackupPlan; pvcName: string; scriptsConfigMap: string;
  resources: ResourceSpec; script: string; env: EnvMap; meshSidecar: boolean; pullPolicy: PullPolicy;
}): k8s.PodSpec {
  const tmp = writablePaths(p.plan.writablePaths);
  const command = [p.plan.shell, `/scripts/${p.script}`];
  return withEphemeralStorage({
    restartPolicy: 'Never',
    serviceAccountName: p.name,
    automountServiceAccountToken: false,
    enableServiceLinks: false,
    securityContext: restrictedPodSecurityContext(p.runAs),
    containers: [{
      name: p.script.replace(/\.sh$/, ''),
      image: p.image,
      imagePullPolicy: p.pullPolicy,
      command: p.meshSidecar ? withSidecarQuit(command, p.plan.sidecarQuitTool) : command,
      env: renderEnv(p.env),
      resources: toK8sResources(p.resources),
      securityContext: restrictedContainerSecurityContext(p.runAs),
      volumeMounts: [
        { name: 'backups', mountPath: '/backups' },
        { name: 'scripts', mountPath: '/scripts', readOnly: true },
        ...tmp.mounts,
      ],
    }],
    volumes: [
      { name: 'backups', persistentVolumeClaim: { claimName: p.pvcName } },
      { name: 'scripts', configMap: { name: p.scriptsConfigMap } },
      ...tmp.volumes,
    ],
  });
}
