import { ApiObject, JsonPatch } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { baseline, restrictedContainer, webApp } from './fixtures/stack';
import { namespacedChart } from './util';

function failureOf(assertion: () => void): string {
  try {
    assertion();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the assertion passed');
}

describe('jest matchers for stack authors', () => {
  test('a valid stack passes all three', () => {
    const chart = namespacedChart();
    baseline(chart);
    webApp(chart, 'web');
    expect(chart).toBeValidKubernetes();
    expect(chart).toPassRestricted();
    expect(chart).toPassSafetyNet();
  });

  test('toPassRestricted lists every finding, one per line', () => {
    const chart = namespacedChart();
    new k8s.KubeJob(chart, 'migrate', {
      metadata: { name: 'migrate' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'migrate', image: 'ghcr.io/acme/migrate:1.0.0' }] } } },
    });
    expect(failureOf(() => expect(chart).toPassRestricted())).toBe([
      'expected chart shop-dev to pass Pod Security Standards restricted, found 4 problem(s):',
      '  test/shop-dev Job/migrate [shop-dev/migrate] spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: must be false, received undefined (Pod Security Standards restricted)',
      "  test/shop-dev Job/migrate [shop-dev/migrate] spec.template.spec.containers[0].securityContext.runAsNonRoot: must be true here or in the pod's securityContext, received undefined (Pod Security Standards restricted)",
      "  test/shop-dev Job/migrate [shop-dev/migrate] spec.template.spec.containers[0].securityContext.seccompProfile.type: must be RuntimeDefault or Localhost here or in the pod's securityContext, received undefined (Pod Security Standards restricted)",
      '  test/shop-dev Job/migrate [shop-dev/migrate] spec.template.spec.containers[0].securityContext.capabilities.drop: must include ALL, received undefined (Pod Security Standards restricted)',
    ].join('\n'));
  });

  test('toBeValidKubernetes checks the schema and the API server rules, and works with .not', () => {
    const chart = namespacedChart();
    new ApiObject(chart, 'svc', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'Web' },
      spec: { ports: [{ port: 80, targetPort: 'http', protcol: 'TCP' }] },
    });
    expect(chart).not.toBeValidKubernetes();
    expect(failureOf(() => expect(chart).toBeValidKubernetes())).toBe([
      'expected chart shop-dev to be valid Kubernetes, found 2 problem(s):',
      '  test/shop-dev Service/Web [shop-dev/svc] spec.ports[0].protcol: is not a known field (strict validation rejects unknown fields) (hint: did you mean "protocol"?)',
      "  test/shop-dev Service/Web [shop-dev/svc] metadata.name: must be a DNS-1035 label (a lowercase letter first, then letters, digits and '-', at most 63 characters), received \"Web\"",
    ].join('\n'));
  });

  test('toPassSafetyNet takes the environment policy as options', () => {
    const chart = namespacedChart();
    baseline(chart);
    const w = webApp(chart, 'web');
    ApiObject.of(w.deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/image', 'ghcr.io/acme/web:latest'));
    expect(chart).not.toPassSafetyNet({ env: 'prod' });
    expect(chart).toPassSafetyNet({ env: 'dev', mutableTagEnvs: ['dev'] });
  });

  test('a restricted container from the fixtures passes in a bare pod', () => {
    const chart = namespacedChart();
    new k8s.KubePod(chart, 'pod', {
      metadata: { name: 'debug' },
      spec: { securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } }, containers: [restrictedContainer('debug', 'busybox:1.36')] },
    });
    expect(chart).toPassRestricted();
    expect(chart).toBeValidKubernetes();
  });
});
