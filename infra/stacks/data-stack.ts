// The stateful half of a stage: the DynamoDB tables of functions/tables.ts and the two secrets. Kept
// apart from the service stack so functions, API and workflows can be replaced without touching data.
import { CfnOutput, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { Construct } from 'constructs';
import { TABLES, type TableDefinition } from '../../functions/tables.ts';
import type { Settings } from '../settings.ts';

export interface DataStackProps extends StackProps {
  settings: Settings;
}

export class DataStack extends Stack {
  readonly tables: Record<TableDefinition['id'], Table>;
  /** API_KEY_PEPPER, generated here; read by the authorizer and by the keys CLI. */
  readonly authSecret: Secret;
  /** R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY (put by the operator) and VLLM_API_KEY (generated). */
  readonly serviceSecret: Secret;

  constructor(scope: Construct, id: string, props: DataStackProps) {
    super(scope, id, props);
    const { stage, isProd } = props.settings;
    // prod data outlives the stack; a dev stage is disposable.
    const removalPolicy = isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    const tables = {} as Record<TableDefinition['id'], Table>;
    for (const def of TABLES) {
      const table = new Table(this, `${pascal(def.id)}Table`, {
        tableName: `ocrlty-${stage}-${def.id}`,
        partitionKey: { name: def.partitionKey, type: AttributeType.STRING },
        ...(def.sortKey ? { sortKey: { name: def.sortKey, type: AttributeType.STRING } } : {}),
        billingMode: BillingMode.PAY_PER_REQUEST,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        ...(def.ttlAttribute ? { timeToLiveAttribute: def.ttlAttribute } : {}),
        deletionProtection: isProd,
        removalPolicy,
      });
      for (const index of def.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index.name,
          partitionKey: { name: index.partitionKey, type: AttributeType.STRING },
          ...(index.sortKey ? { sortKey: { name: index.sortKey, type: AttributeType.STRING } } : {}),
          projectionType: ProjectionType.ALL,
        });
      }
      tables[def.id] = table;
      new CfnOutput(this, `${pascal(def.id)}TableName`, { value: table.tableName, description: `${def.envVar}: ${def.purpose}` });
    }
    this.tables = tables;

    // Neither secret has a value in the template: CloudFormation generates one key of each at creation.
    this.authSecret = new Secret(this, 'AuthSecret', {
      secretName: `ocrlty/${stage}/auth`,
      description: 'OCRlty API_KEY_PEPPER (JSON). Generated; replacing it invalidates every API key.',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'API_KEY_PEPPER',
        passwordLength: 48,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    this.serviceSecret = new Secret(this, 'ServiceSecret', {
      secretName: `ocrlty/${stage}/service`,
      description:
        'OCRlty R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY (put them in, see docs/deploy.md) and VLLM_API_KEY (generated; give it to the vLLM pod).',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'VLLM_API_KEY',
        passwordLength: 40,
        excludePunctuation: true,
      },
      removalPolicy,
    });
    Validations.of(this.authSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The pepper keys the HMAC of every stored API key: rotating it would invalidate all keys at once, so it is changed only by a planned re-keying, not on a schedule.',
    });
    Validations.of(this.serviceSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'It holds credentials issued by Cloudflare (R2 token) and set on the RunPod pod (vLLM key); Secrets Manager cannot rotate them at their issuer. They are rotated by hand as docs/deploy.md describes.',
    });
    new CfnOutput(this, 'AuthSecretArn', {
      value: this.authSecret.secretArn,
      description: 'SECRETS_ARN for `ocrlty keys` (API_KEY_PEPPER)',
    });
    new CfnOutput(this, 'ServiceSecretArn', {
      value: this.serviceSecret.secretArn,
      description: 'Put R2 keys and VLLM_API_KEY here',
    });
  }
}

export function pascal(id: string): string {
  return id.replace(/(^|[-_])([a-z0-9])/g, (_m, _sep: string, c: string) => c.toUpperCase());
}
