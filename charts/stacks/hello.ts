import * as k8s from '../../imports/k8s';
import { StackDefinition } from '../stack';

/**
 * Placeholder that proves the synth pipeline until the L3 constructs land: one ConfigMap
 * in the stack's namespace. It has no Namespace object, since the safety net requires a
 * full namespace baseline with every Namespace. The reference stacks replace it.
 */
export const hello: StackDefinition = {
  id: 'hello',
  build: (chart, env) => {
    new k8s.KubeConfigMap(chart, 'config', {
      metadata: { name: 'hello' },
      data: { GREETING: `hello from ${env.name}`, DOMAIN: env.domain },
    });
  },
};
