import * as k8s from '../../imports/k8s';
import { StackDefinition } from '../stack';

/**
 * Placeholder that proves the synth pipeline until the L3 constructs land:
 * a namespace and one ConfigMap. The reference stacks replace it.
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
