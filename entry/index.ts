// `berth`: the construct library, for a cdk8s app of your own (see docs/library.md).
export * from '../constructs';
export * from '../constructs/provided-secret';
export { PostgresPooler } from '../constructs/stateful-store-pooler';
export type { BackupPolicy, ImagesPolicy, PlatformPolicy, PullPolicy } from '../constructs/core/policy';
export { platformPolicy, POLICY_CONTEXT, pullPolicyOf } from '../constructs/core/policy';
export type { AppIdentity, AppLabels } from '../constructs/core/labels';
export { appLabels } from '../constructs/core/labels';
