// The web UI's stack: a private bucket behind CloudFront with origin access control, HTTPS only, security
// headers with a CSP that allows R2, and the API paths routed to API Gateway uncached with Authorization
// forwarded (same origin: no CORS). Bundling off, as in the other template tests.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildOcrltyApp, stackNames } from '../../infra/ocrlty-app.ts';
import { API_PATHS } from '../../infra/stacks/web-stack.ts';
import { TEST_CONTEXT, type Template, resourcesOf } from './support.ts';

// Managed policy ids (CloudFront documentation): CachingDisabled, CachingOptimized, AllViewerExceptHostHeader.
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

let web: Template;
let outdir: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'ocrlty-cdk-web-'));
  const built = buildOcrltyApp({ context: { ...TEST_CONTEXT, stage: 'dev' }, outdir });
  built.app.synth();
  web = JSON.parse(readFileSync(join(outdir, `${stackNames('dev').web}.template.json`), 'utf8')) as Template;
}, 120_000);

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const distributionConfig = () => resourcesOf(web, 'AWS::CloudFront::Distribution')[0]![1].Properties!.DistributionConfig;

describe('web UI stack', () => {
  test('the UI bucket is private, encrypted, TLS-only and logged', () => {
    const buckets = resourcesOf(web, 'AWS::S3::Bucket');
    expect(buckets).toHaveLength(2);
    for (const [, b] of buckets) {
      expect(b.Properties!.PublicAccessBlockConfiguration).toEqual({
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      });
      expect(b.Properties!.BucketEncryption).toBeDefined();
    }
    const site = buckets.find(([id]) => id.startsWith('Site'))![1];
    expect(site.Properties!.LoggingConfiguration.LogFilePrefix).toBe('site-bucket/');
    // Only CloudFront (through origin access control) may read it, besides the TLS-only deny.
    const policy = resourcesOf(web, 'AWS::S3::BucketPolicy').find(([id]) => id.startsWith('Site'))![1];
    const statements = policy.Properties!.PolicyDocument.Statement as Array<{
      Effect: string;
      Principal: unknown;
      Action: unknown;
    }>;
    const allows = statements.filter((s) => s.Effect === 'Allow');
    expect(allows.map((s) => s.Principal)).toEqual(allows.map(() => ({ Service: 'cloudfront.amazonaws.com' })));
  });

  test('the distribution serves the UI over HTTPS through origin access control, with the security headers', () => {
    const config = distributionConfig();
    expect(resourcesOf(web, 'AWS::CloudFront::OriginAccessControl')).toHaveLength(1);
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.ResponseHeadersPolicyId).toBeDefined();
    expect(config.Logging.Prefix).toBe('cloudfront/');
    const [, headers] = resourcesOf(web, 'AWS::CloudFront::ResponseHeadersPolicy')[0]!;
    const security = headers.Properties!.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = security.ContentSecurityPolicy.ContentSecurityPolicy as string;
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    // Presigned PUTs and preview GETs go to R2: the endpoint and its virtual-hosted bucket name.
    expect(csp).toMatch(/connect-src 'self' https:\/\/0123456789abcdef0123456789abcdef\.r2\.cloudflarestorage\.com /);
    expect(csp).toMatch(/img-src [^;]*https:\/\/[a-z0-9-]+\.0123456789abcdef0123456789abcdef\.r2\.cloudflarestorage\.com/);
    expect(security.FrameOptions.FrameOption).toBe('DENY');
    expect(security.StrictTransportSecurity.AccessControlMaxAgeSec).toBe(31_536_000);
  });

  test('the API paths go to API Gateway uncached, HTTPS only, with every viewer header but Host', () => {
    const behaviors = distributionConfig().CacheBehaviors as Array<Record<string, any>>;
    expect(behaviors.map((b) => b.PathPattern)).toEqual([...API_PATHS]);
    for (const b of behaviors) {
      expect(b.ViewerProtocolPolicy).toBe('https-only');
      expect(b.CachePolicyId).toBe(CACHING_DISABLED);
      expect(b.OriginRequestPolicyId).toBe(ALL_VIEWER_EXCEPT_HOST);
      expect(b.AllowedMethods).toEqual(expect.arrayContaining(['GET', 'POST', 'DELETE', 'OPTIONS']));
    }
    const origins = distributionConfig().Origins as Array<Record<string, any>>;
    const api = origins.find((o) => o.CustomOriginConfig)!;
    expect(api.CustomOriginConfig.OriginProtocolPolicy).toBe('https-only');
    expect(JSON.stringify(api.DomainName)).toContain('execute-api');
  });

  test('web/dist is deployed into the bucket and the distribution invalidated', () => {
    const [, deployment] = resourcesOf(web, 'Custom::CDKBucketDeployment')[0]!;
    expect(deployment.Properties!.Prune).toBe(true);
    expect(deployment.Properties!.DistributionPaths).toEqual(['/*']);
    expect(web.Outputs?.UiUrl?.Description).toMatch(/web UI/);
  });
});
