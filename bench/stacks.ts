// Large, realistic stacks from imports/k8s classes for the benchmarks: per stack a namespace
// baseline, `services` web services (9 objects each), a worker, Istio routing, a
// ServiceMonitor and a backup CronJob. Every object passes every check of the safety net.
import { App } from 'cdk8s';
import * as k8s from '../imports/k8s';
import * as monitoring from '../imports/monitoring.coreos.com';
import * as istio from '../imports/networking.istio.io';
import { appLabels } from '../constructs/core/labels';
import { ENVIRONMENTS, StackChart } from '../charts';
import { SynthUnit } from '../synth/render';
import { baseline, restrictedContainer, webApp, worker } from '../test/fixtures/stack';

/** Istio routing, metrics scraping and a backup CronJob for the first service. */
function extras(chart: StackChart, name: string): void {
  const labels = appLabels(chart, { name, component: 'api' });
  new istio.DestinationRule(chart, `${name}-dr`, {
    metadata: { name, labels: labels.all },
    spec: { host: name, subsets: [{ name: 'stable', labels: { 'app.kubernetes.io/version': '1.4.2' } }] },
  });
  new istio.VirtualService(chart, `${name}-vs`, {
    metadata: { name, labels: labels.all },
    spec: { hosts: [name], http: [{ route: [{ destination: { host: name, subset: 'stable', port: { number: 80 } } }], timeout: '5s' }] },
  });
  new monitoring.ServiceMonitor(chart, `${name}-sm`, {
    metadata: { name, labels: labels.all },
    spec: { selector: { matchLabels: labels.selector }, endpoints: [{ port: 'http', path: '/metrics', interval: '30s' }] },
  });
  new k8s.KubeCronJob(chart, 'backup', {
    metadata: { name: 'backup', labels: labels.all },
    spec: {
      schedule: '0 3 * * *',
      concurrencyPolicy: 'Forbid',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
              containers: [restrictedContainer('backup', 'ghcr.io/acme/backup:1.0.3')],
            },
          },
        },
      },
    },
  });
}

export function buildBench(stacks: number, services: number, envCount: number): SynthUnit[] {
  const units: SynthUnit[] = [];
  for (const env of ENVIRONMENTS.slice(0, envCount)) {
    for (let s = 0; s < stacks; s++) {
      const id = `stack${s}`;
      const chart = new StackChart(new App({ outdir: 'cdk8s.out' }), id, env);
      baseline(chart);
      for (let i = 0; i < services; i++) webApp(chart, `svc${i}`, { domain: env.domain });
      worker(chart, 'mailer', 2);
      extras(chart, 'svc0');
      units.push({ env: env.name, stack: id, chart });
    }
  }
  return units;
}

