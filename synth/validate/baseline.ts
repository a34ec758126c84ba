// Every Namespace a stack creates comes with its baseline in the same stack directory:
// Pod Security labels, a ResourceQuota, a LimitRange and a default-deny NetworkPolicy.
import { formatValue } from '../../constructs/core/errors';
import type { Validator } from '../finding';
import type { RenderedObject } from '../render';
import { LabelSelector, list, record, records } from './model';
import { perStack } from './report';
import { isEmptySelector } from './selectors';

export interface BaselineOptions {
  /** Stacks whose Namespaces need no baseline (Argo CD's own objects). */
  readonly exemptStacks: readonly string[];
}

const PSS_MODES = ['enforce', 'audit', 'warn'] as const;
const HINT = 'NamespaceBaseline creates the whole baseline';

/** A NetworkPolicy that selects every pod, denies all ingress and restricts egress. */
function isDefaultDeny(o: RenderedObject): boolean {
  const spec = record(o.manifest.spec);
  const types = list(spec.policyTypes);
  if (!isEmptySelector(record(spec.podSelector) as LabelSelector)) return false;
  if (!types.includes('Ingress') || !types.includes('Egress')) return false;
  if (list(spec.ingress).length > 0) return false;
  // Egress may allow DNS and the like, but a rule without `to` and `ports` allows everything.
  return records(spec.egress).every((r) => list(record(r).to).length > 0 || list(record(r).ports).length > 0);
}

/** PSS labels, ResourceQuota, LimitRange and default-deny for every Namespace object. */
export function baselineValidator(options: BaselineOptions): Validator {
  const exempt = new Set(options.exemptStacks);
  return perStack((report) => {
    if (exempt.has(report.stack.stack)) return;
    const objects = report.stack.objects;
    for (const ns of objects) {
      if (ns.manifest.kind !== 'Namespace' || ns.manifest.apiVersion !== 'v1') continue;
      const name = ns.manifest.metadata?.name;
      const labels = ns.manifest.metadata?.labels ?? {};
      for (const mode of PSS_MODES) {
        const key = `pod-security.kubernetes.io/${mode}`;
        if (labels[key] !== 'restricted') {
          report.add(ns, ['metadata', 'labels', key], `must be "restricted", received ${formatValue(labels[key])}`, HINT);
        }
      }
      const inNs = objects.filter((o) => o.manifest.metadata?.namespace === name);
      for (const kind of ['ResourceQuota', 'LimitRange'] as const) {
        if (!inNs.some((o) => o.manifest.kind === kind)) report.add(ns, ['metadata', 'name'], `has no ${kind} in this stack (namespace baseline)`, HINT);
      }
      if (!inNs.some((o) => o.manifest.kind === 'NetworkPolicy' && isDefaultDeny(o))) {
        report.add(ns, ['metadata', 'name'], 'has no default-deny NetworkPolicy in this stack (podSelector {}, policyTypes Ingress and Egress, no ingress rule) (namespace baseline)', HINT);
      }
    }
  });
}
