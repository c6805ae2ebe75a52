import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import type { IKey } from 'aws-cdk-lib/aws-kms';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { PACKAGE_KEEP_DAYS } from '../../functions/core/completion.ts';

/**
 * Export packages: KMS-encrypted, private, TLS only. A download link works 72 hours; the package is
 * kept 30 days, as long as the verified mailbox a fresh link goes to, and S3 deletes it at the first
 * midnight (UTC) at least 30 days after it was made. No link outlives it (packageKeptUntil in
 * core/completion.ts, counted from its making, not from the request's closing).
 */
export class ExportStore extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: { key: IKey }) {
    super(scope, id);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, 'Exports', {
      encryption: BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'exports/',
      lifecycleRules: [{ expiration: Duration.days(PACKAGE_KEEP_DAYS) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
