import { EnvironmentConfig } from './environment';

const gitops = { repoURL: 'https://github.com/example-org/berth.git', revision: 'main' };

export const dev: EnvironmentConfig = {
  name: 'dev',
  domain: 'dev.berth.example.com',
  allowMutableImageTags: true,
  allowPlaintextSecrets: true,
  gitops,
};

export const staging: EnvironmentConfig = {
  name: 'staging',
  domain: 'staging.berth.example.com',
  allowMutableImageTags: false,
  gitops,
};

export const prod: EnvironmentConfig = {
  name: 'prod',
  domain: 'berth.example.com',
  allowMutableImageTags: false,
  gitops,
};

/** In synth order. */
export const ENVIRONMENTS: readonly EnvironmentConfig[] = [dev, staging, prod];
