/**
 * The statements bucket (layout in docs/architecture.md) and its access-log bucket.
 *
 * Encryption is SSE-S3, not SSE-KMS: who may read what is already decided by
 * prefix-scoped IAM grants (ingest reads incoming/*, send reads rendered/*, …),
 * which a KMS key would only repeat; SSE-KMS would add a KMS call and charge per
 * object read, and every uploader (the comms team's `aws s3 cp`) would also need
 * key permissions. Server access logs cannot be delivered to SSE-KMS buckets at
 * all, so the log bucket is SSE-S3 regardless.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  type IBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { acknowledge } from './nag';

export interface StatementsBucketProps {
  /**
   * How long superseded object versions are kept (uploads are never deleted, only superseded).
   * @default Duration.days(365)
   */
  readonly noncurrentVersionExpiration?: Duration;
  /**
   * How long access logs are kept.
   * @default Duration.days(365)
   */
  readonly accessLogExpiration?: Duration;
}

export class StatementsBucket extends Construct {
  readonly bucket: Bucket;
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: StatementsBucketProps = {}) {
    super(scope, id);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [
        {
          id: 'expire-access-logs',
          expiration: props.accessLogExpiration ?? Duration.days(365),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // An audit trail of who uploaded what: kept when the stack is deleted.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledge(
      this.accessLogs,
      ['AwsSolutions-S1'],
      'This is the server access log bucket; logging its own access would recurse.',
    );

    this.bucket = new Bucket(this, 'Bucket', {
      versioned: true,
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: asBucketInterface(this.accessLogs),
      serverAccessLogsPrefix: 'statements/',
      lifecycleRules: [
        {
          id: 'expire-superseded-versions',
          noncurrentVersionExpiration: props.noncurrentVersionExpiration ?? Duration.days(365),
          abortIncompleteMultipartUploadAfter: Duration.days(7),
        },
      ],
      // The statements, rejections and rendered emails are the record of what was
      // sent to whom: never deleted with the stack (delete by hand, docs/deploy.md).
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** The L1 bucket, for nag finding ids that name its logical id. */
  get cfnBucket(): CfnBucket {
    return this.bucket.node.defaultChild as CfnBucket;
  }
}

/**
 * aws-cdk-lib's Bucket type misses IBucket under exactOptionalPropertyTypes
 * (`isWebsite?: boolean | undefined`), though every Bucket is one: a guard says so
 * without a cast.
 */
function asBucketInterface(bucket: Bucket): IBucket {
  if (!isBucketInterface(bucket)) throw new TypeError('not a bucket');
  return bucket;
}

function isBucketInterface(value: unknown): value is IBucket {
  return value instanceof Bucket;
}
