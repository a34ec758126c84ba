// `berth/validate`: the safety net for any cdk8s app. `validateApp(app)` before `app.synth()`.
export type { SafetyNetResult, ValidateOptions } from '../synth/safety-net';
export { checkSafetyNet, SafetyNetError, safetyNetFor, validateApp, validateChart } from '../synth/safety-net';
export type { Finding, Validator } from '../synth/finding';
export { formatFinding } from '../synth/finding';
export type { Manifest, RenderedObject, RenderedStack, SynthUnit } from '../synth/render';
export { renderUnit } from '../synth/render';
export * from '../synth/validate';
export { perObject, perStack, Report } from '../synth/validate/report';
export type { BerthValidationProperties, PluginContext } from '../synth/cdk8s-plugin';
export { BerthValidation } from '../synth/cdk8s-plugin';
