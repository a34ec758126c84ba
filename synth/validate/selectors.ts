// Label selector semantics (k8s.io/apimachinery/pkg/labels) and an index that answers
// "which pod templates does this selector match" without scanning every pod.
import { Labels, LabelSelector, labelsOf, list, PodTemplate, record, records } from './model';

/** A map selector (Service `spec.selector`): every entry must be on the pod. */
export function mapMatches(selector: Labels, labels: Labels): boolean {
  for (const [k, v] of Object.entries(selector)) if (labels[k] !== v) return false;
  return true;
}

/** A LabelSelector: `matchLabels` AND every `matchExpressions` requirement. Empty matches all. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  if (!mapMatches(labelsOf(selector.matchLabels), labels)) return false;
  for (const req of records(selector.matchExpressions)) {
    const key = typeof req.key === 'string' ? req.key : '';
    const values = list(req.values);
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (req.operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: return false;
    }
  }
  return true;
}

/** True when a LabelSelector has neither labels nor expressions: it selects every pod. */
export function isEmptySelector(selector: LabelSelector): boolean {
  return Object.keys(record(selector.matchLabels)).length === 0 && list(selector.matchExpressions).length === 0;
}

/** Pod templates by `key=value`, so a lookup touches only the pods sharing a label. */
export class PodIndex {
  private readonly byLabel = new Map<string, PodTemplate[]>();

  constructor(public readonly pods: readonly PodTemplate[]) {
    for (const p of pods) {
      for (const [k, v] of Object.entries(p.labels)) {
        const key = `${k}=${v}`;
        const bucket = this.byLabel.get(key);
        if (bucket) bucket.push(p);
        else this.byLabel.set(key, [p]);
      }
    }
  }

  /** Candidates for a set of required labels: the smallest bucket among them. */
  private candidates(required: Labels): readonly PodTemplate[] {
    let best: readonly PodTemplate[] | undefined;
    for (const [k, v] of Object.entries(required)) {
      const bucket = this.byLabel.get(`${k}=${v}`) ?? [];
      if (best === undefined || bucket.length < best.length) best = bucket;
      if (best.length === 0) break;
    }
    return best ?? this.pods;
  }

  /** Pods whose labels contain every entry of a map selector. */
  public matchingMap(selector: Labels): PodTemplate[] {
    return this.candidates(selector).filter((p) => mapMatches(selector, p.labels));
  }

  /** Pods a LabelSelector selects. */
  public matching(selector: LabelSelector): PodTemplate[] {
    return this.candidates(labelsOf(selector.matchLabels)).filter((p) => selectorMatches(selector, p.labels));
  }
}

/**
 * Objects with a map of required labels (a policy's or Service's selector), looked up by the
 * labels of a pod: each object sits in the bucket of its rarest `key=value` entry, so a pod's
 * lookup touches only objects that share a label with it (every berth selector shares the
 * `instance` label, so bucketing by the first entry would put them all in one bucket).
 */
export class SelectorIndex<T> {
  private readonly buckets = new Map<string, T[]>();
  private readonly unconditional: T[] = [];

  constructor(items: readonly T[], selectorOf: (item: T) => Labels) {
    const entries = items.map((item) => Object.entries(selectorOf(item)).map(([k, v]) => `${k}=${v}`));
    const frequency = new Map<string, number>();
    for (const es of entries) for (const e of es) frequency.set(e, (frequency.get(e) ?? 0) + 1);
    items.forEach((item, i) => {
      const es = entries[i];
      if (es.length === 0) {
        this.unconditional.push(item);
        return;
      }
      const key = es.reduce((a, b) => (frequency.get(b)! < frequency.get(a)! ? b : a));
      const bucket = this.buckets.get(key);
      if (bucket) bucket.push(item);
      else this.buckets.set(key, [item]);
    });
  }

  /** Objects whose selector might match these labels (check each with the full selector). */
  public candidates(labels: Labels): T[] {
    const out = [...this.unconditional];
    for (const [k, v] of Object.entries(labels)) {
      const bucket = this.buckets.get(`${k}=${v}`);
      if (bucket) out.push(...bucket);
    }
    return out;
  }
}
