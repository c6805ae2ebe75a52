import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface DeployedFunction {
  /** The folder under functions/, from the construct path Lethe/Functions/<name>/Resource. */
  readonly name: string;
  readonly s3Key: string;
  /** Absolute path of the staged asset directory that cdk-assets zips and uploads to s3Key. */
  readonly assetDir: string;
  /** Environment.Variables as in the template: strings, or intrinsics resolved at deploy time. */
  readonly environment: Record<string, unknown>;
  /** The staged directories of its layers (Ref to this stack's LayerVersions), in order: what Lambda extracts under /opt. */
  readonly layerDirs: string[];
}

interface Manifest {
  artifacts: Record<string, { type: string; properties?: { templateFile?: string; file?: string } }>;
}
interface AssetManifest {
  files: Record<string, { source: { path: string }; destinations: Record<string, { objectKey: string }> }>;
}
interface Template {
  Resources: Record<
    string,
    { Type: string; Properties: { Code?: { S3Key?: unknown }; Content?: { S3Key?: unknown }; Environment?: { Variables?: Record<string, unknown> }; Layers?: unknown[] }; Metadata?: Record<string, unknown> }
  >;
}

const readJson = <T>(file: string) => JSON.parse(readFileSync(file, 'utf8')) as T;

/**
 * The application Lambdas of a synthesized cloud assembly (`cdk.out`, or `app.synth().directory`)
 * and the asset each one deploys, found the way cdk-assets finds it: S3Key → asset manifest → source.
 * Needs path metadata, which the CLI turns on and a test App must ask for.
 */
export function deployedFunctions(assemblyDir: string, stackName = 'Lethe'): DeployedFunction[] {
  const { artifacts } = readJson<Manifest>(join(assemblyDir, 'manifest.json'));
  const templateFile = artifacts[stackName]?.properties?.templateFile;
  if (!templateFile) throw new Error(`no stack ${stackName} in the cloud assembly at ${assemblyDir}`);
  const template = readJson<Template>(join(assemblyDir, templateFile));
  const assetFiles = Object.values(artifacts)
    .filter((a) => a.type === 'cdk:asset-manifest' && a.properties?.file)
    .flatMap((a) => Object.values(readJson<AssetManifest>(join(assemblyDir, a.properties!.file!)).files));
  const assetDir = (s3Key: unknown, what: string) => {
    const asset = assetFiles.find((f) => Object.values(f.destinations).some((d) => d.objectKey === s3Key));
    if (!asset) throw new Error(`${what}: no asset in the manifest uploads to ${s3Key}`);
    return join(assemblyDir, asset.source.path);
  };
  const prefix = `${stackName}/Functions/`;
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::Lambda::Function' && String(r.Metadata?.['aws:cdk:path'] ?? '').startsWith(prefix))
    .map((r) => {
      const path = String(r.Metadata!['aws:cdk:path']);
      const name = path.slice(prefix.length).split('/')[0];
      const s3Key = r.Properties.Code?.S3Key;
      if (typeof s3Key !== 'string') throw new Error(`${path} has no literal Code.S3Key`);
      const layerDirs = (r.Properties.Layers ?? []).map((l) => {
        const layer = template.Resources[(l as { Ref?: string }).Ref ?? ''];
        if (layer?.Type !== 'AWS::Lambda::LayerVersion') throw new Error(`${path}: a layer that is not this stack's own, ${JSON.stringify(l)}`);
        return assetDir(layer.Properties.Content?.S3Key, `${path}'s layer`);
      });
      return { name, s3Key, assetDir: assetDir(s3Key, path), environment: r.Properties.Environment?.Variables ?? {}, layerDirs };
    });
}
