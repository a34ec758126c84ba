// What rendering berth's workloads through cdk8s-plus would cost (docs/library.md):
//   node scripts/run.mjs bench/plus.ts [count]
// Builds and renders `count` Deployments of one pod spec (a restricted container with a port,
// probes, resources and a /tmp volume) three ways, each in a chart of its own, five times:
// through the one-pass kind berth uses (constructs/core/kinds.ts), through the generated class
// (imports/k8s.ts, cdk8s's generic render), and as a cdk8s-plus Deployment. Prints the median
// milliseconds per way, and the bundle's load time is the runner's, not counted here.
import { ApiObject, App, Chart } from 'cdk8s';
import * as kplus from 'cdk8s-plus-28';
import * as kinds from '../constructs/core/kinds';
import * as k8s from '../imports/k8s';

const count = Number(process.argv[2] ?? 1000);
const labels = (i: number) => ({ 'app.kubernetes.io/name': `svc-${i}`, 'app.kubernetes.io/instance': 'bench' });

function deploymentProps(i: number): k8s.KubeDeploymentProps {
  return {
    metadata: { name: `svc-${i}`, labels: labels(i) },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels(i) },
      template: {
        metadata: { labels: labels(i) },
        spec: {
          automountServiceAccountToken: false,
          securityContext: { runAsNonRoot: true, runAsUser: 10001, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [{
            name: 'app',
            image: 'ghcr.io/acme/svc:1.0.0',
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/healthz', port: k8s.IntOrString.fromString('http') } },
            resources: { requests: { cpu: k8s.Quantity.fromString('100m'), memory: k8s.Quantity.fromString('128Mi') } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

const tmp = (chart: Chart, i: number) => kplus.Volume.fromEmptyDir(chart, `tmp-${i}`, 'tmp');

const ways: Record<string, (chart: Chart, i: number) => void> = {
  'berth kind (one pass)': (chart, i) => void new kinds.KubeDeployment(chart, `d${i}`, deploymentProps(i)),
  'generated class': (chart, i) => void new k8s.KubeDeployment(chart, `d${i}`, deploymentProps(i)),
  'cdk8s-plus Deployment': (chart, i) => {
    const d = new kplus.Deployment(chart, `d${i}`, {
      metadata: { name: `svc-${i}`, labels: labels(i) },
      replicas: 2,
      securityContext: { ensureNonRoot: true, user: 10001 },
      containers: [{
        name: 'app',
        image: 'ghcr.io/acme/svc:1.0.0',
        ports: [{ name: 'http', number: 8080 }],
        readiness: kplus.Probe.fromHttpGet('/healthz', { port: 8080 }),
        resources: { cpu: { request: kplus.Cpu.millis(100) }, memory: { request: { toMebibytes: () => 128 } as never } },
        securityContext: { seccompProfile: { type: kplus.SeccompProfileType.RUNTIME_DEFAULT }, capabilities: { drop: [kplus.Capability.ALL] } },
        volumeMounts: [{ path: '/tmp', volume: tmp(chart, i) }],
      }],
    });
    d.podMetadata.addLabel('app.kubernetes.io/name', `svc-${i}`);
  },
};

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, make] of Object.entries(ways)) {
  const times: number[] = [];
  for (let run = 0; run < 6; run++) {
    const t = process.hrtime.bigint();
    const chart = new Chart(new App(), 'bench', { namespace: 'bench', disableResourceNameHashes: true });
    for (let i = 0; i < count; i++) make(chart, i);
    for (const c of chart.node.findAll()) if (c instanceof ApiObject) c.toJson();
    if (run > 0) times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  console.log(`${name.padEnd(24)} ${String(Math.round(median(times))).padStart(6)} ms for ${count} Deployments (median of ${times.length}, after a warm-up)`);
}
