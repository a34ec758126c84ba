import { Testing } from 'cdk8s';
import { DEFAULT_CONTAINER_LIMITS, DEFAULT_QUOTA, NamespaceBaseline, NamespaceMeshProps } from '../constructs/namespace-baseline';
import { get, namespacedChart, one, synth } from './util';

describe('NamespaceBaseline', () => {
  test('labels the namespace for Pod Security restricted (enforce, audit, warn); GitOps never deletes it', () => {
    const chart = namespacedChart('giia-prod');
    new NamespaceBaseline(chart, 'baseline', { labels: { 'team': 'identity' } });
    const ns = one(synth(chart), 'Namespace');
    expect(ns.metadata).toEqual({
      name: 'giia-prod',
      namespace: 'giia-prod', // the synth drops it for cluster-scoped kinds
      labels: {
        'app.kubernetes.io/managed-by': 'berth',
        'team': 'identity',
        'pod-security.kubernetes.io/enforce': 'restricted',
        'pod-security.kubernetes.io/enforce-version': 'v1.28',
        'pod-security.kubernetes.io/audit': 'restricted',
        'pod-security.kubernetes.io/audit-version': 'v1.28',
        'pod-security.kubernetes.io/warn': 'restricted',
        'pod-security.kubernetes.io/warn-version': 'v1.28',
      },
      // Deleting the namespace would delete every PVC in it, Retain or not.
      annotations: {
        'argocd.argoproj.io/sync-options': 'Prune=false,Delete=false',
        'kustomize.toolkit.fluxcd.io/prune': 'disabled',
        'argocd.argoproj.io/sync-wave': '0',
      },
    });
  });

  test('denies all ingress and egress, then allows DNS only', () => {
    const chart = namespacedChart();
    new NamespaceBaseline(chart, 'baseline');
    const out = synth(chart);
    expect(one(out, 'NetworkPolicy', 'default-deny').spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(one(out, 'NetworkPolicy', 'allow-dns').spec).toEqual({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }],
      }],
    });
  });

  test('default quota', () => {
    const chart = namespacedChart();
    new NamespaceBaseline(chart, 'baseline');
    expect(one(synth(chart), 'ResourceQuota').spec).toEqual({
      hard: {
        'requests.cpu': '8', 'requests.memory': '16Gi', 'limits.cpu': '32', 'limits.memory': '64Gi',
        'requests.storage': '100Gi', 'pods': '100', 'persistentvolumeclaims': '20',
        'requests.ephemeral-storage': '50Gi', 'limits.ephemeral-storage': '50Gi',
      },
    });
    expect(DEFAULT_QUOTA.pods).toBe(100);
  });

  test('default container limits', () => {
    const chart = namespacedChart();
    new NamespaceBaseline(chart, 'baseline');
    expect(one(synth(chart), 'LimitRange').spec).toEqual({
      limits: [{
        type: 'Container',
        defaultRequest: { cpu: '100m', memory: '128Mi' },
        default: { cpu: '500m', memory: '256Mi' },
        max: { cpu: '4', memory: '8Gi' },
      }],
    });
    expect(DEFAULT_CONTAINER_LIMITS.max).toEqual({ cpu: '4', memory: '8Gi' });
  });

  test('namespace defaults to the chart namespace, dns to kube-dns; both can be set', () => {
    const chart = namespacedChart('a-dev');
    const b = new NamespaceBaseline(chart, 'baseline', { namespace: 'other', dns: { namespace: 'dns', podLabels: { app: 'coredns' } } });
    expect(b.namespaceName).toBe('other');
    expect(one(synth(chart), 'NetworkPolicy', 'allow-dns').spec).toMatchObject({
      egress: [{ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'dns' } }, podSelector: { matchLabels: { app: 'coredns' } } }] }],
    });
    expect(new NamespaceBaseline(namespacedChart('b-dev'), 'x').namespaceName).toBe('b-dev');
  });

  describe('mesh', () => {
    const meshed = (mesh: NamespaceMeshProps) => {
      const chart = namespacedChart('nexus-prod');
      const baseline = new NamespaceBaseline(chart, 'baseline', { mesh });
      const out = synth(chart);
      return { baseline, out, ns: one(out, 'Namespace'), policy: one(out, 'NetworkPolicy', 'allow-istiod') };
    };
    const istiodEgress = (namespace: string, podLabels: object) => ({
      podSelector: {},
      policyTypes: ['Egress'],
      egress: [{
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } }, podSelector: { matchLabels: podLabels } }],
        ports: [{ port: 15012, protocol: 'TCP' }],
      }],
    });

    test('default: no mesh, so no injection label and no istiod egress', () => {
      const chart = namespacedChart();
      const baseline = new NamespaceBaseline(chart, 'baseline');
      const out = synth(chart);
      expect(Object.keys(one(out, 'Namespace').metadata.labels ?? {}).filter((k) => k.includes('istio'))).toEqual([]);
      expect(out.filter((m) => m.kind === 'NetworkPolicy').map((m) => m.metadata.name)).toEqual(['default-deny', 'allow-dns']);
      expect(baseline.allowIstiod).toBeUndefined();
    });

    test('every pod may reach istiod on 15012 only (xDS and CA), in the baseline wave', () => {
      const { policy, baseline } = meshed({});
      expect(policy.spec).toEqual(istiodEgress('istio-system', { app: 'istiod' }));
      expect(policy.metadata.annotations).toEqual({ 'argocd.argoproj.io/sync-wave': '1' });
      expect(baseline.allowIstiod).toBeDefined();
    });

    test('controlPlaneNamespace: istio-system, or the one given', () => {
      expect(get(meshed({}).policy, 'spec', 'egress', 0, 'to', 0, 'namespaceSelector')).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'istio-system' } });
      expect(get(meshed({ controlPlaneNamespace: 'mesh' }).policy, 'spec', 'egress', 0, 'to', 0, 'namespaceSelector')).toEqual({ matchLabels: { 'kubernetes.io/metadata.name': 'mesh' } });
    });

    test('istiodPodLabels: app=istiod, or the ones given', () => {
      expect(get(meshed({}).policy, 'spec', 'egress', 0, 'to', 0, 'podSelector')).toEqual({ matchLabels: { app: 'istiod' } });
      expect(get(meshed({ istiodPodLabels: { 'app.kubernetes.io/name': 'istiod' } }).policy, 'spec', 'egress', 0, 'to', 0, 'podSelector'))
        .toEqual({ matchLabels: { 'app.kubernetes.io/name': 'istiod' } });
    });

    test('revision: the default one (istio-injection: enabled), or istio.io/rev alone', () => {
      const istioLabels = (mesh: NamespaceMeshProps) => Object.fromEntries(Object.entries(meshed(mesh).ns.metadata.labels ?? {}).filter(([k]) => k.includes('istio')));
      expect(istioLabels({})).toEqual({ 'istio-injection': 'enabled' });
      expect(istioLabels({ revision: '1-24-2' })).toEqual({ 'istio.io/rev': '1-24-2' });
    });

    test('bad mesh input lists every problem', () => {
      expect(() => new NamespaceBaseline(namespacedChart(), 'baseline', {
        labels: { 'istio-injection': 'disabled' },
        mesh: { controlPlaneNamespace: 'Istio', istiodPodLabels: { app: 'istio d' }, revision: '' },
      })).toThrow([
        "[shop-dev/baseline] 'labels.istio-injection' is set by mesh; leave it out, received \"disabled\"",
        "[shop-dev/baseline] 'mesh.controlPlaneNamespace' must be a DNS-1123 label (lowercase alphanumerics and -, at most 63), received \"Istio\"",
        "[shop-dev/baseline] 'mesh.istiodPodLabels.app' must be a valid label value, received \"istio d\"",
        "[shop-dev/baseline] 'mesh.revision' must be a non-empty label value, received \"\"",
      ].join('\n'));
      expect(() => new NamespaceBaseline(namespacedChart(), 'baseline', { mesh: { istiodPodLabels: {} } })).toThrow(
        "[shop-dev/baseline] 'mesh.istiodPodLabels' must hold at least one label, received {}");
    });
  });

  test('bad input lists every problem', () => {
    expect(() => new NamespaceBaseline(Testing.chart(), 'baseline')).toThrow(
      "[test/baseline] 'namespace' must be set when the chart has no namespace, received undefined");
    expect(() => new NamespaceBaseline(namespacedChart(), 'baseline', {
      namespace: 'Bad_NS',
      quota: { ...DEFAULT_QUOTA, requestsCpu: 'lots', pods: 0 },
      containerLimits: { ...DEFAULT_CONTAINER_LIMITS, defaultRequest: { cpu: '1', memory: '128Mi' } },
    })).toThrow([
      "[shop-dev/baseline] 'namespace' must be a DNS-1123 label (lowercase alphanumerics and -, at most 63), received \"Bad_NS\"",
      "[shop-dev/baseline] 'quota.requestsCpu' must be a Kubernetes quantity, received \"lots\"",
      "[shop-dev/baseline] 'quota.pods' must be an integer >= 1, received 0",
      "[shop-dev/baseline] 'containerLimits.cpu' must satisfy defaultRequest <= defaultLimit <= max, received [\"1\",\"500m\",\"4\"]",
    ].join('\n'));
  });
});
