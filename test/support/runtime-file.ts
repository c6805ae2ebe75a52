import { afterAll } from 'vitest';

/**
 * Runs before each runtime test file (vitest.config.ts: the runtime project shares a worker between
 * files, as the unit project does). A runtime writes its admin function's settings into `process.env`
 * for the file's own table reads (local/runtime.ts): put the environment back as the file found it,
 * so that a later file, or a process it spawns (`npm start`, `audit:verify`), never meets the
 * endpoints of a runtime that is gone.
 */
const before = { ...process.env };
afterAll(() => {
  for (const k of Object.keys(process.env)) if (!(k in before)) delete process.env[k];
  Object.assign(process.env, before);
});
