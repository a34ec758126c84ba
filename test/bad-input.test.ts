// The bad-input corpus: each case breaks one thing in an otherwise valid stack and runs it
// through the real synth entry point (`synthesize`) with the real safety net. Every case
// asserts the exact report and that a pre-populated dist/ is left byte for byte as it was.
import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, JsonPatch } from 'cdk8s';
import * as argo from '../imports/argoproj.io';
import * as vpa from '../imports/autoscaling.k8s.io';
import * as istio from '../imports/networking.istio.io';
import * as k8s from '../imports/k8s';
import { EnvironmentConfig, planFor, StackChart, StackDefinition } from '../charts';
import { dev, prod, staging } from '../charts/environments';
import { externalRefsAnnotation } from '../constructs/core/external-refs';
import * as kinds from '../constructs/core/kinds';
import { synthesize } from '../synth';
import { validatorsFor } from '../synth/validators';
import { AppSecret, AppSecretProps } from '../constructs/app-secret';
import { Peer, ServicePort } from '../constructs/core/connections';
import { EnvValue } from '../constructs/core/env';
import { EnvFrom, EnvFromOptions } from '../constructs/core/env-from';
import { HttpProbeOptions, Probe } from '../constructs/core/probes';
import { MigrationJob, MigrationJobProps } from '../constructs/migration-job';
import { SharedConfig, SharedConfigProps } from '../constructs/shared-config';
import { SmokeTest } from '../constructs/smoke-test';
import { hostFor } from '../charts/platform';
import { GatewayRoute, IngressGateway, RouteToOptions } from '../constructs/ingress-gateway';
import { NamespaceBaseline, QuotaSpec } from '../constructs/namespace-baseline';
import { StatefulStore, StatefulStoreProps } from '../constructs/stateful-store';
import { WebService, WebServiceProps } from '../constructs/web-service';
import { C0, Case, expectAccepted, expectRefused, good, patch, raw } from './corpus';
import { listTree, releasesFor, tmpdir } from './util';
import { baseline, ownIdentity, restrictedContainer, store, webApp, worker } from './fixtures/stack';

