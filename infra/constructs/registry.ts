import { createHash, randomUUID } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Code, type Function as LambdaFunction, LayerVersion, Runtime } from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import type { Registry } from '../../functions/core/model.ts';

/** Where a function finds the registry: Lambda extracts a layer's files under /opt. */
export const REGISTRY_DIR = 'lethe';
export const REGISTRY_FILE = `/opt/${REGISTRY_DIR}/processors.json`;

/**
 * The processor registry as a Lambda layer holding one file, `/opt/lethe/processors.json`, that
 * functions read from disk once per cold start.
 *
 * Why not an environment variable: Lambda caps a function's whole environment at 4 KB, and the
 * registry grows by about 370 bytes per processor (seven took 2.6 KB), so the tenth processor would
 * have broken `cdk deploy`. A layer's limit is the function's 250 MB unzipped.
 *
 * Why not an S3 object read at init (until November 26, 2026): every cold start of the eight
 * functions that read it paid an S3 request, the SDK's first, before its first invocation; and a
 * registry changed alone left warm containers on the old one until they were recycled, so a new
 * processor's callbacks could meet a Callback that did not know it. A layer version is immutable and
 * each function names its version, so a changed registry updates every reader's configuration and
 * Lambda starts fresh environments with it.
 *
 * Why not bundled into the code: the registry is configuration; the same code bundle runs against
 * the demo processors locally, where the runtime gives the functions a copy of this layer with each
 * endpoint pointed at its demo twin (local/runtime.ts), as Lambda would mount another layer version.
 */
export class ProcessorRegistry extends Construct {
  readonly layer: LayerVersion;

  constructor(scope: Construct, id: string, props: { registry: Registry }) {
    super(scope, id);
    // The layer's content, staged by CDK like any asset; named by its hash, so synths reuse it.
    const body = JSON.stringify(props.registry);
    const dir = join(tmpdir(), `lethe-registry-${createHash('sha256').update(body).digest('hex').slice(0, 16)}`);
    mkdirSync(join(dir, REGISTRY_DIR), { recursive: true });
    // Written outside the asset and renamed into place: a synth beside this one never stages half a file.
    const part = join(tmpdir(), `lethe-registry-${process.pid}-${randomUUID()}.json`);
    writeFileSync(part, body);
    renameSync(part, join(dir, REGISTRY_DIR, 'processors.json'));
    this.layer = new LayerVersion(this, 'Layer', {
      code: Code.fromAsset(dir),
      compatibleRuntimes: [Runtime.NODEJS_22_X],
      description: `Lethe processor registry, version ${props.registry.version}, ${props.registry.processors.length} processors`,
    });
  }

  /** Mounts the registry in the function and tells it where. */
  readBy(fn: LambdaFunction) {
    fn.addLayers(this.layer);
    fn.addEnvironment('REGISTRY_FILE', REGISTRY_FILE);
  }
}
