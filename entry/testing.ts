// `berth/testing`: jest matchers (`expect(chart).toPassSafetyNet()`); register them with
// `expect.extend(berthMatchers)`, or list `berth/testing/setup` in jest's setupFilesAfterEnv.
export type { SafetyNetMatcherOptions } from '../synth/testing';
export { berthMatchers, findingsOf } from '../synth/testing';
