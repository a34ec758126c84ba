// The cdk8s-cli validation plugin: `package: ./node_modules/berth/lib/entry/plugin.js`,
// `class: BerthValidation` under `validations:` in cdk8s.yaml (see docs/library.md).
export type { BerthValidationProperties } from '../synth/cdk8s-plugin';
export { BerthValidation } from '../synth/cdk8s-plugin';
