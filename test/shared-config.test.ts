import { EnvFrom } from '../constructs/core/env-from';
import { SharedConfig } from '../constructs/shared-config';
import { WebService } from '../constructs/web-service';
import { get, namespacedChart, one, synth } from './util';

describe('SharedConfig', () => {
  test('emits a ConfigMap named after the construct id by default', () => {
    const chart = namespacedChart('giia-dev');
    const shared = new SharedConfig(chart, 'shared-config', { data: { LOG_LEVEL: 'debug' } });
    expect(shared.configMapName).toBe('shared-config');
    const cm = one(synth(chart), 'ConfigMap');
    expect(cm.metadata).toEqual({
      name: 'shared-config',
      namespace: 'giia-dev',
      labels: {
        'app.kubernetes.io/name': 'shared-config', 'app.kubernetes.io/instance': 'giia-dev', 'app.kubernetes.io/component': 'config',
        'app.kubernetes.io/part-of': 'giia-dev', 'app.kubernetes.io/managed-by': 'berth',
      },
      annotations: { 'argocd.argoproj.io/sync-wave': '2' },
    });
    expect(cm.data).toEqual({ LOG_LEVEL: 'debug' });
  });

  test('consumers roll when the data changes', () => {
    const podAnnotations = (level: string) => {
      const chart = namespacedChart('giia-dev');
      const shared = new SharedConfig(chart, 'shared', { name: 'shared-config', data: { LOG_LEVEL: level } });
      new WebService(chart, 'auth', { image: 'giia/auth:1.0.0', ports: [{ name: 'http', port: 8081 }], envFrom: [EnvFrom.configMap(shared)] });
      return get(one(synth(chart), 'Deployment'), 'spec', 'template', 'metadata', 'annotations');
    };
    expect(Object.keys(podAnnotations('debug'))).toContain('checksum.berth.dev/shared-config');
    expect(podAnnotations('debug')['checksum.berth.dev/shared-config']).not.toEqual(podAnnotations('info')['checksum.berth.dev/shared-config']);
  });

  test('refuses credentials and bad keys', () => {
    expect(() => new SharedConfig(namespacedChart(), 'Shared', { data: { JWT_SECRET: 'x', '1X': 'y' } })).toThrow([
      "[shop-dev/Shared] 'name' must be a DNS-1123 subdomain of at most 63 characters, received \"Shared\"",
      "[shop-dev/Shared] 'data.JWT_SECRET' looks like a credential: a ConfigMap is plaintext, use an AppSecret, received \"<redacted>\"",
      "[shop-dev/Shared] 'data' must have keys that are valid env var names, received \"1X\"",
    ].join('\n'));
  });
});
