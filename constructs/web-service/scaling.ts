// How many pods a WebService runs: the scaling intent and the policy's reading of it, the
// replicas/autoscaling checks, and the HPA and VPA. The PDB and topology spread follow from
// the counts in constructs/web-service.ts. Siblings in constructs/web-service/: container.ts,
// config.ts, network.ts, metrics.ts, mesh.ts, rbac.ts, common.ts; constructs/web-service.ts
// holds the props and wires the facets.
import { Construct } from 'constructs';
import * as vpa from '../../imports/autoscaling.k8s.io';
import * as k8s from '../../imports/k8s';
import { Problems } from '../core/errors';
import * as kinds from '../core/kinds';
import type { PlatformPolicy } from '../core/policy';
import { isQuantity } from '../core/quantity';
import type {
  AutoscalingProps, ResourceBounds, ScalingBehavior, ScalingIntent, ScalingRules, VerticalAutoscalingProps, WebServiceProps,
} from '../web-service';
import { checkInt, ServiceMeta } from './common';

const UPDATE_MODE: Readonly<Record<'Off' | 'Initial' | 'Recreate', vpa.VerticalPodAutoscalerSpecUpdatePolicyUpdateMode>> = {
  Off: vpa.VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.OFF,
  Initial: vpa.VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.INITIAL,
  Recreate: vpa.VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.RECREATE,
};

/** Checks a scaling intent's values; returns whether it can be resolved. */
export function checkScalingIntent(problems: Problems, s: ScalingIntent): boolean {
  const before = problems.count;
  const okMin = checkInt(problems, 'scaling.min', s.min, 1);
  if (checkInt(problems, 'scaling.max', s.max, 1) && okMin) {
    problems.check(s.min <= s.max, 'scaling.min', `must not exceed scaling.max (${s.max}): the fewest pods can't be more than the most`, s.min);
  }
  checkUtilization(problems, 'scaling.cpu', s.cpu);
  checkUtilization(problems, 'scaling.memory', s.memory);
  if (s.fixed !== undefined) checkInt(problems, 'scaling.fixed', s.fixed, 1);
  return problems.count === before;
}

/**
 * The policy's reading of a scaling intent: an HPA where the environment autoscales (its
 * maximum divided for smaller fleets, never below the minimum: the environment's policy,
 * not a repair), else the fixed count; outside a berth chart, an HPA as given.
 */
export function resolveScaling(s: ScalingIntent, policy: PlatformPolicy['scaling']): { replicas?: number; autoscaling?: AutoscalingProps } {
  if (policy && !policy.autoscaling) return { replicas: s.fixed ?? policy.replicas };
  const max = policy ? Math.max(s.min, Math.ceil(s.max / policy.maxReplicasDivisor)) : s.max;
  return {
    autoscaling: {
      minReplicas: s.min,
      maxReplicas: max,
      ...(s.cpu !== undefined ? { cpuUtilization: s.cpu } : {}),
      ...(s.memory !== undefined ? { memoryUtilization: s.memory } : {}),
      ...(s.behavior ? { behavior: s.behavior } : {}),
    },
  };
}

/**
 * Checks the replica count or the HPA (`autoscaling`: given or resolved from the intent) and
 * the VPA (`verticalAutoscaling`: where the cluster runs one); `props` as given, for the conflicts.
 */
export function checkScaling(
  problems: Problems, props: Pick<WebServiceProps, 'scaling' | 'replicas' | 'autoscaling'>, replicas: number,
  autoscaling: AutoscalingProps | undefined, verticalAutoscaling: VerticalAutoscalingProps | undefined,
): void {
  if (props.scaling) {
    problems.check(props.replicas === undefined && props.autoscaling === undefined, 'scaling',
      'must not be set together with replicas or autoscaling (scaling is the intent; those say exactly what to render)', { replicas: props.replicas, autoscaling: props.autoscaling });
  }
  if (autoscaling) {
    problems.check(props.replicas === undefined, 'replicas', 'must not be set together with autoscaling (the HPA owns the replica count: use autoscaling.minReplicas)', props.replicas);
    checkAutoscaling(problems, autoscaling);
  } else {
    checkInt(problems, 'replicas', replicas, 1);
  }
  if (verticalAutoscaling) checkVerticalAutoscaling(problems, verticalAutoscaling, autoscaling !== undefined);
}

/** The HPA of the Deployment `<name>`: CPU (80 % unless only memory is set) and memory targets. */
export function horizontalAutoscaler(scope: Construct, meta: ServiceMeta, a: AutoscalingProps): k8s.KubeHorizontalPodAutoscalerV2 {
  const cpuUtilization = a.cpuUtilization ?? (a.memoryUtilization === undefined ? 80 : undefined);
  return new kinds.KubeHorizontalPodAutoscalerV2(scope, 'hpa', {
    metadata: meta,
    spec: {
      scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: meta.name },
      minReplicas: a.minReplicas,
      maxReplicas: a.maxReplicas,
      metrics: [...utilizationTarget('cpu', cpuUtilization), ...utilizationTarget('memory', a.memoryUtilization)],
      ...(a.behavior ? { behavior: renderBehavior(a.behavior) } : {}),
    },
  });
}

