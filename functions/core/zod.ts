import { en } from 'zod/locales';
import { config } from 'zod/mini';

/**
 * zod's tree-shakable build, re-exported name by name (`import * as z from './zod.ts'`): a bundle
 * keeps only the validators it uses, where the classic API is about 188 KB in every function.
 * Re-exporting zod/mini's own `z` object instead would keep all of it. zod/mini loads no messages
 * of its own; English keeps field-level 4xx messages as they were.
 */
config(en());

export * from 'zod/mini';
