// The reviewers' web UI in the cloud: web/dist in a private S3 bucket behind one CloudFront distribution
// (origin access control, HTTPS only, security headers with a CSP). The same distribution routes the API
// paths to API Gateway with caching off and every viewer header (Authorization included) forwarded, so the
// browser calls the API same-origin: no CORS, no generated config, no cycle between stacks (this stack
// only reads the service stack's API).
import { CfnOutput, Duration, RemovalPolicy, Stack, type StackProps, Validations } from 'aws-cdk-lib';
import {
  AllowedMethods,
  CachePolicy,
  Distribution,
  HeadersFrameOption,
  HeadersReferrerPolicy,
  HttpVersion,
  OriginRequestPolicy,
  PriceClass,
  ResponseHeadersPolicy,
  ViewerProtocolPolicy,
  type BehaviorOptions,
} from 'aws-cdk-lib/aws-cloudfront';
import { RestApiOrigin, S3BucketOrigin } from 'aws-cdk-lib/aws-cloudfront-origins';
import type { RestApi } from 'aws-cdk-lib/aws-apigateway';
import { BlockPublicAccess, Bucket, BucketEncryption, ObjectOwnership } from 'aws-cdk-lib/aws-s3';
import { BucketDeployment, Source } from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import { buildWeb } from '../../web/build.ts';
import type { Settings } from '../settings.ts';
import { webContentSecurityPolicy } from '../web-headers.ts';

export interface WebStackProps extends StackProps {
  settings: Settings;
  /** The service stack's REST API: the origin of the API paths. */
  api: RestApi;
  /** The built UI to deploy. @default web/dist, built now */
  webDist?: string;
}

/** The paths CloudFront sends to API Gateway; everything else is the UI's files. */
export const API_PATHS = ['/v1/*', '/health', '/ready', '/openapi.json', '/docs', '/docs/*'] as const;

/** Where a browser reaches R2 for presigned links: the endpoint and its virtual-hosted bucket name. */
export function bucketOriginsOf(settings: Settings): string[] {
  const endpoint = new URL(settings.r2.endpoint);
  return [endpoint.origin, `${endpoint.protocol}//${settings.r2.bucket}.${endpoint.host}`];
}

/** The wildcards CDK's BucketDeployment grants its handler (source asset, destination bucket, invalidation). */
const DEPLOYMENT_WILDCARDS = [
  'Action::s3:GetBucket*',
  'Action::s3:GetObject*',
  'Action::s3:List*',
  'Action::s3:Abort*',
  'Action::s3:DeleteObject*',
  'Resource::arn:<AWS::Partition>:s3:::cdk-hnb659fds-assets-<AWS::AccountId>-<AWS::Region>/*',
  'Resource::<SiteE53D7754.Arn>/*',
  'Resource::*',
];

export class WebStack extends Stack {
  readonly bucket: Bucket;
  readonly distribution: Distribution;

  constructor(scope: Construct, id: string, props: WebStackProps) {
    super(scope, id, props);
    const { settings, api } = props;
    const removalPolicy = settings.isProd ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY;

    // CloudFront standard logs need ACLs on their bucket (object writer); it is itself a log target, which
    // cdk-nag's S1 accepts without its own access logs.
    const logs = new Bucket(this, 'AccessLogs', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(settings.isProd ? 365 : 30) }],
      removalPolicy,
    });

    this.bucket = new Bucket(this, 'Site', {
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      encryption: BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: logs,
      serverAccessLogsPrefix: 'site-bucket/',
      removalPolicy,
    });

    const headers = new ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: `OCRlty ${settings.stage} web UI: CSP (self + R2 for presigned links), HSTS, no framing`,
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: webContentSecurityPolicy(bucketOriginsOf(settings)), override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: HeadersReferrerPolicy.NO_REFERRER, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
      },
    });

    // HTTPS with TLS 1.2 to the stage's endpoint, the stage name as the origin path (RestApiOrigin's own).
    const apiOrigin = new RestApiOrigin(api);
    const apiBehavior: BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: AllowedMethods.ALLOW_ALL,
      // Caching off; with it off, the all-viewer policy forwards Authorization (API keys) to the origin.
      cachePolicy: CachePolicy.CACHING_DISABLED,
      originRequestPolicy: OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
    };

    this.distribution = new Distribution(this, 'Distribution', {
      comment: `OCRlty ${settings.stage}: web UI and API`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: headers,
      },
      additionalBehaviors: Object.fromEntries(API_PATHS.map((p) => [p, apiBehavior])),
      httpVersion: HttpVersion.HTTP2_AND_3,
      priceClass: PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: logs,
      logFilePrefix: 'cloudfront/',
    });
    Validations.of(this.distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'Reviewers work from wherever their company is; access is gated by OCRlty API keys, not by country, so no geo restriction.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'No WAF web ACL: every API call needs an API key checked by the Lambda authorizer, API Gateway throttles per stage and per key (usage plans), and the UI is static files. A web ACL can be attached later without changes here.',
      },
      {
        id: 'AwsSolutions-CFR4',
        reason:
          'The distribution uses the default *.cloudfront.net certificate, whose security policy CloudFront fixes at TLSv1; a minimum of TLS_V1_2_2021 needs a custom domain with an ACM certificate, which a stage can add.',
      },
    );

    // The file names are not content-hashed: each deployment invalidates them all (a handful of files).
    new BucketDeployment(this, 'DeploySite', {
      sources: [Source.asset(props.webDist ?? buildWeb())],
      destinationBucket: this.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
      memoryLimit: 256,
    });
    // The deployment's handler is a CDK singleton function at stack level; its findings are CDK's design.
    for (const c of this.node.children.filter((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'))) {
      Validations.of(c).acknowledge(
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason:
            'The CDK BucketDeployment handler runs with AWSLambdaBasicExecutionRole (CloudWatch Logs only); it is CDK-managed and only copies web/dist at deploy time.',
        },
        {
          id: 'AwsSolutions-L1',
          reason:
            'The runtime of the CDK BucketDeployment handler is chosen by aws-cdk-lib (a Python Lambda running the AWS CLI); it runs only during deployments and moves with CDK upgrades.',
        },
        ...DEPLOYMENT_WILDCARDS.map((evidence) => ({
          id: `AwsSolutions-IAM5[${evidence}]`,
          reason:
            'CDK grants the BucketDeployment handler object wildcards on exactly two buckets (the CDK asset and the UI bucket) to sync web/dist, and CreateInvalidation, which has no resource-level scoping.',
        })),
      );
    }

    new CfnOutput(this, 'UiUrl', {
      value: `https://${this.distribution.distributionDomainName}`,
      description: 'The web UI and, on the same origin, the API (/v1, /health, /ready, /openapi.json, /docs)',
    });
  }
}
