import { ensureAssembly } from '../local/assembly/synth.ts';

/** Synthesizes the cloud assembly once, before any test file runs; every suite then runs those bytes. */
export default function setup() {
  ensureAssembly();
}
