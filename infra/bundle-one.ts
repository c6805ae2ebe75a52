import { build } from 'esbuild';
import { bundleOptions } from './bundling.ts';

// Run by the CDK's local bundler: `node --import tsx infra/bundle-one.ts <fn> <outDir>`.
const [fn, outDir] = process.argv.slice(2);
await build(bundleOptions(fn, `${outDir}/index.mjs`));