const cases: readonly Case[] = [
  // ── Schema: Kubernetes 1.28 definitions ──────────────────────────────────────────
  {
    name: 'unknown field in a container, with a did-you-mean hint',
    build: (c) => patch(raw(good(c).web.deployment), JsonPatch.add(`${C0}/imagePullPolicyy`, 'Always')),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].imagePullPolicyy: is not a known field (strict validation rejects unknown fields) (hint: did you mean "imagePullPolicy"?)',
    ],
  },
  {
    name: 'wrong type: replicas as a string',
    build: (c) => patch(good(c).web.deployment, JsonPatch.add('/spec/replicas', '3')),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.replicas: must be integer, received "3"',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.replicas: is owned by HorizontalPodAutoscaler/web, which scales Deployment/web: every apply resets it and the HPA scales it back, received "3" (hint: leave spec.replicas out of a workload an HPA scales)',
    ],
  },
  {
    name: 'missing required field: a Service port without its port',
    build: (c) => patch(good(c).web.service, JsonPatch.remove('/spec/ports/0/port')),
    expected: [
      'dev/shop Service/web [shop-dev/web-service] spec.ports[0].port: is required',
      'dev/shop Ingress/web [shop-dev/web-ingress] spec.rules[0].http.paths[0].backend.service.port.number: is not a port of Service "web", received 80 (hint: its ports: http)',
    ],
  },
  {
    name: 'enum: imagePullPolicy in the wrong case',
    build: (c) => patch(good(c).web.deployment, JsonPatch.add(`${C0}/imagePullPolicy`, 'always')),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].imagePullPolicy: must be one of "Always", "IfNotPresent", "Never", received "always"',
    ],
  },
  {
    name: 'quantity: memory limit 1GB',
    build: (c) => patch(raw(good(c).web.deployment), JsonPatch.replace(`${C0}/resources/limits/memory`, '1GB')),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].resources.limits.memory: must be a quantity such as 500m, 2, 256Mi or 1Gi, received "1GB"',
    ],
  },
  {
    name: 'int-or-string: PDB maxUnavailable as a boolean',
    build: (c) => patch(raw(good(c).web.pdb), JsonPatch.replace('/spec/maxUnavailable', true)),
    expected: [
      'dev/shop PodDisruptionBudget/web [shop-dev/web-pdb] spec.maxUnavailable: must be integer or string, received true',
    ],
  },
  {
    name: 'format: Secret data that is not base64',
    build: (c) => {
      good(c);
      new k8s.KubeSecret(c, 'token', { metadata: { name: 'token' }, data: { token: 'not base64!' } });
    },
    expected: [
      'dev/shop Secret/token [shop-dev/token] data.token: must be base64-encoded, received "not base64!"',
    ],
  },
  {
    name: 'a kind in an apiVersion Kubernetes 1.28 does not serve',
    build: (c) => {
      good(c);
      new ApiObject(c, 'legacy', { apiVersion: 'extensions/v1beta1', kind: 'Ingress', metadata: { name: 'legacy' } });
    },
    expected: [
      'dev/shop Ingress/legacy [shop-dev/legacy] apiVersion: no schema for kind "Ingress" in "extensions/v1beta1": neither a Kubernetes 1.28 kind nor a custom resource of imports/schemas/crds (hint: Ingress is served as networking.k8s.io/v1)',
    ],
  },
  // ── Schema: custom resources ─────────────────────────────────────────────────────
  {
    name: 'custom resource: unknown field in an ExternalSecret',
    build: (c) => patch(raw(good(c).web.secret), JsonPatch.add('/spec/target/nmae', 'web-secrets')),
    expected: [
      'dev/shop ExternalSecret/web-secrets [shop-dev/web-secret] spec.target.nmae: is not a known field (strict validation rejects unknown fields) (hint: did you mean "name"?)',
    ],
  },
  {
    name: 'custom resource: a version its CRD does not serve',
    build: (c) => {
      good(c);
      new ApiObject(c, 'vpa', {
        apiVersion: 'autoscaling.k8s.io/v1beta2', kind: 'VerticalPodAutoscaler', metadata: { name: 'web' },
        spec: { targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' } },
      });
    },
    expected: [
      'dev/shop VerticalPodAutoscaler/web [shop-dev/vpa] apiVersion: "autoscaling.k8s.io/v1beta2" of VerticalPodAutoscaler is not served by its CRD (hint: use autoscaling.k8s.io/v1)',
    ],
  },
  {
    name: 'custom resource: Istio match sets two of exact/prefix/regex',
    build: (c) => {
      good(c);
      new istio.VirtualService(c, 'vs', {
        metadata: { name: 'web' },
        spec: {
          hosts: ['web'],
          http: [{ match: [{ uri: { exact: '/a', prefix: '/b' } }], route: [{ destination: { host: 'web', port: { number: 80 } } }] }],
        },
      });
    },
    expected: [
      'dev/shop VirtualService/web [shop-dev/vs] spec.http[0].match[0].uri: must set at most one of: exact, prefix, regex',
    ],
  },
  // ── What the API server enforces beyond the schema ───────────────────────────────
  {
    name: 'a Service name must be a DNS-1035 label',
    build: (c) => {
      good(c);
      new kinds.KubeService(c, 'nine', {
        metadata: { name: '9lives' },
        spec: { selector: { 'app.kubernetes.io/name': 'web' }, ports: [{ name: 'http', port: 80, targetPort: k8s.IntOrString.fromString('http') }] },
      });
    },
    expected: [
      'dev/shop Service/9lives [shop-dev/nine] metadata.name: must be a DNS-1035 label (a lowercase letter first, then letters, digits and \'-\', at most 63 characters), received "9lives"',
    ],
  },
  {
    name: 'a CronJob name longer than 52 characters',
    build: (c) => {
      good(c);
      new k8s.KubeCronJob(c, 'report', {
        metadata: { name: 'nightly-report-generator-for-the-analytics-warehouses' },
        spec: {
          schedule: '0 3 * * *',
          startingDeadlineSeconds: 600,
          jobTemplate: {
            spec: {
              template: {
                spec: {
                  ...ownIdentity(c, 'report', 'batch'),
                  restartPolicy: 'Never',
                  securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
                  containers: [restrictedContainer('report', 'ghcr.io/acme/report:3.1.0', c)],
                },
              },
            },
          },
        },
      });
    },
    expected: [
      'dev/shop CronJob/nightly-report-generator-for-the-analytics-warehouses [shop-dev/report] metadata.name: must be at most 52 characters for a CronJob, received "nightly-report-generator-for-the-analytics-warehouses" (53) (hint: the CronJob controller appends an 11-character suffix to name its Jobs)',
    ],
  },
  {
    name: 'label key and value syntax',
    build: (c) => patch(good(c).web.deployment,
      JsonPatch.add('/metadata/labels/team~1owner~1x', 'payments'),
      JsonPatch.add('/metadata/labels/tier', '-backend-')),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] metadata.labels["team/owner/x"]: is not a valid label key: its name must be 1-63 characters of letters, digits, \'-\', \'_\' and \'.\', alphanumeric at both ends',
      'dev/shop Deployment/web [shop-dev/web-deployment] metadata.labels.tier: must be a valid label value (at most 63 letters, digits, \'-\', \'_\' and \'.\', alphanumeric at both ends), received "-backend-"',
    ],
  },
  {
    name: 'annotation key syntax',
    build: (c) => patch(good(c).web.service, JsonPatch.add('/metadata/annotations', { 'example.com/retry policy': 'none' })),
    expected: [
      'dev/shop Service/web [shop-dev/web-service] metadata.annotations["example.com/retry policy"]: is not a valid annotation key: its name must be 1-63 characters of letters, digits, \'-\', \'_\' and \'.\', alphanumeric at both ends',
    ],
  },
  {
    name: 'a container port name longer than 15 characters',
    build: (c) => patch(good(c).web.deployment, JsonPatch.add(`${C0}/ports/-`, { name: 'metrics-endpoint', containerPort: 9090 })),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].ports[1].name: must be an IANA service name (at most 15 lowercase letters, digits and \'-\', with a letter, no \'--\'), received "metrics-endpoint"',
    ],
  },
  {
    name: 'an invalid and a duplicate env var name',
    build: (c) => patch(good(c).web.deployment,
      JsonPatch.add(`${C0}/env/-`, { name: '1ST_RUN', value: 'yes' }),
      JsonPatch.add(`${C0}/env/-`, { name: 'LOG_LEVEL', value: 'debug' })),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].env[2].name: must be a valid env var name (letters, digits, \'_\', \'-\' and \'.\', not starting with a digit), received "1ST_RUN"',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].env[3].name: duplicates env var "LOG_LEVEL" (hint: server-side apply rejects duplicate keys, and only the last value would take effect)',
    ],
  },
  {
    name: 'two containers with the same name',
    build: (c) => patch(good(c).web.deployment, JsonPatch.copy(C0, '/spec/template/spec/containers/1')),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[1].name: duplicates container name "app" (names are unique across all containers of a pod)',
    ],
  },
  {
    name: 'a volumeMount naming a volume the pod does not define',
    build: (c) => patch(good(c).web.deployment, JsonPatch.add(`${C0}/volumeMounts/-`, { name: 'cache', mountPath: '/var/cache/app' })),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].volumeMounts[2].name: names volume "cache", which the pod does not define (hint: define it under spec.template.spec.volumes)',
    ],
  },
  {
    name: 'a Deployment selector that does not match its template labels',
    build: (c) => patch(good(c).web.deployment, JsonPatch.replace('/spec/selector/matchLabels/app.kubernetes.io~1name', 'webb')),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.selector: does not match the pod template\'s labels (hint: add app.kubernetes.io/name=webb to spec.template.metadata.labels)',
    ],
  },
  {
    name: 'HPA minReplicas above maxReplicas',
    build: (c) => patch(good(c).web.hpa, JsonPatch.replace('/spec/minReplicas', 6)),
    expected: [
      'dev/shop HorizontalPodAutoscaler/web [shop-dev/web-hpa] spec.maxReplicas: must be >= minReplicas (6), received 5',
    ],
  },
  // ── Cross-object coherence ───────────────────────────────────────────────────────
  {
    name: 'a Service selector that matches no pod',
    build: (c) => patch(good(c).web.service, JsonPatch.replace('/spec/selector/app.kubernetes.io~1name', 'wbe')),
    expected: [
      'dev/shop Service/web [shop-dev/web-service] spec.selector: matches no pod template in this stack (hint: every selector label must be on a workload\'s pod template (spec.template.metadata.labels))',
    ],
  },
  {
    name: 'a Service targetPort naming a port no container declares',
    build: (c) => patch(raw(good(c).web.service), JsonPatch.replace('/spec/ports/0/targetPort', 'https')),
    expected: [
      'dev/shop Service/web [shop-dev/web-service] spec.ports[0].targetPort: names port "https", which no container of Deployment/web declares (hint: name the container port the same, or use the port number)',
    ],
  },
  {
    name: 'an Ingress backend on a port its Service lacks, and one on a missing Service',
    build: (c) => patch(good(c).web.ingress,
      JsonPatch.replace('/spec/rules/0/http/paths/0/backend/service/port/number', 8080),
      JsonPatch.add('/spec/rules/0/http/paths/-', { path: '/api', pathType: 'Prefix', backend: { service: { name: 'api', port: { number: 80 } } } })),
    expected: [
      'dev/shop Ingress/web [shop-dev/web-ingress] spec.rules[0].http.paths[0].backend.service.port.number: is not a port of Service "web", received 8080 (hint: its ports: http (80))',
      'dev/shop Ingress/web [shop-dev/web-ingress] spec.rules[0].http.paths[1].backend.service.name: names Service "api", which this stack does not define',
    ],
  },
  {
    name: 'an HTTPRoute backend on a port its Service lacks',
    build: (c) => {
      good(c);
      new kinds.HttpRoute(c, 'route', {
        metadata: { name: 'web' },
        spec: { parentRefs: [{ name: 'public', namespace: 'gateways' }], rules: [{ backendRefs: [{ name: 'web', port: 8080 }] }] },
      });
    },
    expected: [
      'dev/shop HTTPRoute/web [shop-dev/route] spec.rules[0].backendRefs[0].port: is not a port of Service "web", received 8080 (hint: its ports: http (80))',
    ],
  },
  {
    name: 'a VirtualService without port on a two-port Service, and an undefined subset',
    build: (c) => {
      patch(good(c).web.service, JsonPatch.add('/spec/ports/-', { name: 'admin', port: 9000, targetPort: 8080 }));
      new istio.VirtualService(c, 'vs', {
        metadata: { name: 'web' },
        spec: { hosts: ['web'], http: [{ route: [{ destination: { host: 'web.shop-dev.svc.cluster.local', subset: 'canary' } }] }] },
      });
    },
    expected: [
      'dev/shop VirtualService/web [shop-dev/vs] spec.http[0].route[0].destination.port: is required: Service "web" has several ports (hint: its ports: http (80), admin (9000))',
      'dev/shop VirtualService/web [shop-dev/vs] spec.http[0].route[0].destination.subset: names subset "canary", which no DestinationRule of this stack defines for "web"',
      // The added port is one no NetworkPolicy opens.
      'dev/shop Service/web [shop-dev/web-service] spec.ports[1]: exposes "admin" (pod port 9000) of Deployment/web, but no NetworkPolicy admits anyone on it and no route reaches it: the port is dead (hint: connectTo() it from its callers, route it through the gateway, or mark it internalOnly so it is not on the Service)',
    ],
  },
  {
    name: 'an HPA and a VPA targeting a workload the stack lacks',
    build: (c) => {
      patch(good(c).web.hpa, JsonPatch.replace('/spec/scaleTargetRef/name', 'wbe'));
      new vpa.VerticalPodAutoscaler(c, 'vpa', {
        metadata: { name: 'web' },
        spec: { targetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'web' } },
      });
    },
    expected: [
      'dev/shop HorizontalPodAutoscaler/web [shop-dev/web-hpa] spec.scaleTargetRef: names Deployment/wbe (apps/v1), which this stack does not define',
      'dev/shop VerticalPodAutoscaler/web [shop-dev/vpa] spec.targetRef: names StatefulSet/web (apps/v1), which this stack does not define',
      'dev/shop PodDisruptionBudget/web [shop-dev/web-pdb] spec: covers Deployment/web, which runs a single replica: the PDB either blocks every drain or protects nothing (hint: run at least 2 replicas (HPA minReplicas >= 2), or drop the PDB)',
    ],
  },
  {
    name: 'a PDB whose minAvailable equals the HPA minimum blocks drains',
    build: (c) => patch(raw(good(c).web.pdb), JsonPatch.remove('/spec/maxUnavailable'), JsonPatch.add('/spec/minAvailable', 2)),
    expected: [
      'dev/shop PodDisruptionBudget/web [shop-dev/web-pdb] spec.minAvailable: keeps 2 of the 2 replicas (HPA minimum) of Deployment/web available, so no eviction is ever allowed and node drains block, received 2 (hint: use maxUnavailable: 1, which always allows one eviction)',
    ],
  },
  {
    name: 'a PDB with maxUnavailable 0%',
    build: (c) => patch(raw(good(c).web.pdb), JsonPatch.replace('/spec/maxUnavailable', '0%')),
    expected: [
      'dev/shop PodDisruptionBudget/web [shop-dev/web-pdb] spec.maxUnavailable: allows no eviction of Deployment/web, so node drains block forever, received "0%" (hint: use maxUnavailable: 1, which always allows one eviction)',
    ],
  },
  {
    name: 'a PDB on a single-replica workload',
    build: (c) => {
      good(c);
      worker(c, 'mailer', 1);
      new k8s.KubePodDisruptionBudget(c, 'mailer-pdb', {
        metadata: { name: 'mailer' },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { 'app.kubernetes.io/name': 'mailer' } } },
      });
    },
    expected: [
      'dev/shop PodDisruptionBudget/mailer [shop-dev/mailer-pdb] spec: covers Deployment/mailer, which runs a single replica: the PDB either blocks every drain or protects nothing (hint: run at least 2 replicas (HPA minReplicas >= 2), or drop the PDB)',
    ],
  },
  {
    name: 'two PDBs covering the same pods',
    build: (c) => {
      good(c);
      new k8s.KubePodDisruptionBudget(c, 'extra-pdb', {
        metadata: { name: 'web-extra' },
        spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } },
      });
    },
    expected: [
      'dev/shop PodDisruptionBudget/web [shop-dev/web-pdb] spec.selector: selects the pods of Deployment/web, which PodDisruptionBudget/web-extra already covers (hint: the eviction API refuses to evict a pod that more than one PDB covers, which blocks drains)',
    ],
  },
  {
    name: 'a StatefulSet whose serviceName names a Service the stack lacks',
    build: (c) => {
      good(c);
      c.node.tryRemoveChild(store(c, 'db').headless.node.id);
    },
    expected: [
      'dev/shop StatefulSet/db [shop-dev/db-statefulset] spec.serviceName: names Service "db-headless", which this stack does not define (hint: the pods\' DNS names (<pod>.<serviceName>) need that headless Service (clusterIP: None))',
    ],
  },
  {
    name: 'a NetworkPolicy that selects no pod, and a peer that matches none',
    build: (c) => patch(good(c).web.networkPolicy,
      JsonPatch.replace('/spec/podSelector/matchLabels/app.kubernetes.io~1name', 'webb'),
      JsonPatch.add('/spec/ingress/-', { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'frontend' } } }] })),
    expected: [
      'dev/shop NetworkPolicy/web [shop-dev/web-netpol] spec.podSelector: matches no pod template in this stack (hint: a NetworkPolicy that selects nothing has no effect: fix its labels, remove it, or annotate berth.dev/selects-runtime-pods with who creates its pods)',
      'dev/shop NetworkPolicy/web [shop-dev/web-netpol] spec.ingress[1].from[0].podSelector: matches no pod template in this stack (hint: a peer without namespaceSelector means pods of this namespace: fix its labels, or add a namespaceSelector for another namespace)',
      // What that does to the running stack: the default deny is all that selects the pods.
      'dev/shop Service/web [shop-dev/web-service] spec.ports[0]: exposes "http" (pod port 8080) of Deployment/web, but no NetworkPolicy admits anyone on it and no route reaches it: the port is dead (hint: connectTo() it from its callers, route it through the gateway, or mark it internalOnly so it is not on the Service)',
      'dev/shop Ingress/web [shop-dev/web-ingress] spec.rules[0].http.paths[0].backend.service: routes to Service/web, but no NetworkPolicy of Deployment/web admits the ingress proxies (ingress-nginx) on port 8080 (hint: route through the stack\'s IngressGateway (it opens the backend to its proxies), or allowFrom() the controller namespace)',
    ],
  },
  {
    name: 'a ConfigMap reference and a Secret key that do not resolve',
    build: (c) => patch(good(c).web.deployment,
      JsonPatch.replace(`${C0}/env/0/valueFrom/configMapKeyRef/name`, 'web-conf'),
      JsonPatch.replace(`${C0}/env/1/valueFrom/secretKeyRef/key`, 'DATABASE_URI')),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].env[0].valueFrom.configMapKeyRef.name: names ConfigMap "web-conf", which this stack does not define (hint: define it (a ConfigMap) or declare it external: annotation berth.dev/external-refs: "configmap/web-conf" on the Deployment)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].env[1].valueFrom.secretKeyRef.key: is not a key of Secret "web-secrets" (made by ExternalSecret/web-secrets), received "DATABASE_URI" (hint: its keys: DATABASE_URL)',
    ],
  },
  {
    name: 'a projected Secret the stack lacks, and a stale external-refs declaration',
    build: (c) => {
      const { web } = good(c);
      patch(web.deployment,
        JsonPatch.add('/metadata/annotations', externalRefsAnnotation({ secrets: ['web-secrets'], configMaps: ['flags'] })),
        JsonPatch.add('/spec/template/spec/volumes/-', { name: 'certs', projected: { sources: [{ secret: { name: 'web-tls' } }] } }));
    },
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.volumes[2].projected.sources[0].secret.name: names Secret "web-tls", which this stack does not define (hint: define it (a Secret, ExternalSecret, SealedSecret or Certificate) or declare it external: annotation berth.dev/external-refs: "secret/web-tls" on the Deployment)',
      'dev/shop Deployment/web [shop-dev/web-deployment] metadata.annotations["berth.dev/external-refs"]: declares configmap/flags external, but no pod of this Deployment uses it (hint: remove configmap/flags from the annotation)',
      'dev/shop Deployment/web [shop-dev/web-deployment] metadata.annotations["berth.dev/external-refs"]: declares secret/web-secrets external, but this stack defines it (hint: remove secret/web-secrets from the annotation)',
    ],
  },
  // ── Policy ───────────────────────────────────────────────────────────────────────
  {
    name: 'restricted: privileged, escalation, capabilities, host network and hostPath',
    build: (c) => patch(good(c).web.deployment,
      JsonPatch.add('/spec/template/spec/hostNetwork', true),
      JsonPatch.add(`${C0}/securityContext/privileged`, true),
      JsonPatch.replace(`${C0}/securityContext/allowPrivilegeEscalation`, true),
      JsonPatch.replace(`${C0}/securityContext/capabilities`, { add: ['NET_ADMIN'] }),
      JsonPatch.add('/spec/template/spec/volumes/-', { name: 'docker', hostPath: { path: '/var/run/docker.sock' } }),
      JsonPatch.add(`${C0}/volumeMounts/-`, { name: 'docker', mountPath: '/var/run/docker.sock' })),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.hostNetwork: must not be true (Pod Security Standards restricted) (hint: pods share no host namespace)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.volumes[2].hostPath: is a volume type restricted pods may not use (Pod Security Standards restricted) (hint: use one of configMap, csi, downwardAPI, emptyDir, ephemeral, persistentVolumeClaim, projected, secret)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].securityContext.privileged: must not be true (Pod Security Standards restricted)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation: must be false, received true (Pod Security Standards restricted)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].securityContext.capabilities.drop: must include ALL, received undefined (Pod Security Standards restricted)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].securityContext.capabilities.add[0]: may only add NET_BIND_SERVICE, received "NET_ADMIN" (Pod Security Standards restricted)',
    ],
  },
  {
    name: 'restricted: root user, no runAsNonRoot and an Unconfined seccomp profile',
    build: (c) => patch(good(c).web.deployment,
      JsonPatch.remove('/spec/template/spec/securityContext'),
      JsonPatch.replace(`${C0}/securityContext`, { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, runAsUser: 0, seccompProfile: { type: 'Unconfined' } })),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].securityContext.runAsNonRoot: must be true here or in the pod\'s securityContext, received undefined (Pod Security Standards restricted)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].securityContext.seccompProfile.type: must be RuntimeDefault or Localhost here or in the pod\'s securityContext, received "Unconfined" (Pod Security Standards restricted)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].securityContext.runAsUser: must not be 0 (root), received 0 (Pod Security Standards restricted) (hint: run as a non-zero UID such as 10001)',
    ],
  },
  {
    name: 'environment config: a plaintext Secret in staging',
    env: staging,
    build: (c) => {
      good(c);
      new kinds.KubeSecret(c, 'creds', { metadata: { name: 'creds' }, stringData: { username: 'app', password: 'hunter2' } });
    },
    expected: [
      'staging/shop Secret/creds [shop-staging/creds] data: holds 2 plaintext value(s) (password, username), which environment "staging" does not allow (hint: use an ExternalSecret or a SealedSecret, so no secret value lands in git)',
    ],
  },
  {
    name: 'environment config: latest and untagged images in prod',
    env: prod,
    build: (c) => {
      patch(good(c).web.deployment, JsonPatch.replace(`${C0}/image`, 'ghcr.io/acme/web:latest'));
      worker(c, 'mailer', 2);
      patch(c.node.findChild('mailer-deployment') as ApiObject, JsonPatch.replace(`${C0}/image`, 'registry.local:5000/mailer'));
    },
    expected: [
      'prod/shop Deployment/mailer [shop-prod/mailer-deployment] spec.template.spec.containers[0].image: must be pinned to a tag other than latest or to a digest in environment "prod", received "registry.local:5000/mailer" (hint: use an immutable version tag such as 1.4.2, or image@sha256:<digest>)',
      'prod/shop Deployment/web [shop-prod/web-deployment] spec.template.spec.containers[0].image: must be pinned to a tag other than latest or to a digest in environment "prod", received "ghcr.io/acme/web:latest" (hint: use an immutable version tag such as 1.4.2, or image@sha256:<digest>)',
    ],
  },
  {
    name: 'environment config: a name that makes an invalid namespace',
    env: { ...dev, name: 'QA' },
    build: (c) => {
      baseline(c);
    },
    expected: [
      'QA/shop Namespace/shop-QA [shop-QA/namespace] metadata.name: must be a DNS-1123 label (lowercase letters, digits and \'-\', at most 63 characters), received "shop-QA"',
      'QA/shop LimitRange/limits [shop-QA/limits] metadata.namespace: must be a DNS-1123 label, received "shop-QA"',
      'QA/shop NetworkPolicy/default-deny [shop-QA/default-deny] metadata.namespace: must be a DNS-1123 label, received "shop-QA"',
      'QA/shop ResourceQuota/quota [shop-QA/quota] metadata.namespace: must be a DNS-1123 label, received "shop-QA"',
      'QA/shop NetworkPolicy/default-deny [shop-QA/default-deny] spec.podSelector: selects all pods, but this stack runs none in its namespace (hint: a NetworkPolicy that selects nothing has no effect: fix its labels, remove it, or annotate berth.dev/selects-runtime-pods with who creates its pods)',
    ],
  },
  {
    name: 'a Namespace without its full baseline',
    build: (c) => {
      const b = baseline(c);
      c.node.tryRemoveChild(b.limits.node.id);
      patch(b.namespace, JsonPatch.replace('/metadata/labels/pod-security.kubernetes.io~1warn', 'baseline'));
      patch(b.denyAll, JsonPatch.replace('/spec/policyTypes', ['Ingress']));
      worker(c, 'mailer', 1);
    },
    expected: [
      'dev/shop Namespace/shop-dev [shop-dev/namespace] metadata.labels["pod-security.kubernetes.io/warn"]: must be "restricted", received "baseline" (hint: NamespaceBaseline creates the whole baseline)',
      'dev/shop Namespace/shop-dev [shop-dev/namespace] metadata.name: has no LimitRange in this stack (namespace baseline) (hint: NamespaceBaseline creates the whole baseline)',
      'dev/shop Namespace/shop-dev [shop-dev/namespace] metadata.name: has no default-deny NetworkPolicy in this stack (podSelector {}, policyTypes Ingress and Egress, no ingress rule) (namespace baseline) (hint: NamespaceBaseline creates the whole baseline)',
    ],
  },
  // ── What the readiness linters ask of workloads (issue 21) ───────────────────────
  {
    name: 'linters: no ephemeral storage, liveness repeating readiness, no priority, the default ServiceAccount',
    build: (c) => patch(raw(good(c).web.deployment),
      JsonPatch.remove(`${C0}/resources/limits/ephemeral-storage`),
      JsonPatch.replace(`${C0}/livenessProbe`, { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 10 }),
      JsonPatch.remove('/spec/template/spec/priorityClassName'),
      JsonPatch.remove('/spec/template/spec/serviceAccountName')),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].resources.limits["ephemeral-storage"]: is not set: the container may fill the node\'s disk (logs, emptyDirs), and the kubelet evicts pods from a full disk by their usage over requests, received undefined (hint: state it (withEphemeralStorage() in a construct: logs plus the emptyDirs it mounts))',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.serviceAccountName: runs on the namespace\'s default ServiceAccount, which every pod that names none shares: its mesh identity admits them all, received undefined (hint: give the workload a ServiceAccount of its own, without an API token (serviceAccount() in constructs/core/workload.ts))',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].livenessProbe: repeats the readiness check ({"httpGet":{"path":"/ready","port":"http"}}), which may cover the service\'s dependencies: while one is down, every pod would be restarted (hint: make liveness a TCP connect (Probe.tcp()) or an endpoint that checks only the process; readiness may check dependencies)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.priorityClassName: is not set: under node pressure the pod is evicted, and preempted, with the cluster\'s default priority, before every berth batch job, received undefined (hint: set it from the platform policy (withPriority(scope, tier, spec) in a construct))',
    ],
  },
  {
    name: 'linters: a PriorityClass the cluster lacks, a CronJob without startingDeadlineSeconds, a Role that could name its objects',
    build: (c) => {
      patch(raw(good(c).web.deployment), JsonPatch.replace('/spec/template/spec/priorityClassName', 'high-priority'));
      new k8s.KubeCronJob(c, 'report', {
        metadata: { name: 'report' },
        spec: {
          schedule: '0 3 * * *',
          jobTemplate: { spec: { template: { spec: {
            ...ownIdentity(c, 'report', 'batch'),
            restartPolicy: 'Never', securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
            containers: [restrictedContainer('report', 'ghcr.io/acme/report:3.1.0', c)],
          } } } },
        },
      });
      new k8s.KubeRole(c, 'leader', {
        metadata: { name: 'leader' },
        rules: [
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get', 'update'] },
          { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create'], resourceNames: ['lock'] },
        ],
      });
    },
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.priorityClassName: names no PriorityClass the cluster\'s prerequisites define (berth-store, berth-service, berth-job, berth-batch): the API server refuses the pod, received "high-priority" (hint: set it from the platform policy (withPriority(scope, tier, spec) in a construct))',
      'dev/shop CronJob/report [shop-dev/report] spec.startingDeadlineSeconds: is not set: after the controller was down, a run missed long ago would still start (and past 100 missed runs the CronJob stops scheduling), received undefined (hint: set it: how late a run may still start)',
      'dev/shop Role/leader [shop-dev/leader] rules[0].resourceNames: must name the objects: get, update can be limited to named leases (create, list, watch and deletecollection can\'t: give them a rule of their own), received ["get","update"] (hint: grant only what the workload needs, by name wherever RBAC can name it)',
      'dev/shop Role/leader [shop-dev/leader] rules[1].verbs: must not include create beside resourceNames: the request has no object name to match, so the API server would refuse every one (give them a rule of their own, without resourceNames), received ["create"] (hint: grant only what the workload needs, by name wherever RBAC can name it)',
    ],
  },
  // ── Canonical form (what the API server stores) and field ownership ─────────────
  {
    name: 'canonical: object counts in a ResourceQuota as integers',
    build: (c) => {
      const b = baseline(c);
      webApp(c, 'web', { domain: c.env.domain });
      patch(raw(b.quota), JsonPatch.replace('/spec/hard/pods', 50));
    },
    expected: [
      'dev/shop ResourceQuota/quota [shop-dev/quota] spec.hard.pods: is stored by the API server as "50", so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one, received 50 (hint: write "50", as kubectl get -o yaml prints it)',
    ],
  },
  {
    name: 'canonical: quantities the server prints otherwise (1024Mi, 0.5, 1000m)',
    build: (c) => patch(raw(good(c).web.deployment),
      JsonPatch.replace(`${C0}/resources/limits/memory`, '1024Mi'),
      JsonPatch.replace(`${C0}/resources/requests/cpu`, '0.5'),
      JsonPatch.replace(`${C0}/resources/limits/cpu`, '1000m')),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].resources.limits.cpu: is stored by the API server as "1", so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one, received "1000m" (hint: write "1", as kubectl get -o yaml prints it)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].resources.limits.memory: is stored by the API server as "1Gi", so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one, received "1024Mi" (hint: write "1Gi", as kubectl get -o yaml prints it)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].resources.requests.cpu: is stored by the API server as "500m", so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one, received "0.5" (hint: write "500m", as kubectl get -o yaml prints it)',
    ],
  },
  {
    name: 'canonical: an empty rule list in a NetworkPolicy',
    build: (c) => {
      const b = baseline(c);
      webApp(c, 'web', { domain: c.env.domain });
      patch(raw(b.denyAll), JsonPatch.add('/spec/ingress', []));
    },
    expected: [
      'dev/shop NetworkPolicy/default-deny [shop-dev/default-deny] spec.ingress: is an empty list, which the API server does not store: every kubectl apply rewrites the object and a GitOps diff never settles, received [] (hint: leave the field out)',
    ],
  },
  {
    name: 'canonical: an empty map (nodeSelector)',
    build: (c) => patch(raw(good(c).web.deployment), JsonPatch.add('/spec/template/spec/nodeSelector', {})),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.nodeSelector: is an empty map, which the API server does not store: every kubectl apply rewrites the object and a GitOps diff never settles, received {} (hint: leave the field out)',
    ],
  },
  {
    name: 'canonical: a fieldRef without its apiVersion',
    build: (c) => patch(raw(good(c).web.deployment), JsonPatch.add(`${C0}/env/-`, { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } })),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].env[2].valueFrom.fieldRef.apiVersion: is unset, and the API server stores its default "v1"; spec.template.spec.containers[0].env[2].valueFrom.fieldRef is atomic, so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to "v1")',
    ],
  },
  {
    name: 'canonical: volumeClaimTemplates without the apiVersion, kind and status the server adds',
    build: (c) => {
      good(c);
      // Its one client, so the port is not dead.
      new kinds.KubeNetworkPolicy(c, 'db-netpol', {
        metadata: { name: 'db' },
        spec: {
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } },
          policyTypes: ['Ingress'],
          ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } }], ports: [{ port: k8s.IntOrString.fromNumber(5432), protocol: 'TCP' }] }],
        },
      });
      patch(raw(store(c, 'db').statefulSet),
        JsonPatch.remove('/spec/volumeClaimTemplates/0/apiVersion'),
        JsonPatch.remove('/spec/volumeClaimTemplates/0/kind'),
        JsonPatch.remove('/spec/volumeClaimTemplates/0/status'));
    },
    expected: [
      'dev/shop StatefulSet/db [shop-dev/db-statefulset] spec.volumeClaimTemplates[0].apiVersion: is unset, and the API server stores its default "v1"; spec.volumeClaimTemplates is atomic, so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to "v1")',
      'dev/shop StatefulSet/db [shop-dev/db-statefulset] spec.volumeClaimTemplates[0].kind: is unset, and the API server stores its default "PersistentVolumeClaim"; spec.volumeClaimTemplates is atomic, so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to "PersistentVolumeClaim")',
      'dev/shop StatefulSet/db [shop-dev/db-statefulset] spec.volumeClaimTemplates[0].status: is unset, and the API server stores its default {"phase":"Pending"}; spec.volumeClaimTemplates is atomic, so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to {"phase":"Pending"})',
    ],
  },
  {
    name: 'canonical: a NetworkPolicy port without its protocol',
    build: (c) => patch(raw(good(c).web.networkPolicy), JsonPatch.remove('/spec/ingress/0/ports/0/protocol')),
    expected: [
      'dev/shop NetworkPolicy/web [shop-dev/web-netpol] spec.ingress[0].ports[0].protocol: is unset, and the API server stores its default "TCP"; spec.ingress is atomic, so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to "TCP")',
    ],
  },
  {
    name: 'canonical: a Service port without its protocol, a key of the ports list',
    build: (c) => patch(raw(good(c).web.service), JsonPatch.remove('/spec/ports/0/protocol')),
    expected: [
      'dev/shop Service/web [shop-dev/web-service] spec.ports[0].protocol: is unset in a list keyed by it, and the API server stores its default "TCP", so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to "TCP")',
    ],
  },
  {
    name: 'canonical: a LimitRange max without the default the server derives from it',
    build: (c) => {
      const b = baseline(c);
      webApp(c, 'web', { domain: c.env.domain });
      patch(raw(b.limits), JsonPatch.remove('/spec/limits/0/default'), JsonPatch.add('/spec/limits/0/max', { cpu: '2', memory: '1Gi' }));
    },
    expected: [
      'dev/shop LimitRange/limits [shop-dev/limits] spec.limits[0].default.cpu: is unset, and the API server stores its default "2"; spec.limits is atomic, so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to "2")',
      'dev/shop LimitRange/limits [shop-dev/limits] spec.limits[0].default.memory: is unset, and the API server stores its default "1Gi"; spec.limits is atomic, so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to "1Gi")',
    ],
  },
  {
    name: 'canonical: a RoleBinding User subject without its apiGroup',
    build: (c) => {
      good(c);
      new ApiObject(c, 'binding', {
        apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'readers' },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'jane@example.com' }],
      });
    },
    expected: [
      'dev/shop RoleBinding/readers [shop-dev/binding] subjects[0].apiGroup: is unset, and the API server stores its default "rbac.authorization.k8s.io"; subjects is atomic, so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to "rbac.authorization.k8s.io")',
    ],
  },
  {
    name: 'canonical: a custom resource without the defaults its CRD fills into an atomic list',
    build: (c) => {
      good(c);
      new ApiObject(c, 'route', {
        apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'web' },
        spec: { parentRefs: [{ name: 'public', namespace: 'gateways' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 'web', port: 80, weight: 1 }] }] },
      });
    },
    expected: [
      'dev/shop HTTPRoute/web [shop-dev/route] spec.parentRefs[0].group: is unset, and the API server stores its default "gateway.networking.k8s.io"; spec.parentRefs is atomic, so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to "gateway.networking.k8s.io")',
      'dev/shop HTTPRoute/web [shop-dev/route] spec.parentRefs[0].kind: is unset, and the API server stores its default "Gateway"; spec.parentRefs is atomic, so server-side apply (kubectl --server-side, Argo CD, Flux) sees the applied value differ from the stored one (hint: set it to "Gateway")',
    ],
  },
  {
    name: 'canonical: a Secret with stringData, and base64 the server re-encodes',
    build: (c) => {
      good(c);
      new ApiObject(c, 'creds', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds' }, stringData: { password: 'dev-only' } });
      new ApiObject(c, 'token', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token' }, data: { token: 'QR==' } });
    },
    expected: [
      'dev/shop Secret/creds [shop-dev/creds] stringData: is merged into data by the API server and not stored: every apply sends it again, and a key removed from it stays in data, received keys ["password"] (hint: write the values base64-encoded under data)',
      'dev/shop Secret/token [shop-dev/token] data.token: is stored by the API server as "QQ==" (it keeps the decoded bytes), received "QR==" (hint: write "QQ==")',
    ],
  },
  {
    name: 'field ownership: replicas on a Deployment an HPA scales',
    build: (c) => patch(raw(good(c).web.deployment), JsonPatch.add('/spec/replicas', 3)),
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.replicas: is owned by HorizontalPodAutoscaler/web, which scales Deployment/web: every apply resets it and the HPA scales it back, received 3 (hint: leave spec.replicas out of a workload an HPA scales)',
    ],
  },
  // ── Construct cases ──────────────────────────────────────────────────────────────
  // ── Silent acceptance (issue 22): quota and LimitRange fit ──────────────────────────
  {
    name: 'quota: the pods at minimum replicas can never fit the namespace',
    build: (c) => {
      const b = baseline(c);
      webApp(c, 'web', { domain: c.env.domain });
      worker(c, 'mailer', 40);
      patch(raw(b.quota), JsonPatch.replace('/spec/hard/requests.cpu', '1'));
    },
    expected: [
      'dev/shop ResourceQuota/quota [shop-dev/quota] spec.hard["requests.cpu"]: the stack needs 1.2 at minimum replicas (Deployment/mailer 40 × 25m, Deployment/web 2 × 100m), more than the quota\'s 1: pods beyond it are refused at admission (hint: raise the ResourceQuota, or lower minimum replicas, requests or volume sizes; npm run report shows the whole budget)',
    ],
  },
  {
    name: 'quota: one run of a Job does not fit beside the floor',
    build: (c) => {
      const b = baseline(c);
      webApp(c, 'web', { domain: c.env.domain });
      patch(raw(b.quota), JsonPatch.replace('/spec/hard/pods', '2'));
      new k8s.KubeJob(c, 'seed', {
        metadata: { name: 'seed' },
        spec: { template: { spec: {
          ...ownIdentity(c, 'seed', 'job'),
          restartPolicy: 'Never', securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [restrictedContainer('seed', 'ghcr.io/acme/seed:1.0.0', c)],
        } } },
      });
    },
    expected: [
      "dev/shop Job/seed [shop-dev/seed] spec.template: one run (1 pod(s)) does not fit beside the stack at minimum replicas: 2 + 1 = 3, more than ResourceQuota/quota's 2, so its pods are refused and it never runs (hint: raise the ResourceQuota, or lower the Job's requests or the stack's minimum replicas)",
    ],
  },
  {
    name: 'LimitRange: a container above the maximum per container, and a limit the quota needs that nothing sets',
    build: (c) => {
      const b = baseline(c);
      const web = webApp(c, 'web', { domain: c.env.domain });
      patch(raw(b.limits), JsonPatch.add('/spec/limits/0/max', { memory: '1Gi' }), JsonPatch.remove('/spec/limits/0/default/cpu'));
      patch(raw(b.quota), JsonPatch.add('/spec/hard/limits.cpu', '16'));
      patch(raw(web.deployment), JsonPatch.replace(`${C0}/resources/limits/memory`, '2Gi'), JsonPatch.remove(`${C0}/resources/limits/cpu`));
    },
    expected: [
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].resources.limits.cpu: is not set, and no LimitRange gives a default, but ResourceQuota/quota constrains limits.cpu: the API server refuses the pod ("must specify limits.cpu") (hint: set resources.limits.cpu on the container, or a default in the LimitRange)',
      'dev/shop Deployment/web [shop-dev/web-deployment] spec.template.spec.containers[0].resources.limits.memory: is 2Gi, above LimitRange/limits\'s maximum per container of 1Gi: the API server refuses the pod (hint: keep the container within LimitRange/limits, or change its limits[0])',
    ],
  },
];

