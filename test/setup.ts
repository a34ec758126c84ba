// Registers berth's jest matchers (synth/testing.ts) for every test file.
import { berthMatchers } from '../synth/testing';

expect.extend(berthMatchers);
