import { Capabilities, EnvironmentConfig } from './environment';

const gitops = { repoURL: 'https://github.com/example-org/berth.git', revision: 'main', argocdNamespace: 'argocd' };

const ALL_OPERATORS: Capabilities = {
  ingressNginx: true, certManager: true, externalSecrets: true, sealedSecrets: true, prometheusOperator: true, istio: true, gatewayApi: true, vpa: true,
};

/** A plain kind/minikube cluster with an nginx ingress controller and nothing else. */
export const dev: EnvironmentConfig = {
  name: 'dev',
  domain: 'dev.berth.example.com',
  appEnvironment: 'development',
  logLevel: 'debug',
  scaling: { replicas: 1, autoscaling: false, maxReplicasDivisor: 1 },
  storage: { sizes: { small: '1Gi', medium: '2Gi', large: '5Gi' } },
  secrets: { mode: 'generated' },
  // kind's node network.
  apiServer: { cidr: '172.18.0.0/16', port: 6443 },
  // Local builds, named as the plans build them, loaded with `kind load` / `minikube image load`.
  images: { pin: 'mutable', pullPolicy: 'IfNotPresent' },
  gateway: { mode: 'ingress', overrides: {}, ingressClassName: 'nginx', controllerNamespace: 'ingress-nginx' },
  quota: { requestsCpu: '6', requestsMemory: '12Gi', limitsCpu: '24', limitsMemory: '48Gi', requestsStorage: '50Gi', pods: 60, persistentVolumeClaims: 20, requestsEphemeralStorage: '50Gi', limitsEphemeralStorage: '50Gi' },
  monitoring: false,
  capabilities: {
    ingressNginx: true, certManager: false, externalSecrets: false, sealedSecrets: false, prometheusOperator: false, istio: false, gatewayApi: false, vpa: false,
  },
  gitops,
};

export const staging: EnvironmentConfig = {
  name: 'staging',
  domain: 'staging.berth.example.com',
  appEnvironment: 'production',
  logLevel: 'info',
  scaling: { replicas: 2, autoscaling: true, maxReplicasDivisor: 2 },
  tls: {
    issuer: { name: 'letsencrypt-staging', kind: 'ClusterIssuer' },
    meshIssuer: { name: 'letsencrypt-staging-dns01', kind: 'ClusterIssuer' },
  },
  storage: { storageClass: 'standard-rwo', sizes: { small: '2Gi', medium: '10Gi', large: '20Gi' } },
  secrets: { mode: 'external', clusterSecretStore: 'berth-staging' },
  apiServer: { cidr: '10.10.0.0/24', port: 443 },
  images: { registry: 'registry.example.com', pin: 'tag', pullPolicy: 'Always' },
  // istioctl's default profile names the ingress gateway's ServiceAccount and pods so.
  gateway: {
    mode: 'ingress', overrides: { nexus: 'istio' }, ingressClassName: 'nginx', controllerNamespace: 'ingress-nginx',
    istioGateway: { serviceAccount: 'istio-ingressgateway-service-account', podLabels: { istio: 'ingressgateway' } },
  },
  quota: { requestsCpu: '12', requestsMemory: '24Gi', limitsCpu: '48', limitsMemory: '96Gi', requestsStorage: '200Gi', pods: 120, persistentVolumeClaims: 30, requestsEphemeralStorage: '100Gi', limitsEphemeralStorage: '100Gi' },
  monitoring: true,
  backups: { schedule: '30 2 * * *', retain: 3, size: '10Gi' },
  capabilities: ALL_OPERATORS,
  gitops,
};

export const prod: EnvironmentConfig = {
  name: 'prod',
  domain: 'berth.example.com',
  appEnvironment: 'production',
  logLevel: 'info',
  scaling: { replicas: 3, autoscaling: true, maxReplicasDivisor: 1 },
  tls: {
    issuer: { name: 'letsencrypt-prod', kind: 'ClusterIssuer' },
    meshIssuer: { name: 'letsencrypt-prod-dns01', kind: 'ClusterIssuer' },
  },
  storage: { storageClass: 'premium-rwo', sizes: { small: '5Gi', medium: '20Gi', large: '100Gi' } },
  secrets: { mode: 'external', clusterSecretStore: 'berth-prod' },
  apiServer: { cidr: '10.20.0.0/24', port: 443 },
  images: { registry: 'registry.example.com', pin: 'tag', pullPolicy: 'Always' },
  // Prod runs only what passed in staging: `npm run release -- promote staging prod`.
  releasesFrom: 'staging',
  gateway: {
    mode: 'ingress', overrides: { nexus: 'istio' }, ingressClassName: 'nginx', controllerNamespace: 'ingress-nginx',
    istioGateway: { serviceAccount: 'istio-ingressgateway-service-account', podLabels: { istio: 'ingressgateway' } },
  },
  quota: { requestsCpu: '24', requestsMemory: '48Gi', limitsCpu: '96', limitsMemory: '192Gi', requestsStorage: '1Ti', pods: 250, persistentVolumeClaims: 40, requestsEphemeralStorage: '200Gi', limitsEphemeralStorage: '200Gi' },
  monitoring: true,
  backups: { schedule: '0 2 * * *', retain: 14, size: '50Gi' },
  capabilities: ALL_OPERATORS,
  // Prod syncs a branch that only moves after a promotion merges (README: Releasing).
  gitops: { ...gitops, revision: 'release/prod' },
  // Two regions, both registered in the Argo CD that runs prod (a hub); each also runs Flux.
  // eu-west keeps the environment's values; us-east has its own domain, StorageClass and API server.
  clusters: [
    { name: 'eu-west', destination: { name: 'prod-eu-west' } },
    {
      name: 'us-east',
      destination: { name: 'prod-us-east' },
      domain: 'us.berth.example.com',
      storageClass: 'gp3',
      apiServer: { cidr: '10.40.0.0/24', port: 443 },
    },
  ],
};

/** In synth order. */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [dev, staging, prod];