/** A WebService like the reference stacks', with `extra` props. */
function web(chart: StackChart, extra: Partial<WebServiceProps> = {}): WebService {
  return new WebService(chart, 'web', { image: 'ghcr.io/acme/web:1.2.0', ports: [{ name: 'http', port: 8080 }], ...extra });
}

/** Props as a user's JavaScript might pass them: what tsc would refuse, the synth doesn't type-check. */
const loose = (extra: Record<string, unknown>) => extra as Partial<WebServiceProps>;
const looseStore = (props: Record<string, unknown>) => props as unknown as StatefulStoreProps;

/** Construct-level cases: the build throws a ValidationError before anything renders. */
const constructCases: readonly Case[] = [
  {
    name: 'WebService: zero replicas and a port out of range',
    build: (c) => web(c, { replicas: 0, ports: [{ name: 'http', port: 70000 }] }),
    expected: [
      "[shop-dev/web] 'ports[0].port' must be an integer between 1 and 65535, received 70000",
      "[shop-dev/web] 'replicas' must be an integer >= 1, received 0",
    ],
  },
  {
    name: 'WebService: a literal value for a secret-looking env var',
    build: (c) => web(c, { env: { STRIPE_API_KEY: 'sk_live_123' } }),
    expected: [
      "[shop-dev/web] 'env.STRIPE_API_KEY' looks like a credential: use EnvValue.fromSecret() instead of a literal, received \"<redacted>\"",
    ],
  },
  {
    name: "WebService: a 'latest' image where the environment pins tags",
    env: prod,
    build: (c) => web(c, { image: 'ghcr.io/acme/web:latest' }),
    expected: [
      "[shop-prod/web] 'image' must be pinned to a tag other than 'latest' or a digest (mutable tags are allowed only where the environment permits them), received \"ghcr.io/acme/web:latest\"",
    ],
  },
  {
    name: 'WebService: a request above its limit, HPA min above max',
    build: (c) => web(c, {
      resources: { cpu: { request: '2', limit: '1' }, memory: { request: '128Mi', limit: '256Mi' } },
      autoscaling: { minReplicas: 5, maxReplicas: 3, cpuUtilization: 120 },
    }),
    expected: [
      "[shop-dev/web] 'resources.cpu.request' must not exceed its limit \"1\", received \"2\"",
      "[shop-dev/web] 'autoscaling.minReplicas' must not exceed autoscaling.maxReplicas (3), received 5",
      "[shop-dev/web] 'autoscaling.cpuUtilization' must be an integer percentage between 1 and 100, received 120",
    ],
  },
  {
    name: 'StatefulStore: a malformed storage size and generated credentials outside dev',
    env: prod,
    build: (c) => new StatefulStore(c, 'db', { engine: 'postgres', storage: { size: '10GB' }, credentials: { mode: 'generated' } }),
    expected: [
      "[shop-prod/db] 'storage.size' must be a Kubernetes quantity of at least 1Mi such as '10Gi', received \"10GB\"",
      "[shop-prod/db] 'credentials.mode' is a plaintext credential mode, allowed only where allowGenerated is true (dev); use 'external', 'sealed' or 'existing' outside dev, received \"generated\"",
    ],
  },
  {
    name: 'StatefulStore: backups for an engine that has none',
    build: (c) => new StatefulStore(c, 'cache', {
      engine: 'redis', credentials: { mode: 'generated' }, allowGeneratedCredentials: true, backup: { schedule: '0 25 * * *' },
    }),
    expected: [
      "[shop-dev/cache] 'backup' is not available for engine redis: redis keeps its data durable with AOF on its volume; berth backs up postgres and neo4j only, received {\"schedule\":\"0 25 * * *\"}",
    ],
  },
  {
    name: 'AppSecret: generated values outside dev',
    env: staging,
    build: (c) => new AppSecret(c, 'api-keys', { source: { mode: 'generated' }, keys: ['OPENAI_API_KEY'] }),
    expected: [
      "[shop-staging/api-keys] 'source.mode' is a plaintext credential mode, allowed only where allowGenerated is true (dev); use 'external', 'sealed' or 'existing' outside dev, received \"generated\"",
    ],
  },
  {
    name: 'IngressGateway: an invalid hostname and a port the service lacks',
    build: (c) => new IngressGateway(c, 'gateway', {
      capabilities: { ingressNginx: true, gatewayApi: false, istio: false, certManager: false },
      routes: [{ host: 'Shop_example', backend: { service: web(c), port: 'grpc' } }],
    }),
    expected: [
      "[shop-dev/gateway] 'routes[0].host' must be a DNS name such as \"shop.example.com\" (lowercase, optionally starting with \"*.\"), received \"Shop_example\"",
      "[shop-dev/gateway] 'routes[0].backend.port' must name a port of service \"web\" (http), received \"grpc\"",
    ],
  },
  {
    name: 'IngressGateway: canary weights that do not sum to 100',
    build: (c) => {
      const a = web(c);
      const b = new WebService(c, 'web-next', { image: 'ghcr.io/acme/web:1.3.0', ports: [{ name: 'http', port: 8080 }] });
      new IngressGateway(c, 'gateway', {
        capabilities: { ingressNginx: true, gatewayApi: false, istio: false, certManager: false },
        routes: [
          { host: 'shop.example.com', backend: { service: a } },
          { host: 'shop.example.com', backends: [{ service: a, weight: 80 }, { service: b, weight: 30 }] },
        ],
      });
    },
    expected: [
      "[shop-dev/gateway] 'routes[1].backends' weights must sum to 100, received [80,30]",
    ],
  },
  {
    name: 'StatefulStore: a backup schedule that is not a cron expression',
    build: (c) => new StatefulStore(c, 'db', {
      engine: 'postgres', credentials: { mode: 'generated' }, allowGeneratedCredentials: true, backup: { schedule: '0 25 * * *' },
    }),
    expected: [
      "[shop-dev/db] 'backup.schedule' must be a 5-field cron schedule (minute hour day-of-month month day-of-week) or a descriptor such as @daily (Constraint error, got value 25 expected range 0-23), received \"0 25 * * *\"",
    ],
  },
  {
    name: 'IngressGateway: two routes for the same host and path',
    build: (c) => {
      const a = web(c);
      new IngressGateway(c, 'gateway', {
        capabilities: { ingressNginx: true, gatewayApi: false, istio: false, certManager: false },
        routes: [{ host: 'shop.example.com', backend: { service: a } }, { host: 'shop.example.com', path: '/', backend: { service: a } }],
      });
    },
    expected: [
      "[shop-dev/gateway] 'routes[1]' duplicates the host, match and path of routes[0], received \"Prefix shop.example.com/\"",
    ],
  },
  {
    name: 'IngressGateway: istio mode where the environment runs no Istio, TLS without an issuer or secret',
    build: (c) => new IngressGateway(c, 'gateway', {
      mode: 'istio',
      capabilities: { ingressNginx: true, gatewayApi: false, istio: false, certManager: false },
      tls: {},
      routes: [{ host: 'shop.example.com', backend: { service: web(c) } }],
    }),
    expected: [
      "[shop-dev/gateway] 'mode' needs Istio in the cluster, but capabilities.istio is false, received \"istio\"",
      "[shop-dev/gateway] 'tls' must set issuer (cert-manager issues the certificates) or secretName (an existing TLS Secret), received {}",
    ],
  },
  {
    name: 'NamespaceBaseline: a quota with a malformed quantity',
    build: (c) => new NamespaceBaseline(c, 'baseline', { quota: { ...c.env.quota, limitsMemory: '64 GB' } }),
    expected: [
      "[shop-dev/baseline] 'quota.limitsMemory' must be a Kubernetes quantity, received \"64 GB\"",
    ],
  },
  // ── Silent acceptance (issue 22): props at run time, images, routes to stores, platform helpers ──
  {
    name: 'props: a misspelt WebService prop, with a did-you-mean',
    build: (c) => web(c, loose({ healthcheckPath: '/ready' })),
    expected: ["[shop-dev/web] 'healthcheckPath' is not a prop of WebService; did you mean 'healthPath'?"],
  },
  {
    name: 'props: an env value given as a number, and a number given as a string',
    build: (c) => web(c, loose({ env: { PORT: 8080, LOG_LEVEL: 'info' }, replicas: '3' })),
    expected: [
      "[shop-dev/web] 'env.PORT' must be a string or an EnvValue, received 8080",
      "[shop-dev/web] 'replicas' must be a number, received \"3\"",
    ],
  },
  {
    name: 'props: misspelt fields of nested option objects (autoscaling, metrics, ports)',
    build: (c) => web(c, loose({
      ports: [{ name: 'http', port: 8080, protocl: 'TCP' }],
      autoscaling: { minReplica: 2, maxReplicas: 4 },
      metrics: { prot: 'http' },
    })),
    expected: [
      "[shop-dev/web] 'ports[0].protocl' is not a field of ServicePortSpec; did you mean 'protocol'?",
      "[shop-dev/web] 'autoscaling.minReplica' is not a field of AutoscalingProps; did you mean 'minReplicas'?",
      "[shop-dev/web] 'autoscaling.minReplicas' must be a number, received undefined",
      "[shop-dev/web] 'metrics.prot' is not a field of MetricsProps; did you mean 'port'?",
    ],
  },
  {
    name: 'props: StatefulStore postgres and backup options, and a misspelt connectionEnv option',
    build: (c) => {
      new StatefulStore(c, 'db', looseStore({
        engine: 'postgres', credentials: { mode: 'generated' }, allowGeneratedCredentials: true,
        postgres: { databse: 'shop' }, backup: { retain: '7' },
      }));
    },
    expected: [
      "[shop-dev/db] 'postgres.databse' is not a field of PostgresOptions; did you mean 'database'?",
      "[shop-dev/db] 'backup.retain' must be a number, received \"7\"",
    ],
  },
  {
    name: 'props: a misspelt StatefulStore.connectionEnv option',
    build: (c) => {
      const db = new StatefulStore(c, 'db', { engine: 'redis', credentials: { mode: 'generated' }, allowGeneratedCredentials: true });
      web(c, { env: db.connectionEnv({ prefx: 'CACHE_' } as unknown as { prefix: string }) });
    },
    expected: ["[shop-dev/db] 'prefx' is not a field of ConnectionEnvOptions; did you mean 'prefix'?"],
  },
  {
    name: 'props: a misspelt route field',
    build: (c) => new IngressGateway(c, 'gateway', {
      capabilities: { ingressNginx: true, gatewayApi: false, istio: false, certManager: false },
      routes: [{ hots: 'shop.example.com', backend: { service: web(c) } } as unknown as GatewayRoute],
    }),
    expected: [
      "[shop-dev/gateway] 'routes[0].hots' is not a field of GatewayRoute; did you mean 'host'?",
      "[shop-dev/gateway] 'routes[0].host' must be a string, received undefined",
    ],
  },
  {
    name: 'props: a misspelt routeTo option',
    build: (c) => {
      const gateway = new IngressGateway(c, 'gateway', { capabilities: { ingressNginx: true, gatewayApi: false, istio: false, certManager: false } });
      gateway.routeTo(web(c), { host: 'shop.example.com', paht: '/api' } as unknown as RouteToOptions);
    },
    expected: ["[shop-dev/gateway] 'paht' is not a field of RouteToOptions; did you mean 'path'?"],
  },
  {
    name: 'props: AppSecret with a misspelt source mode',
    build: (c) => new AppSecret(c, 'api-keys', { source: { mode: 'externl', clusterSecretStore: 'vault' }, keys: ['TOKEN'] } as unknown as AppSecretProps),
    expected: ["[shop-dev/api-keys] 'source.mode' must be one of \"generated\", \"external\", \"sealed\", \"existing\", received \"externl\""],
  },
  {
    name: 'props: SharedConfig data with a number',
    build: (c) => new SharedConfig(c, 'flags', { data: { RETRIES: 3 } } as unknown as SharedConfigProps),
    expected: ["[shop-dev/flags] 'data.RETRIES' must be a string, received 3"],
  },
  {
    name: 'props: MigrationJob command as one string',
    build: (c) => new MigrationJob(c, 'migrate', { image: 'ghcr.io/acme/web:1.2.0', command: 'alembic upgrade head' } as unknown as MigrationJobProps),
    expected: ["[shop-dev/migrate] 'command' must be an array of strings, received \"alembic upgrade head\""],
  },
  {
    name: 'props: SmokeTest targets a store',
    build: (c) => {
      const db = new StatefulStore(c, 'db', { engine: 'redis', credentials: { mode: 'generated' }, allowGeneratedCredentials: true });
      // @ts-expect-error a StatefulStore is not IRoutable
      new SmokeTest(c, 'smoke', { targets: [{ service: db, port: 'redis', path: '/' }] });
    },
    expected: [
      "[shop-dev/smoke] 'targets[0].service' must be a service such as a WebService (a StatefulStore is never routed: its port would be reachable from outside), received <StatefulStore shop-dev/db>",
    ],
  },
  {
    name: 'props: NamespaceBaseline quota pods as a string',
    build: (c) => new NamespaceBaseline(c, 'baseline', { quota: { ...c.env.quota, pods: '60' } as unknown as QuotaSpec }),
    expected: ["[shop-dev/baseline] 'quota.pods' must be a number, received \"60\""],
  },
  {
    name: 'image: a space, capital letters in the repository, a digest that is not one',
    build: (c) => web(c, {
      image: 'ghcr.io/acme/web :1.2.0',
      initContainers: [{ name: 'migrate', image: 'ghcr.io/Acme/web:1.2.0' }, { name: 'seed', image: 'ghcr.io/acme/seed@sha256:abc' }],
    }),
    expected: [
      "[shop-dev/web] 'image' must not contain whitespace, received \"ghcr.io/acme/web :1.2.0\"",
      "[shop-dev/web] 'initContainers[0].image' must have a lowercase repository path (registries refuse capital letters), received \"ghcr.io/Acme/web:1.2.0\"",
      "[shop-dev/web] 'initContainers[1].image' must have a digest such as 'sha256:<64 lowercase hex digits>', received \"ghcr.io/acme/seed@sha256:abc\"",
    ],
  },
  {
    name: 'store: a public route to its port (a gateway route, a NodePort, a smoke test)',
    build: (c) => {
      const db = new StatefulStore(c, 'db', { engine: 'postgres', credentials: { mode: 'generated' }, allowGeneratedCredentials: true });
      const gateway = new IngressGateway(c, 'gateway', { mode: 'nodeport', capabilities: { ingressNginx: true, gatewayApi: false, istio: false, certManager: false } });
      // @ts-expect-error a StatefulStore is not IRoutable: tsc refuses it too
      gateway.routeTo(db, { host: 'db.example.com', nodePort: 30432 });
    },
    expected: [
      "[shop-dev/gateway] 'routes[0].backend.service' must be a service such as a WebService (a StatefulStore is never routed: its port would be reachable from outside), received <StatefulStore shop-dev/db>",
    ],
  },
  {
    name: 'store: admitting the internet to its port',
    build: (c) => {
      const db = new StatefulStore(c, 'db', { engine: 'redis', credentials: { mode: 'generated' }, allowGeneratedCredentials: true });
      db.allowFrom(Peer.internet());
    },
    expected: [
      "[shop-dev/db] 'allowFrom' must not admit addresses beyond private networks (10/8, 172.16/12, 192.168/16, 100.64/10, fc00::/7) to a store: its port would be reachable from outside; connect the services that use it (service.connectTo(store)), received \"0.0.0.0/0\"",
    ],
  },
  {
    name: 'found: a misspelt Probe option, and a probe path that is not a string',
    build: (c) => web(c, {
      readinessProbe: Probe.http('/ready', { periodSecond: 5 } as unknown as HttpProbeOptions),
      livenessProbe: Probe.http(8080 as unknown as string),
    }),
    expected: [
      "[shop-dev/web] 'readinessProbe.periodSecond' is not a field of HttpProbeOptions; did you mean 'periodSeconds'?",
      "[shop-dev/web] 'livenessProbe.path' must be a string, received 8080",
    ],
  },
  {
    name: 'found: a misspelt EnvFrom option, and EnvValue.fromValue with a number',
    build: (c) => web(c, {
      envFrom: [EnvFrom.secret('web-secrets', { prefx: 'APP_' } as unknown as EnvFromOptions)],
      env: { PORT: EnvValue.fromValue(8080 as unknown as string) },
    }),
    expected: [
      "[shop-dev/web] 'env.PORT' must hold a string (EnvValue.fromValue), received 8080",
      "[shop-dev/web] 'envFrom[0].prefx' is not a field of EnvFromOptions; did you mean 'prefix'?",
    ],
  },
  {
    name: 'found: an except range outside its CIDR, and ports of the wrong type, in allowTo',
    build: (c) => web(c).allowTo(Peer.cidr('10.0.0.0/16', ['10.1.0.0/24']), [{ name: 'https', port: '443' } as unknown as ServicePort]),
    expected: [
      "[shop-dev/web] 'allowTo(peer).except[0]' must be a range strictly inside 10.0.0.0/16, received \"10.1.0.0/24\"",
      "[shop-dev/web] 'allowTo(ports)[0].port' must be a number, received \"443\"",
      "[shop-dev/web] 'allowTo(ports)[0].targetPort' must be a number, received undefined",
    ],
  },
  {
    name: 'found: connectTo something that is not a berth workload',
    build: (c) => web(c).connectTo({ host: 'db.example.com' } as unknown as StatefulStore),
    expected: ["[shop-dev/web] 'connectTo(other)' must be a berth workload (a WebService, a StatefulStore, …) or a cdk8s-plus Deployment, StatefulSet, DaemonSet, Job or CronJob, received {\"host\":\"db.example.com\"}"],
  },
  {
    name: 'found: a CIDR /33 in allowTo',
    build: (c) => web(c).allowTo(Peer.cidr('10.0.0.0/33'), [{ name: 'https', port: 443, targetPort: 443 }]),
    expected: ["[shop-dev/web] 'allowTo(peer).cidr' must have a prefix length from 0 to 32, received \"10.0.0.0/33\""],
  },
  {
    name: 'policy: a scaling intent with min above max is refused, not made 5–5',
    env: prod,
    build: (c) => web(c, { scaling: { min: 5, max: 3 } }),
    expected: ["[shop-prod/web] 'scaling.min' must not exceed scaling.max (3): the fewest pods can't be more than the most, received 5"],
  },
  {
    name: 'policy: a storage tier the environment lacks is refused, not left to the engine default',
    env: prod,
    build: (c) => new StatefulStore(c, 'db', {
      engine: 'postgres', credentials: { mode: 'existing', secretName: 'db' }, postgres: { adminCredentials: { mode: 'existing', secretName: 'db-admin' } },
      storage: { tier: 'huge' },
    }),
    expected: ["[shop-prod/db] 'storage.tier' must be one of the environment's storage tiers (small, medium, large), received \"huge\""],
  },
  {
    name: 'platform: a host label with capitals',
    env: prod,
    build: (c) => hostFor(c, 'Shop'),
    expected: [
      "[shop-prod] 'hostFor().sub' must be '.'-separated DNS labels (lowercase letters, digits and '-', at most 63 each), such as 'api.shop', received \"Shop\"",
    ],
  },
];


