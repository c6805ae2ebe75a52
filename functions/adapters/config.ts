import { type Config, loadConfig } from './env.ts';

/**
 * This process's configuration, read once at module load: a setting out of bounds fails the cold
 * start, naming it. The schema is in env.ts, which the stack imports too, with no environment to read.
 */
export const config: Config = loadConfig(process.env);
