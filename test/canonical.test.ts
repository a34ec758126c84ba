import { ApiObject, Chart, Lazy, Testing } from 'cdk8s';
import * as k8s from '../imports/k8s';
import { buildAll } from '../charts';
import { canonicalize, deviationsOf } from '../constructs/core/canonical';
import * as kinds from '../constructs/core/kinds';
import { canonicalQuantity } from '../constructs/core/quantity';
import { renderUnit } from '../synth/render';

function chart(): Chart {
  return new Chart(Testing.app(), 'c', { namespace: 'ns', disableResourceNameHashes: true });
}

describe('canonicalQuantity: resource.Quantity as the API server prints it', () => {
  // The examples of apimachinery's Quantity docs and tests, plus the cases berth meets.
  test.each([
    ['0.5', '500m'], ['1.5', '1500m'], ['1000m', '1'], ['2000m', '2'], ['100m', '100m'], ['.5', '500m'], ['1.', '1'],
    ['1000', '1k'], ['1500', '1500'], ['1500000', '1500k'], ['1.5M', '1500k'],
    ['1Gi', '1Gi'], ['1024Mi', '1Gi'], ['1536Mi', '1536Mi'], ['1.5Gi', '1536Mi'], ['0.5Gi', '512Mi'], ['1Ki', '1Ki'],
    ['1.5Ki', '1536'], ['0.5Ki', '512'], ['1023Ki', '1023Ki'], ['1.1Gi', '1181116006400m'],
    ['1e3', '1e3'], ['1.5e3', '1500'], ['12e6', '12e6'], ['1e5', '100e3'],
    ['0.1m', '100u'], ['1000n', '1u'], ['-1.5', '-1500m'], ['0', '0'], ['0Gi', '0'], ['1000E', '1000E'],
  ])('%s → %s', (value, stored) => {
    expect(canonicalQuantity(value)).toBe(stored);
    // Canonical values are fixed points.
    expect(canonicalQuantity(stored)).toBe(stored);
  });

  test('a JSON number is read from its digits: 250 → "250", 1000 → "1k", 0.25 → "250m"', () => {
    expect([canonicalQuantity(250), canonicalQuantity(1000), canonicalQuantity(0.25)]).toEqual(['250', '1k', '250m']);
  });

  test('a ResourceList value is rounded up to milli units; others to nano units', () => {
    expect([canonicalQuantity('0.0001', { resourceList: true }), canonicalQuantity('0.0001')]).toEqual(['1m', '100u']);
    expect(canonicalQuantity('0.0000000001')).toBe('1n');
  });

  test('not a quantity: undefined', () => {
    expect(['10GB', '1 Gi', '', 'Gi', '1.2.3', '0x10'].map((v) => canonicalQuantity(v))).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  });
});

describe('the render writes what the API server stores', () => {
  test('ResourceQuota object counts as quantity strings', () => {
    const c = chart();
    const q = new kinds.KubeResourceQuota(c, 'q', { metadata: { name: 'q' }, spec: { hard: { pods: k8s.Quantity.fromNumber(1000), cpu: k8s.Quantity.fromString('0.5') } } });
    expect(q.toJson().spec).toEqual({ hard: { cpu: '500m', pods: '1k' } });
  });

  test('a NetworkPolicy without rules has no rule lists; a Lazy that produces [] is dropped too', () => {
    const c = chart();
    const np = new kinds.KubeNetworkPolicy(c, 'np', {
      metadata: { name: 'np' },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'], ingress: [], egress: Lazy.any({ produce: () => [] }) as unknown as k8s.NetworkPolicyEgressRule[] },
    });
    expect(np.toJson().spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
  });

  test('defaults inside atomic parts: a fieldRef apiVersion, volumeClaimTemplates apiVersion, kind, phase and volumeMode', () => {
    const c = chart();
    const sts = new kinds.KubeStatefulSet(c, 's', {
      metadata: { name: 's' },
      spec: {
        serviceName: 's', selector: { matchLabels: { a: 'b' } },
        template: { spec: { containers: [{ name: 'c', env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: k8s.Quantity.fromString('1024Mi') } } } }],
      },
    });
    const spec = sts.toJson().spec as { template: { spec: { containers: { env: unknown[] }[] } }; volumeClaimTemplates: unknown[] };
    expect(spec.template.spec.containers[0].env).toEqual([{ name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } }]);
    expect(spec.volumeClaimTemplates).toEqual([{
      apiVersion: 'v1', kind: 'PersistentVolumeClaim',
      metadata: { name: 'data' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, volumeMode: 'Filesystem' },
      status: { phase: 'Pending' },
    }]);
    // Added keys keep the render's key order.
    expect(Object.keys(spec.volumeClaimTemplates[0] as object)).toEqual(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  });

  test('a default outside an atomic part is left to the server: a top-level PVC gets no volumeMode or status', () => {
    const c = chart();
    const pvc = new kinds.KubePersistentVolumeClaim(c, 'p', { metadata: { name: 'p' }, spec: { accessModes: ['ReadWriteOnce'] } });
    expect(pvc.toJson().spec).toEqual({ accessModes: ['ReadWriteOnce'] });
    expect(pvc.toJson().status).toBeUndefined();
  });

  test('list-map keys the server defaults: Service and container port protocols', () => {
    const c = chart();
    const svc = new kinds.KubeService(c, 's', { metadata: { name: 's' }, spec: { ports: [{ name: 'http', port: 80 }] } });
    expect(svc.toJson().spec).toEqual({ ports: [{ name: 'http', port: 80, protocol: 'TCP' }] });
  });

  test('LimitRange: default from max and defaultRequest from default, as SetDefaults_LimitRangeItem derives them', () => {
    const c = chart();
    const lr = new kinds.KubeLimitRange(c, 'l', {
      metadata: { name: 'l' },
      spec: { limits: [{ type: 'Container', max: { cpu: k8s.Quantity.fromString('2'), memory: k8s.Quantity.fromString('1024Mi') } }] },
    });
    expect(lr.toJson().spec).toEqual({ limits: [{
      default: { cpu: '2', memory: '1Gi' }, defaultRequest: { cpu: '2', memory: '1Gi' }, max: { cpu: '2', memory: '1Gi' }, type: 'Container',
    }] });
  });

  test('RoleBinding: a User subject gets its apiGroup, a ServiceAccount none', () => {
    const c = chart();
    const rb = new kinds.KubeRoleBinding(c, 'rb', {
      metadata: { name: 'rb' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' },
      subjects: [{ kind: 'User', name: 'jane' }, { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }],
    });
    expect(rb.toJson().subjects).toEqual([
      { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'jane' },
      { kind: 'ServiceAccount', name: 'sa', namespace: 'ns' },
    ]);
  });

  test('a custom resource keeps its empty lists and maps (the server stores CRD JSON as sent) but gets its atomic defaults', () => {
    const c = chart();
    const route = new kinds.HttpRoute(c, 'r', {
      metadata: { name: 'r' },
      spec: { parentRefs: [{ name: 'gw' }], hostnames: [], rules: [{ backendRefs: [{ name: 'web', port: 80 }] }] },
    });
    expect(route.toJson().spec).toEqual({
      hostnames: [],
      parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }],
      rules: [{ backendRefs: [{ group: '', kind: 'Service', name: 'web', port: 80, weight: 1 }], matches: [{ path: { type: 'PathPrefix', value: '/' } }] }],
    });
  });

  test('a Secret: stringData merged into data as base64, as the server stores it', () => {
    const c = chart();
    const s = new kinds.KubeSecret(c, 's', { metadata: { name: 's' }, data: { b: 'QR==' }, stringData: { a: 'x' } });
    expect(s.toJson().data).toEqual({ a: 'eA==', b: 'QQ==' });
    expect(s.toJson().stringData).toBeUndefined();
  });
});