/** The VPA of the Deployment `<name>` and its container `<name>`, `Off` unless told. */
export function verticalAutoscaler(scope: Construct, meta: ServiceMeta, v: VerticalAutoscalingProps): vpa.VerticalPodAutoscaler {
  const { minAllowed, maxAllowed } = v;
  return new kinds.VerticalPodAutoscaler(scope, 'vpa', {
    metadata: meta,
    spec: {
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: meta.name },
      updatePolicy: { updateMode: UPDATE_MODE[v.updateMode ?? 'Off'] },
      ...(minAllowed || maxAllowed
        ? {
          resourcePolicy: {
            containerPolicies: [{
              containerName: meta.name,
              ...(minAllowed ? { minAllowed: bounds(minAllowed, vpa.VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed.fromString) } : {}),
              ...(maxAllowed ? { maxAllowed: bounds(maxAllowed, vpa.VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed.fromString) } : {}),
            }],
          },
        }
        : {}),
    },
  });
}

function utilizationTarget(resource: 'cpu' | 'memory', utilization: number | undefined): k8s.MetricSpecV2[] {
  return utilization === undefined ? [] : [{ type: 'Resource', resource: { name: resource, target: { type: 'Utilization', averageUtilization: utilization } } }];
}

function bounds<T>(b: ResourceBounds, of: (v: string) => T): Record<string, T> {
  return Object.fromEntries((['cpu', 'memory'] as const).filter((r) => b[r] !== undefined).map((r) => [r, of(b[r]!)]));
}

function renderRules(r: ScalingRules): k8s.HpaScalingRulesV2 {
  return {
    ...(r.stabilizationWindowSeconds !== undefined ? { stabilizationWindowSeconds: r.stabilizationWindowSeconds } : {}),
    ...(r.selectPolicy ? { selectPolicy: r.selectPolicy } : {}),
    ...(r.policies ? { policies: r.policies.map((p) => ({ type: p.type, value: p.value, periodSeconds: p.periodSeconds })) } : {}),
  };
}

function renderBehavior(b: ScalingBehavior): k8s.HorizontalPodAutoscalerBehaviorV2 {
  return { ...(b.scaleUp ? { scaleUp: renderRules(b.scaleUp) } : {}), ...(b.scaleDown ? { scaleDown: renderRules(b.scaleDown) } : {}) };
}

function checkUtilization(problems: Problems, prop: string, value: number | undefined): void {
  if (value === undefined) return;
  problems.check(Number.isInteger(value) && value >= 1 && value <= 100, prop, 'must be an integer percentage between 1 and 100', value);
}

function checkAutoscaling(problems: Problems, a: AutoscalingProps): void {
  const okMin = checkInt(problems, 'autoscaling.minReplicas', a.minReplicas, 1);
  const okMax = checkInt(problems, 'autoscaling.maxReplicas', a.maxReplicas, 1);
  if (okMin && okMax) {
    problems.check(a.minReplicas <= a.maxReplicas, 'autoscaling.minReplicas', `must not exceed autoscaling.maxReplicas (${a.maxReplicas})`, a.minReplicas);
  }
  checkUtilization(problems, 'autoscaling.cpuUtilization', a.cpuUtilization);
  checkUtilization(problems, 'autoscaling.memoryUtilization', a.memoryUtilization);
  for (const dir of ['scaleUp', 'scaleDown'] as const) {
    const r = a.behavior?.[dir];
    if (!r) continue;
    const at = `autoscaling.behavior.${dir}`;
    if (r.stabilizationWindowSeconds !== undefined) checkInt(problems, `${at}.stabilizationWindowSeconds`, r.stabilizationWindowSeconds, 0, 3600);
    r.policies?.forEach((p, i) => {
      checkInt(problems, `${at}.policies[${i}].value`, p.value, 1);
      checkInt(problems, `${at}.policies[${i}].periodSeconds`, p.periodSeconds, 1, 1800);
    });
  }
}

function checkVerticalAutoscaling(problems: Problems, v: VerticalAutoscalingProps, hasHpa: boolean): void {
  if (hasHpa && v.updateMode !== undefined && v.updateMode !== 'Off') {
    problems.add('verticalAutoscaling.updateMode', "must be 'Off' together with autoscaling (the VPA and the HPA would both act on CPU and memory)", v.updateMode);
  }
  for (const side of ['minAllowed', 'maxAllowed'] as const) {
    for (const res of ['cpu', 'memory'] as const) {
      const q = v[side]?.[res];
      if (q !== undefined) problems.check(isQuantity(q), `verticalAutoscaling.${side}.${res}`, 'must be a Kubernetes quantity', q);
    }
  }
}
