/**
 * The single DynamoDB table. Keys, indexes and the TTL attribute come from
 * lambdas/store/table-definition.ts, the same module DynamoDB Local tables are created from, so
 * tests always run against the shape production has.
 *
 * Durability and safety are not optional: on-demand billing (provisioning traffic is bursty:
 * an Okta import or a group push), point-in-time recovery, deletion protection, and a stream of
 * new and old images for change events. Encryption is AWS-owned by default (no KMS cost or
 * key policy to manage); a customer-managed key can be passed when policy requires one.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { GLOBAL_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '../../lambdas/deployment';

export interface ScimTableProps {
  /** Customer-managed key for server-side encryption; default: AWS-owned key. */
  readonly encryptionKey?: kms.IKey;
  /** Default RETAIN: a stack deletion must never take the directory with it. */
  readonly removalPolicy?: RemovalPolicy;
}

export class ScimTable extends Construct {
  readonly table: dynamodb.Table;
  readonly encryptionKey?: kms.IKey;

  constructor(scope: Construct, id: string, props: ScimTableProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // Deletion protection follows the removal policy: a table meant to be destroyed with the
      // stack (a test stack) cannot also refuse deletion.
      deletionProtection: removalPolicy !== RemovalPolicy.DESTROY,
      removalPolicy,
      timeToLiveAttribute: TTL_ATTRIBUTE,
      stream: dynamodb.StreamViewType.NEW_AND_OLD_IMAGES,
      ...(props.encryptionKey
        ? { encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED, encryptionKey: props.encryptionKey }
        : { encryption: dynamodb.TableEncryption.DEFAULT }),
    });
    for (const index of GLOBAL_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
    if (props.encryptionKey) this.encryptionKey = props.encryptionKey;
  }
}
