import { RemovalPolicy } from 'aws-cdk-lib';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { BlockPublicAccess, Bucket, BucketEncryption, type IBucket } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type { Registry } from '../../functions/core/model.ts';

export const REGISTRY_KEY = 'processors.json';

/**
 * The processor registry as an S3 object that functions read once per cold start.
 *
 * Why not an environment variable: Lambda caps a function's whole environment at 4 KB, and the
 * registry grows by about 370 bytes per processor (seven took 2.6 KB), so the tenth processor would
 * have broken `cdk deploy`. Why not bundled into the code: the registry is configuration, the same
 * bundle must run against the demo processors locally, and S3 has no practical size limit.
 */
export class ProcessorRegistry extends Construct {
  readonly bucket: Bucket;

  constructor(scope: Construct, id: string, props: { registry: Registry; accessLogs: IBucket }) {
    super(scope, id);
    this.bucket = new Bucket(this, 'Bucket', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: props.accessLogs,
      serverAccessLogsPrefix: 'registry/',
      removalPolicy: RemovalPolicy.DESTROY,
    });
    new BucketDeployment(this, 'Deploy', { sources: [Source.jsonData(REGISTRY_KEY, props.registry)], destinationBucket: this.bucket, prune: true });
  }

  /** What a function needs to find the registry. */
  get environment(): Record<string, string> {
    return { REGISTRY_BUCKET: this.bucket.bucketName, REGISTRY_KEY };
  }

  /** Read the one object, nothing else: no listing, no other key. */
  grantRead(g: IGrantable) {
    return Grant.addToPrincipal({ grantee: g, actions: ['s3:GetObject'], resourceArns: [this.bucket.arnForObjects(REGISTRY_KEY)] });
  }
}
