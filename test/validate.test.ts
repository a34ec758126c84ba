// Unit tests of the safety net's building blocks; the corpus (bad-input.test.ts) covers
// the checks end to end.
import { ApiObject, JsonPatch } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { EXTERNAL_REFS_ANNOTATION, externalRefsAnnotation, parseExternalRefs } from '../constructs/core/external-refs';
import { validatorsFor } from '../synth/validators';
import { findingsOf } from '../synth/testing';
import { fromJsonPointer, formatPath } from '../synth/validate/paths';
import { PodIndex, selectorMatches } from '../synth/validate/selectors';
import { apiServerValidator, podSecurityValidator } from '../synth/validate';
import { staging } from '../charts/environments';
import { PodTemplate } from '../synth/validate/model';
import { baseline, restrictedContainer, webApp } from './fixtures/stack';
import { namespacedChart } from './util';

describe('field paths', () => {
  test('print as dotted paths with indexes and quoted keys', () => {
    expect(formatPath(['spec', 'template', 'spec', 'containers', 0, 'image'])).toBe('spec.template.spec.containers[0].image');
    expect(formatPath(['metadata', 'labels', 'app.kubernetes.io/name'])).toBe('metadata.labels["app.kubernetes.io/name"]');
    expect(formatPath([])).toBe('');
  });

  test('read JSON pointers, unescaping ~1 and ~0', () => {
    expect(fromJsonPointer('/metadata/annotations/a~1b~0c/0')).toEqual(['metadata', 'annotations', 'a/b~c', 0]);
    expect(fromJsonPointer('')).toEqual([]);
  });
});

describe('label selectors', () => {
  const labels = { app: 'web', tier: 'api' };

  test.each([
    [{ matchLabels: { app: 'web' } }, true],
    [{ matchLabels: { app: 'api' } }, false],
    [{ matchExpressions: [{ key: 'tier', operator: 'In', values: ['api', 'db'] }] }, true],
    [{ matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['api'] }] }, false],
    [{ matchExpressions: [{ key: 'track', operator: 'DoesNotExist' }] }, true],
    [{ matchExpressions: [{ key: 'track', operator: 'Exists' }] }, false],
    [{}, true],
  ])('%j matches {app: web, tier: api}: %s', (selector, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });

  test('the pod index finds pods through their rarest label', () => {
    const pod = (name: string, l: Record<string, string>) => ({ labels: l, object: { manifest: { metadata: { name } } } }) as unknown as PodTemplate;
    const a = pod('a', { part: 'shop', app: 'a' });
    const b = pod('b', { part: 'shop', app: 'b' });
    const idx = new PodIndex([a, b]);
    expect(idx.matchingMap({ part: 'shop', app: 'b' })).toEqual([b]);
    expect(idx.matching({ matchLabels: { part: 'shop' }, matchExpressions: [{ key: 'app', operator: 'NotIn', values: ['b'] }] })).toEqual([a]);
    expect(idx.matchingMap({ part: 'other' })).toEqual([]);
  });
});

describe('external refs annotation', () => {
  test('is sorted and de-duplicated, configmaps before secrets', () => {
    expect(externalRefsAnnotation({ secrets: ['db', 'api-key', 'db'], configMaps: ['flags'] })).toEqual({
      [EXTERNAL_REFS_ANNOTATION]: 'configmap/flags,secret/api-key,secret/db',
    });
  });

  test('is absent when secrets and configMaps default to none', () => {
    expect(externalRefsAnnotation({})).toEqual({});
  });

  test('parses back, reporting entries of another form', () => {
    const parsed = parseExternalRefs('configmap/flags, secret/db,service/web,secret/');
    expect([...parsed.configMaps]).toEqual(['flags']);
    expect([...parsed.secrets]).toEqual(['db']);
    expect(parsed.invalid).toEqual(['service/web', 'secret/']);
  });
});

describe('Pod Security Standards restricted', () => {
  function podFindings(spec: k8s.PodSpec, annotations: Record<string, string> = {}): string[] {
    const chart = namespacedChart();
    new k8s.KubePod(chart, 'pod', { metadata: { name: 'p', annotations }, spec });
    return findingsOf(chart, [podSecurityValidator()]).map((f) => `${f.field}: ${f.message}`);
  }
  const podSc = { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } };

  test('pod-level runAsNonRoot and seccomp cover the containers; NET_BIND_SERVICE may be added', () => {
    const c = restrictedContainer('web', 'nginx:1.27');
    expect(podFindings({
      securityContext: podSc,
      containers: [{ ...c, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } } }],
    })).toEqual([]);
  });

  test('unsafe sysctls, AppArmor unconfined, SELinux user and hostPort are refused', () => {
    expect(podFindings({
      securityContext: { ...podSc, sysctls: [{ name: 'net.core.somaxconn', value: '1024' }], seLinuxOptions: { user: 'system_u' } },
      containers: [{ ...restrictedContainer('web', 'nginx:1.27'), ports: [{ containerPort: 80, hostPort: 80 }] }],
    }, { 'container.apparmor.security.beta.kubernetes.io/web': 'unconfined' })).toEqual([
      'spec.securityContext.sysctls[0].name: must be a safe sysctl, received "net.core.somaxconn" (Pod Security Standards restricted)',
      'metadata.annotations["container.apparmor.security.beta.kubernetes.io/web"]: must be runtime/default or localhost/<profile>, received "unconfined" (Pod Security Standards restricted)',
      'spec.securityContext.seLinuxOptions.user: must not be set, received "system_u" (Pod Security Standards restricted)',
      'spec.containers[0].ports[0].hostPort: must not be set, received 80 (Pod Security Standards restricted)',
    ]);
  });

  test('init containers are checked too', () => {
    expect(podFindings({
      securityContext: podSc,
      initContainers: [{ name: 'init', image: 'busybox:1.36', securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 0 } }],
      containers: [restrictedContainer('web', 'nginx:1.27')],
    })).toEqual(['spec.initContainers[0].securityContext.runAsUser: must not be 0 (root), received 0 (Pod Security Standards restricted)']);
  });
});

