// Field ownership: berth's output never sets a field another manager owns, or every apply
// (kubectl, Argo CD self-heal, a Flux reconcile) takes it back. The one such field in a
// workload berth writes is `spec.replicas` under an HPA (docs/deployment.md, "Field ownership").
import { formatValue } from '../../constructs/core/errors';
import type { Validator } from '../finding';
import { record } from './model';
import { perStack } from './report';
import { indexOf } from './stack-index';

/** A workload an HPA scales sets no `spec.replicas`. */
export function ownershipValidator(): Validator {
  return perStack((report) => {
    const idx = indexOf(report.stack);
    for (const hpa of idx.ofKind('HorizontalPodAutoscaler')) {
      const ref = record(record(hpa.manifest.spec).scaleTargetRef);
      if (typeof ref.kind !== 'string' || typeof ref.name !== 'string') continue;
      const target = idx.get(ref.kind, ref.name);
      const replicas = target && record(target.manifest.spec).replicas;
      if (target === undefined || replicas === undefined) continue;
      report.add(target, ['spec', 'replicas'], `is owned by HorizontalPodAutoscaler/${hpa.manifest.metadata.name}, which scales ${ref.kind}/${ref.name}: every apply resets it and the HPA scales it back, received ${formatValue(replicas)}`,
        'leave spec.replicas out of a workload an HPA scales');
    }
  });
}
