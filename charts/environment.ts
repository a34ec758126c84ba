/**
 * Everything that differs between environments, as typed data. Charts read it and pass
 * plain values to constructs; constructs never look at an environment's name.
 */
export interface EnvironmentConfig {
  /** `dev`, `staging` or `prod`: the directory under `dist/`. */
  readonly name: string;
  /** Base DNS domain for routed hosts, such as `dev.example.com`. */
  readonly domain: string;
  /** Accept `latest` and untagged images (dev only). */
  readonly allowMutableImageTags: boolean;
  /**
   * Accept core `Secret` objects with plaintext data in `dist/` (dev only); elsewhere
   * secrets come from ExternalSecrets or SealedSecrets.
   * @default false
   */
  readonly allowPlaintextSecrets?: boolean;
  /** Where Argo CD reads `dist/` from. */
  readonly gitops: { readonly repoURL: string; readonly revision: string };
}

/** `<stack>-<env>`: one namespace per stack installation. */
export function namespaceFor(stack: string, env: EnvironmentConfig): string {
  return `${stack}-${env.name}`;
}
