// What the cross-object rules look up in one stack, built once per stack and shared.
import type { RenderedObject, RenderedStack } from '../render';
import { PodTemplate, podTemplateOf } from './model';
import { PodIndex } from './selectors';

export class StackIndex {
  /** Objects by `kind/name`. */
  private readonly byKindName = new Map<string, RenderedObject>();
  private readonly byKind = new Map<string, RenderedObject[]>();
  /** Every pod template (workloads and bare Pods). */
  public readonly pods: PodIndex;
  /** The pod template of each workload object. */
  public readonly podOf = new Map<RenderedObject, PodTemplate>();

  constructor(public readonly stack: RenderedStack) {
    const pods: PodTemplate[] = [];
    for (const o of stack.objects) {
      const { kind, metadata } = o.manifest;
      this.byKindName.set(`${kind}/${metadata?.name}`, o);
      const bucket = this.byKind.get(kind);
      if (bucket) bucket.push(o);
      else this.byKind.set(kind, [o]);
      const t = podTemplateOf(o);
      if (t) {
        pods.push(t);
        this.podOf.set(o, t);
      }
    }
    this.pods = new PodIndex(pods);
  }

  public get(kind: string, name: string): RenderedObject | undefined {
    return this.byKindName.get(`${kind}/${name}`);
  }

  public ofKind(kind: string): readonly RenderedObject[] {
    return this.byKind.get(kind) ?? [];
  }
}

const cache = new WeakMap<RenderedStack, StackIndex>();

/** The index of a stack, built on first use. */
export function indexOf(stack: RenderedStack): StackIndex {
  let idx = cache.get(stack);
  if (!idx) {
    idx = new StackIndex(stack);
    cache.set(stack, idx);
  }
  return idx;
}
