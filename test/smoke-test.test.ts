import { withSidecarQuit } from '../constructs/core/mesh';
import { SmokeTest } from '../constructs/smoke-test';
import { WebService } from '../constructs/web-service';
import { get, jobNamed, namespacedChart, one, synth } from './util';

function stack() {
  const chart = namespacedChart('todo-chatbot-dev');
  const backend = new WebService(chart, 'backend', { image: 'acme/backend:1.0.0', ports: [{ name: 'http', port: 8000 }] });
  const frontend = new WebService(chart, 'frontend', { image: 'acme/frontend:1.0.0', ports: [{ name: 'http', port: 3000 }] });
  return { chart, backend, frontend };
}

describe('SmokeTest', () => {
  test('a PostSync hook Job that curls each health endpoint through cluster DNS', () => {
    const { chart, backend, frontend } = stack();
    new SmokeTest(chart, 'smoke', {
      targets: [{ service: backend, port: 'http', path: '/health' }, { service: frontend, port: 'http', path: '/' }],
    });
    const job = jobNamed(synth(chart), 'smoke-test');
    expect(job.metadata.annotations).toEqual({
      'argocd.argoproj.io/hook': 'PostSync',
      'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation,HookSucceeded',
      'argocd.argoproj.io/sync-wave': '7',
    });
    const container = get(job, 'spec', 'template', 'spec', 'containers', 0);
    expect(container.image).toBe('curlimages/curl:8.10.1');
    expect(container.command[2]).toContain('for url in http://backend.todo-chatbot-dev.svc.cluster.local:8000/health http://frontend.todo-chatbot-dev.svc.cluster.local:3000/; do');
    expect(container.command[2]).toContain('[ "$n" -ge 12 ]');
    expect(container.securityContext).toEqual({
      allowPrivilegeEscalation: false, privileged: false, readOnlyRootFilesystem: true, runAsNonRoot: true,
      runAsUser: 100, runAsGroup: 100, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
    const disk = { 'ephemeral-storage': '320Mi' };
    expect(container.resources).toEqual({ requests: { cpu: '25m', memory: '32Mi', ...disk }, limits: { cpu: '100m', memory: '64Mi', ...disk } });
    expect(get(job, 'spec', 'template', 'spec', 'serviceAccountName')).toBe('smoke-test');
    expect(get(job, 'spec')).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 12 * 10 * 2 + 60 });
    // No TTL: under Flux a Job deleted by its TTL is created, and run, again.
    expect(get(job, 'spec').ttlSecondsAfterFinished).toBeUndefined();
  });

  test('opens egress to each target and ingress on the target, on the checked port only', () => {
    const { chart, backend } = stack();
    new SmokeTest(chart, 'smoke', { name: 'check', attempts: 3, targets: [{ service: backend, port: 'http', path: '/health' }] });
    const out = synth(chart);
    const selector = { 'app.kubernetes.io/name': 'check', 'app.kubernetes.io/instance': 'todo-chatbot-dev' };
    expect(one(out, 'NetworkPolicy', 'check').spec).toEqual({
      podSelector: { matchLabels: selector },
      policyTypes: ['Ingress', 'Egress'],
      egress: [{ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'backend', 'app.kubernetes.io/instance': 'todo-chatbot-dev' } } }], ports: [{ port: 8000, protocol: 'TCP' }] }],
    });
    expect(get(one(out, 'NetworkPolicy', 'backend'), 'spec', 'ingress')).toContainEqual({ from: [{ podSelector: { matchLabels: selector } }], ports: [{ port: 8000, protocol: 'TCP' }] });
  });

  test('meshSidecar: false, so the script is the command and the pod has no proxy annotation', () => {
    const { chart, backend } = stack();
    new SmokeTest(chart, 'smoke', { targets: [{ service: backend, port: 'http', path: '/health' }] });
    const template = get(jobNamed(synth(chart), 'smoke-test'), 'spec', 'template');
    expect(template.metadata.annotations).toBeUndefined();
    expect(template.spec.containers[0].command.slice(0, 2)).toEqual(['/bin/sh', '-c']);
    expect(template.spec.containers[0].command).toHaveLength(3);
  });

  test('meshSidecar: waits for the proxy, then stops it with curl whatever the result', () => {
    const { chart, backend } = stack();
    new SmokeTest(chart, 'plain', { name: 'plain', targets: [{ service: backend, port: 'http', path: '/health' }] });
    new SmokeTest(chart, 'smoke', { meshSidecar: true, targets: [{ service: backend, port: 'http', path: '/health' }] });
    const out = synth(chart);
    const script = get(jobNamed(out, 'plain'), 'spec', 'template', 'spec', 'containers', 0, 'command', 2);
    const template = get(jobNamed(out, 'smoke-test'), 'spec', 'template');
    expect(template.metadata.annotations).toEqual({ 'proxy.istio.io/config': '{"holdApplicationUntilProxyStarts": true}', 'sidecar.istio.io/proxyCPU': '50m', 'sidecar.istio.io/proxyCPULimit': '500m', 'sidecar.istio.io/proxyMemory': '64Mi', 'sidecar.istio.io/proxyMemoryLimit': '256Mi' });
    const command = template.spec.containers[0].command;
    expect(command).toEqual(withSidecarQuit(['/bin/sh', '-c', script], 'curl'));
    expect([command[0], command[1], command[3], ...command.slice(4)]).toEqual(['/bin/sh', '-c', 'sh', '/bin/sh', '-c', script]);
    expect(command[2]).toContain('curl -fsS -o /dev/null --max-time 5 -X POST http://127.0.0.1:15020/quitquitquit');
  });

  test('bad input', () => {
    const { chart, backend } = stack();
    expect(() => new SmokeTest(chart, 'smoke', {
      image: 'curlimages/curl:latest', attempts: 0,
      targets: [{ service: backend, port: 'grpc', path: 'health' }],
    })).toThrow([
      "[todo-chatbot-dev/smoke] 'targets[0].path' must start with '/', received \"health\"",
      "[todo-chatbot-dev/smoke] 'targets[0].port' must name a port of service 'backend' (http), received \"grpc\"",
      "[todo-chatbot-dev/smoke] 'attempts' must be an integer >= 1, received 0",
      "[todo-chatbot-dev/smoke] 'image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received \"curlimages/curl:latest\"",
    ].join('\n'));
    expect(() => new SmokeTest(chart, 'empty', { targets: [] })).toThrow(
      "[todo-chatbot-dev/empty] 'targets' must name at least one service, received 0");
    const long = `s${'x'.repeat(52)}`;
    expect(() => new SmokeTest(chart, 'long', { name: long, targets: [{ service: backend, port: 'http', path: '/' }] })).toThrow(
      `[todo-chatbot-dev/long] 'name' must be a DNS-1123 label (lowercase alphanumerics and -) of at most 52 characters (the content suffix takes 11 more), received "${long}"`);
  });

  test('@default contentName: true, a changed test is a new Job; an unchanged one keeps its name', () => {
    const nameOf = (path: string, contentName?: boolean) => {
      const { chart, backend } = stack();
      return new SmokeTest(chart, 'smoke', { contentName, targets: [{ service: backend, port: 'http', path }] }).jobName;
    };
    expect(nameOf('/health')).toMatch(/^smoke-test-[0-9a-f]{10}$/);
    expect(nameOf('/health')).toBe(nameOf('/health'));
    expect(nameOf('/ready')).not.toBe(nameOf('/health'));
    expect(nameOf('/health', false)).toBe('smoke-test');
  });
});