describe('bad-input corpus', () => {
  test('has at least 30 cases', () => {
    expect(cases.length + constructCases.length).toBeGreaterThanOrEqual(30);
  });

  test.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => expectRefused(c));

  test.each(constructCases.map((c) => [c.name, c] as const))('%s', (_name, c) => expectRefused(c, 'stack definitions'));
});

describe('what the safety net accepts', () => {
  const ok = expectAccepted;

  test.each([dev, staging, prod])('the good stack passes in $name', (env) => ok(env, (c) => good(c)));

  test('dev allows plaintext Secrets and mutable tags, as its EnvironmentConfig says', () => ok(dev, (c) => {
    patch(good(c).web.deployment, JsonPatch.replace(`${C0}/image`, 'ghcr.io/acme/web:latest'));
    new kinds.KubeSecret(c, 'creds', { metadata: { name: 'creds' }, stringData: { password: 'dev-only' } });
  }));

  test('a StatefulSet mounts its volumeClaimTemplates; its headless Service exists', () => ok(prod, (c) => {
    good(c);
    store(c, 'db');
    // Its one client, so the port is not dead.
    new kinds.KubeNetworkPolicy(c, 'db-netpol', {
      metadata: { name: 'db' },
      spec: {
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } },
        policyTypes: ['Ingress'],
        ingress: [{ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } }], ports: [{ port: k8s.IntOrString.fromNumber(5432) }] }],
      },
    });
  }));

  test('ConfigMaps and Secrets declared external resolve', () => ok(prod, (c) => {
    patch(good(c).web.deployment,
      JsonPatch.add('/metadata/annotations', externalRefsAnnotation({ secrets: ['db-credentials'], configMaps: ['flags'] })),
      JsonPatch.add(`${C0}/envFrom/-`, { configMapRef: { name: 'flags' } }),
      JsonPatch.add(`${C0}/env/-`, { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db-credentials', key: 'password' } } }));
  }));

  test('fields under x-kubernetes-preserve-unknown-fields accept anything; the argocd stack needs no baseline', () => {
    const env = prod;
    const errors: string[] = [];
    const build = () => {
      const chart = new StackChart(new App(), 'argocd', env);
      new k8s.KubeNamespace(chart, 'ns', { metadata: { name: 'argocd-apps' } });
      new argo.Application(chart, 'app', {
        metadata: { name: 'shop-prod', namespace: 'argocd' },
        spec: {
          project: 'default',
          destination: { server: 'https://kubernetes.default.svc', namespace: 'shop-prod' },
          source: { repoUrl: 'https://github.com/example-org/berth.git', path: 'dist/prod/shop', targetRevision: 'main', helm: { valuesObject: { any: { shape: [1, 'two'] } } } },
        },
      });
      return [{ env: env.name, stack: 'argocd', chart }];
    };
    const r = synthesize(build, { outdir: path.join(tmpdir('berth-corpus-'), 'dist'), validators: validatorsFor([env]), log: () => undefined, error: (l) => errors.push(l) });
    expect(errors).toEqual([]);
    expect(r.exitCode).toBe(0);
  });
});

// ── Silent acceptance (issue 22): environment data and the stack list ──────────────────
// Checked where the synth plans the charts (planFor), before anything is built.

interface PlanCase {
  readonly name: string;
  readonly envs: readonly EnvironmentConfig[];
  /** @default two small stacks, `shop` and `nexus` (the one the reference environments override) */
  readonly stacks?: readonly StackDefinition[];
  readonly expected: readonly string[];
}

const shopStack: StackDefinition = { id: 'shop', build: (chart) => { webApp(chart, 'web', { domain: chart.env.domain }); } };
const SMALL_STACKS: readonly StackDefinition[] = [shopStack, { ...shopStack, id: 'nexus' }];
/** An environment with a mistake in it, typed loosely as a user's JavaScript might hold it. */
const envWith = (env: EnvironmentConfig, patch: Record<string, unknown>) => ({ ...env, ...patch }) as unknown as EnvironmentConfig;

const planCases: readonly PlanCase[] = [
  {
    name: 'environments: a duplicate environment name',
    envs: [dev, staging, { ...prod, name: 'staging' }],
    expected: ["[charts/environments.ts: ENVIRONMENTS[2]] 'name' duplicates ENVIRONMENTS[1]'s name: both would write dist/staging/, received \"staging\""],
  },
  {
    name: 'environments: a missing storage tier (silently 10Gi before)',
    envs: [envWith(prod, { storage: { storageClass: 'premium-rwo', sizes: { small: '5Gi', large: '100Gi' } } })],
    expected: ["[charts/environments.ts: prod] 'storage.sizes.medium' must be a storage size such as 10Gi, received undefined"],
  },
  {
    name: 'environments: an API server CIDR /33 and a port out of range',
    envs: [envWith(prod, { apiServer: { cidr: '10.20.0.0/33', port: 70000 } })],
    expected: [
      "[charts/environments.ts: prod] 'apiServer.port' must be an integer from 1 to 65535, received 70000",
      "[charts/environments.ts: prod] 'apiServer.cidr' must have a prefix length from 0 to 32, received \"10.20.0.0/33\"",
    ],
  },
  {
    name: 'environments: a gateway override for a stack that does not exist',
    envs: [envWith(prod, { gateway: { ...prod.gateway, overrides: { shopp: 'istio' } } })],
    expected: ["[charts/environments.ts: prod] 'gateway.overrides.shopp' names no stack (did you mean 'shop'? stacks: shop, nexus), received \"shopp\""],
  },
  {
    name: 'environments: external secrets, TLS and monitoring without their operators',
    envs: [envWith(prod, { capabilities: { ...prod.capabilities, externalSecrets: false, certManager: false, prometheusOperator: false } })],
    expected: [
      "[charts/environments.ts: prod] 'secrets.mode' needs the External Secrets Operator in the cluster, but capabilities.externalSecrets is false, received \"external\"",
      `[charts/environments.ts: prod] 'tls' needs cert-manager in the cluster, but capabilities.certManager is false, received ${JSON.stringify(prod.tls)}`,
      "[charts/environments.ts: prod] 'monitoring' needs the Prometheus Operator in the cluster, but capabilities.prometheusOperator is false, received true",
    ],
  },
  {
    name: 'environments: a misspelt field and a quota quantity with a space',
    envs: [envWith(dev, { image: { pin: 'mutable' }, quota: { ...dev.quota, limitsMemory: '48 Gi' } })],
    expected: [
      "[charts/environments.ts: dev] 'image' is not a field of EnvironmentConfig; did you mean 'images'?",
      "[charts/environments.ts: dev] 'quota.limitsMemory' must be a Kubernetes quantity such as 500m, 2 or 10Gi, received \"48 Gi\"",
    ],
  },
  {
    name: 'found: TLS where a stack is served by node ports',
    envs: [envWith(prod, { gateway: { ...prod.gateway, overrides: { nexus: 'nodeport' } } })],
    expected: ["[charts/environments.ts: prod] 'gateway.overrides.nexus' serves plain TCP on node ports, but tls is set: no route could be served over HTTPS, received \"nodeport\""],
  },
  {
    name: "stacks: an id that is berth's own output directory, and a duplicate id",
    envs: [dev],
    stacks: [shopStack, { id: 'argocd', build: () => undefined }, { id: 'shop', build: () => undefined }],
    expected: [
      "[charts/index.ts: STACKS[1]] 'id' is berth's own output directory (dist/<env>/argocd/): choose another id, received \"argocd\"",
      "[charts/index.ts: STACKS[2]] 'id' duplicates STACKS[0]'s id: both would write dist/<env>/shop/, received \"shop\"",
    ],
  },
  {
    name: 'stacks: an id that is not a DNS label',
    envs: [dev],
    stacks: [{ id: 'Shop_v2', build: () => undefined }],
    expected: ["[charts/index.ts: STACKS[0]] 'id' must be a DNS label (lowercase letters, digits and '-', at most 63): it names dist/<env>/<id>/ and the namespace, received \"Shop_v2\""],
  },
];

describe('bad-input corpus: environment data and the stack list', () => {
  const runPlan = (c: PlanCase) => {
    const outdir = path.join(tmpdir('berth-corpus-'), 'dist');
    fs.mkdirSync(path.join(outdir, 'dev', 'shop'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'dev', 'shop', '00-namespace-shop.yaml'), 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n');
    const before = listTree(outdir);
    const errors: string[] = [];
    const stacks = c.stacks ?? SMALL_STACKS;
    // The corpus' stacks name every image's version: their release files are empty.
    const releases = releasesFor(c.envs.map((e) => e.name), []);
    const { exitCode } = synthesize(() => planFor(c.envs, stacks, { releases }), {
      outdir, validators: validatorsFor(c.envs), log: () => undefined, error: (l) => errors.push(l),
    });
    return { exitCode, errors, before, after: listTree(outdir) };
  };

  test.each(planCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const r = runPlan(c);
    expect(r.errors.slice(1)).toEqual(c.expected.map((l) => `  ${l}`));
    expect(r.errors[0]).toBe(`berth: synth refused: ${c.expected.length} problem(s) in the stack definitions; dist/ was not changed`);
    expect(r.exitCode).toBe(1);
    expect(r.after).toEqual(r.before);
  });

  test('the same environments and stacks, without the mistakes, synthesize', () => {
    const r = runPlan({ name: 'ok', envs: [dev, staging, prod], expected: [] });
    expect(r.errors).toEqual([]);
    expect(r.exitCode).toBe(0);
  });
});