describe('environment policy', () => {
  test('allowPlaintextSecrets defaults to false', () => {
    const chart = namespacedChart('shop-staging');
    new k8s.KubeSecret(chart, 's', { metadata: { name: 's' }, data: { token: 'eA==' } });
    const env = { ...staging, allowPlaintextSecrets: undefined };
    const findings = findingsOf(chart, validatorsFor([env]), 'staging').filter((f) => f.kind === 'Secret');
    expect(findings.map((f) => f.message)).toEqual(['holds 1 plaintext value(s) (token), which environment "staging" does not allow']);
  });

  test('toPassSafetyNet allows neither plaintext Secrets nor mutable tags by default', () => {
    const chart = namespacedChart();
    baseline(chart);
    const w = webApp(chart, 'web');
    expect(chart).toPassSafetyNet();
    ApiObject.of(w.deployment).addJsonPatch(JsonPatch.replace('/spec/template/spec/containers/0/image', 'ghcr.io/acme/web'));
    expect(chart).not.toPassSafetyNet();
  });

  test('a Secret without data holds no plaintext', () => {
    const chart = namespacedChart('shop-staging');
    new k8s.KubeSecret(chart, 's', { metadata: { name: 's', annotations: { 'kubernetes.io/service-account.name': 'web' } }, type: 'kubernetes.io/service-account-token' });
    expect(findingsOf(chart, validatorsFor([staging]), 'staging').filter((f) => f.kind === 'Secret')).toEqual([]);
  });
});

describe('rendered objects', () => {
  test('a cluster-scoped object keeps the construct path that made it', () => {
    const chart = namespacedChart();
    new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'Bad_Name' } });
    expect(findingsOf(chart, [apiServerValidator()])).toEqual([{
      env: 'test', stack: 'shop-dev', kind: 'Namespace', name: 'Bad_Name', constructPath: 'shop-dev/ns', field: 'metadata.name',
      message: 'must be a DNS-1123 label (lowercase letters, digits and \'-\', at most 63 characters), received "Bad_Name"',
    }]);
  });
});

describe('robustness', () => {
  test('no check crashes on malformed objects: the schema check reports them', () => {
    const chart = namespacedChart();
    const malformed: Record<string, unknown>[] = [
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'a' }, spec: 'oops' },
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'b' }, spec: { selector: [], template: { metadata: { labels: 'x' }, spec: { containers: { name: 'c' }, volumes: 'v' } } } },
      { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'c' }, spec: { jobTemplate: { spec: { template: { spec: { containers: [null, 3, { name: 7, env: [null], ports: 'p', securityContext: 'x' }] } } } } } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'd' }, spec: { selector: 'x', ports: [null, { targetPort: {} }] } },
      { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'e' }, spec: { selector: { matchExpressions: [{ operator: 'Bogus' }, null] } } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'f' }, spec: { podSelector: null, ingress: [{ from: 'x' }] } },
      { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress', metadata: { name: 'g' }, spec: { rules: [{ http: { paths: [{ backend: { service: { name: 5, port: 'x' } } }] } }] } },
      { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'h' }, spec: { scaleTargetRef: 'x' } },
      { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'i' }, spec: { http: [{ route: [{ destination: null }] }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'j', labels: ['x'], annotations: { 'berth.dev/external-refs': 5 } }, spec: {
        containers: [{ name: 'c', image: 'x', envFrom: ['s', { secretRef: null }], volumeMounts: [null, { name: null }], livenessProbe: { httpGet: null } }],
        volumes: [null, { name: 'v', projected: { sources: [null, { secret: 'x' }] } }, { name: 'w', configMap: { items: 'x' } }],
        securityContext: { sysctls: 'x', seccompProfile: null } } },
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'k', labels: null } },
      { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'l' }, spec: { serviceName: 3, volumeClaimTemplates: [null, { metadata: 'x' }] } },
    ];
    malformed.forEach((m, i) => new ApiObject(chart, `o${i}`, m as never));
    // findingsOf throws when a check crashes.
    const findings = findingsOf(chart, validatorsFor([staging]), 'staging');
    expect(new Set(findings.map((f) => f.name))).toEqual(new Set(['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l']));
  });
});
