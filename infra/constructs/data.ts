import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, Billing, ProjectionType, TableEncryptionV2, TableV2 } from 'aws-cdk-lib/aws-dynamodb';
import { Key } from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { TABLE } from '../../functions/adapters/table.ts';

/** The one table (key design in functions/adapters/table.ts), encrypted with the shop's own key. */
export class Data extends Construct {
  readonly table: TableV2;
  readonly key: Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.key = new Key(this, 'Key', { enableKeyRotation: true, description: 'Lethe data at rest', removalPolicy: RemovalPolicy.RETAIN });
    this.table = new TableV2(this, 'Table', {
      partitionKey: { name: TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: TABLE.sortKey, type: AttributeType.STRING },
      globalSecondaryIndexes: [
        {
          indexName: TABLE.gsi1.name,
          partitionKey: { name: TABLE.gsi1.partitionKey, type: AttributeType.STRING },
          sortKey: { name: TABLE.gsi1.sortKey, type: AttributeType.STRING },
        },
        {
          indexName: TABLE.watch.name,
          partitionKey: { name: TABLE.watch.partitionKey, type: AttributeType.STRING },
          sortKey: { name: TABLE.watch.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.INCLUDE,
          nonKeyAttributes: [...TABLE.watch.include],
        },
        ...[TABLE.owed, TABLE.failed, TABLE.byEmail, TABLE.byOrder].map((g) => ({
          indexName: g.name,
          partitionKey: { name: g.partitionKey, type: AttributeType.STRING },
          sortKey: { name: g.sortKey, type: AttributeType.STRING },
          projectionType: ProjectionType.KEYS_ONLY,
        })),
      ],
      timeToLiveAttribute: TABLE.ttlAttribute,
      billing: Billing.onDemand(),
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      encryption: TableEncryptionV2.customerManagedKey(this.key),
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }
}
