import { Validator } from './index';

/** The checks every synth runs before writing (the safety net adds to this list). */
export const validators: readonly Validator[] = [];
