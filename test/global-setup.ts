import { ensureAssembly } from '../local/assembly/synth.ts';
import { quickAnswersAssembly } from './support/assembly.ts';

/** Synthesizes the cloud assembly once, before any test file runs; every suite then runs those bytes. */
export default function setup() {
  ensureAssembly();
  // The runtime tests' variant (harness.ts), once, before any file boots a runtime on it.
  quickAnswersAssembly();
}
