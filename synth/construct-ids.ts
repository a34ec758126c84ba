// A construct id used twice, reported with its construct path and the stack code's line.
//
// constructs' own error names only the scope's id and type ("There is already a Construct
// with name 'web' in StackChart [shop-prod]"), and its stack points into node_modules (or the
// bundle), so the one place that knows the path, Node#addChild, is wrapped: on that error,
// and only then, it becomes a ValidationError. Nothing changes on the path that succeeds.
import { ApiObject } from 'cdk8s';
import { IConstruct, Node } from 'constructs';
import { ValidationError } from '../constructs/core/errors';
import { locate } from './location';

interface WithAddChild {
  addChild(child: IConstruct, childName: string): void;
}

/**
 * A Kubernetes object by its kind (the generated classes share one wrapper's name, and the
 * object being added has no `kind` yet: its GVK is static), else its class.
 */
function typeOf(c: IConstruct): string {
  if (c instanceof ApiObject && typeof c.kind === 'string') return c.kind;
  const gvk = (c.constructor as { GVK?: { kind?: unknown } }).GVK;
  return typeof gvk?.kind === 'string' ? gvk.kind : c.constructor.name;
}

const proto = Node.prototype as unknown as WithAddChild & { berthIdsChecked?: true };
if (proto.berthIdsChecked !== true) {
  const addChild = proto.addChild;
  proto.addChild = function addChildOnce(this: Node, child: IConstruct, childName: string): void {
    try {
      addChild.call(this, child, childName);
    } catch (e) {
      const first = this.tryFindChild(childName);
      if (first === undefined || !(e instanceof Error)) throw e;
      const path = this.path === '' ? childName : `${this.path}/${childName}`;
      const trace: { stack?: string } = {};
      Error.captureStackTrace(trace, addChildOnce);
      const at = locate(trace.stack, undefined, { stackCodeOnly: true });
      throw new ValidationError([
        `[${path}] construct id '${childName}' is used twice in ${this.path === '' ? 'the app' : this.path}: `
        + `a ${typeOf(first)}, then a ${typeOf(child)}${at !== undefined ? ` at ${at}` : ''}; `
        + 'ids must be unique within their scope',
      ]);
    }
  };
  proto.berthIdsChecked = true;
}