describe('deviationsOf: what the check reports', () => {
  test('a manifest in the pre-canonical form: every rule once, the manifest untouched', () => {
    const m = {
      apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 's', labels: {} },
      spec: {
        template: { spec: { containers: [{ name: 'c', args: [], resources: { limits: { memory: '1024Mi' } }, env: [{ name: 'P', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { volumeMode: 'Filesystem' } }],
      },
    };
    const before = JSON.stringify(m);
    expect(deviationsOf(m).map((d) => [d.rule, d.path.join('.'), d.canonical])).toEqual([
      ['empty-map', 'metadata.labels', undefined],
      ['empty-list', 'spec.template.spec.containers.0.args', undefined],
      ['atomic-default', 'spec.template.spec.containers.0.env.0.valueFrom.fieldRef.apiVersion', 'v1'],
      ['quantity', 'spec.template.spec.containers.0.resources.limits.memory', '1Gi'],
      ['atomic-default', 'spec.volumeClaimTemplates.0.apiVersion', 'v1'],
      ['atomic-default', 'spec.volumeClaimTemplates.0.kind', 'PersistentVolumeClaim'],
      ['atomic-default', 'spec.volumeClaimTemplates.0.status', { phase: 'Pending' }],
    ]);
    expect(JSON.stringify(m)).toBe(before);
  });

  test('canonicalize puts it into the form deviationsOf accepts', () => {
    const m = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: 40, 'requests.storage': '1024Gi' } } };
    canonicalize(m);
    expect(m.spec.hard).toEqual({ pods: '40', 'requests.storage': '1Ti' });
    expect(deviationsOf(m)).toEqual([]);
  });

  test('a plain ApiObject reaches the synth unchanged, so the check is what catches it', () => {
    const c = chart();
    const o = new ApiObject(c, 'q', { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { pods: 40 } } });
    expect(deviationsOf(o.toJson()).map((d) => d.rule)).toEqual(['quantity']);
  });

  test('every object of every reference stack is in the stored form', () => {
    // Copies: the check trusts the parts the render itself canonicalized (next test).
    const off = buildAll().map(renderUnit).flatMap((s) => s.objects.flatMap((o) =>
      deviationsOf(JSON.parse(JSON.stringify(o.manifest))).map((d) => `${s.env}/${s.stack} ${o.manifest.kind}/${o.manifest.metadata.name} ${d.path.join('.')}: ${d.rule}`)));
    expect(off).toEqual([]);
  });

  test('the check skips what the render canonicalized (the same objects), never a copy or the metadata', () => {
    const c = chart();
    const q = new kinds.KubeResourceQuota(c, 'q', { metadata: { name: 'q' }, spec: { hard: { pods: k8s.Quantity.fromNumber(40) } } });
    const json = q.toJson() as { metadata: { labels?: object }; spec: { hard: Record<string, unknown> } };
    json.spec.hard.pods = 40; // as if changed behind the render's back
    json.metadata.labels = {};
    expect(deviationsOf(json).map((d) => d.rule)).toEqual(['empty-map']);
    expect(deviationsOf(JSON.parse(JSON.stringify(json))).map((d) => d.rule)).toEqual(['empty-map', 'quantity']);
  });
});
