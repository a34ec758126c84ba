// `berth/testing/setup`: for jest's setupFilesAfterEnv; registers berth's matchers.
import { berthMatchers } from '../synth/testing';

expect.extend(berthMatchers);
