// The R2 bucket rules script against a recording S3 endpoint: the real SDK requests it sends, the
// lifecycle XML that reaches the "bucket", and other stages' rules left in place.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { applyBucketRules, lifecycleRulesFor, parseArgs } from '../../infra/r2-bucket.ts';
import { readR2Settings } from '../../infra/settings.ts';

const EXISTING_LIFECYCLE = `<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Rule><ID>ocrlty-prod-staging-expiry</ID><Filter><Prefix>prod/staging/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>
  <Rule><ID>ocrlty-dev-outdated</ID><Filter><Prefix>dev/old/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>9</Days></Expiration></Rule>
</LifecycleConfiguration>`;
const NO_CORS =
  '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchCORSConfiguration</Code><Message>none</Message></Error>';

interface Recorded {
  method: string;
  url: string;
  body: string;
}

let server: Server;
let endpoint: string;
let recorded: Recorded[] = [];
/** The CORS document GET ?cors answers with (none: 404); a PUT ?cors stores its body here unless `keepCors`. */
let storedCors: string | undefined;
let keepCors: string | undefined;

beforeAll(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      recorded.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks).toString('utf8') });
      const xml = (status: number, body: string) => {
        res.writeHead(status, { 'Content-Type': 'application/xml' });
        res.end(body);
      };
      if (req.method === 'HEAD') return res.writeHead(200).end();
      if (req.method === 'GET' && req.url!.includes('lifecycle')) return xml(200, EXISTING_LIFECYCLE);
      if (req.method === 'GET' && req.url!.includes('cors')) {
        const doc = keepCors ?? storedCors;
        return doc ? xml(200, doc) : xml(404, NO_CORS);
      }
      if (req.method === 'PUT' && req.url!.includes('cors')) storedCors = Buffer.concat(chunks).toString('utf8');
      if (req.method === 'PUT') return res.writeHead(200).end();
      return xml(400, '<Error><Code>Unexpected</Code></Error>');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
beforeEach(() => {
  recorded = [];
  storedCors = undefined;
  keepCors = undefined;
});

const settingsFor = (context: Record<string, string>) => {
  const merged: Record<string, unknown> = { r2Endpoint: endpoint, r2Bucket: 'ocrlty', ...context };
  return readR2Settings((key) => merged[key]);
};
const client = () =>
  new S3Client({
    endpoint,
    region: 'auto',
    forcePathStyle: true,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    requestChecksumCalculation: 'WHEN_REQUIRED',
  });

describe('R2 bucket rules', () => {
  test('staged uploads and debug exports under the stage prefix expire after a day; incomplete multipart uploads are aborted', () => {
    const rules = lifecycleRulesFor(settingsFor({ stage: 'dev' }));
    expect(rules).toEqual([
      { ID: 'ocrlty-dev-staging-expiry', Status: 'Enabled', Filter: { Prefix: 'dev/staging/' }, Expiration: { Days: 1 } },
      { ID: 'ocrlty-dev-exports-expiry', Status: 'Enabled', Filter: { Prefix: 'dev/exports/' }, Expiration: { Days: 1 } },
      {
        ID: 'ocrlty-dev-abort-multipart',
        Status: 'Enabled',
        Filter: { Prefix: 'dev/' },
        AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
      },
    ]);
  });

  test('persisted inputs expire only when a retention is configured', () => {
    const rules = lifecycleRulesFor(settingsFor({ stage: 'prod', r2InputsRetentionDays: '90' }));
    expect(rules.find((r) => r.ID === 'ocrlty-prod-inputs-retention')).toEqual({
      ID: 'ocrlty-prod-inputs-retention',
      Status: 'Enabled',
      Filter: { Prefix: 'prod/inputs/' },
      Expiration: { Days: 90 },
    });
  });

  test('puts the merged lifecycle through the S3 API: its own rules replaced, other stages kept', async () => {
    const result = await applyBucketRules(client(), settingsFor({ stage: 'dev' }));
    expect(result.applied).toBe(true);
    const put = recorded.find((r) => r.method === 'PUT' && r.url.includes('lifecycle'))!;
    expect(put.url).toMatch(/^\/ocrlty\/?\?lifecycle/);
    expect(put.body).toContain('<ID>ocrlty-prod-staging-expiry</ID>');
    expect(put.body).toContain('<ID>ocrlty-dev-staging-expiry</ID>');
    expect(put.body).toContain('<Prefix>dev/staging/</Prefix>');
    expect(put.body).not.toContain('ocrlty-dev-outdated');
    expect(recorded.some((r) => r.method === 'PUT' && r.url.includes('cors'))).toBe(false);
  });

  test('sets CORS for the configured origins', async () => {
    await applyBucketRules(client(), settingsFor({ stage: 'dev', corsAllowOrigins: 'https://app.example.com' }));
    const put = recorded.find((r) => r.method === 'PUT' && r.url.includes('cors'))!;
    expect(put.body).toContain('<AllowedOrigin>https://app.example.com</AllowedOrigin>');
    expect(put.body).toContain('<AllowedMethod>PUT</AllowedMethod>');
  });

  test('the CORS rule lets each origin PUT with a Content-Type (a browser upload to a presigned URL), checked on read-back', async () => {
    await applyBucketRules(
      client(),
      settingsFor({ stage: 'dev', corsAllowOrigins: 'https://ui.example.com,http://localhost:5173' }),
    );

    const put = recorded.find((r) => r.method === 'PUT' && r.url.includes('cors'))!;
    expect(put.body).toContain('<AllowedHeader>Content-Type</AllowedHeader>');
    expect(put.body).toContain('<AllowedOrigin>http://localhost:5173</AllowedOrigin>');
    expect(recorded.filter((r) => r.method === 'GET' && r.url.includes('cors'))).toHaveLength(2);
  });

  test('an older rule of ours without PUT is replaced by one with it; other stages’ rules stay', async () => {
    const older = (id: string, method: string) =>
      `<CORSRule><ID>${id}</ID><AllowedOrigin>https://ui.example.com</AllowedOrigin><AllowedMethod>${method}</AllowedMethod></CORSRule>`;
    storedCors = `<CORSConfiguration>${older('ocrlty-dev-browser', 'GET')}${older('ocrlty-prod-browser', 'HEAD')}</CORSConfiguration>`;

    const result = await applyBucketRules(client(), settingsFor({ stage: 'dev', corsAllowOrigins: 'https://ui.example.com' }));

    expect(result.cors.map((r) => [r.ID, r.AllowedMethods])).toEqual([
      ['ocrlty-prod-browser', ['HEAD']],
      ['ocrlty-dev-browser', ['GET', 'HEAD', 'PUT']],
    ]);
  });

  test('a bucket that does not keep an upload-capable rule fails the setup, naming the origin', async () => {
    keepCors =
      '<CORSConfiguration><CORSRule><ID>ocrlty-dev-browser</ID><AllowedOrigin>https://ui.example.com</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule></CORSConfiguration>';

    await expect(
      applyBucketRules(client(), settingsFor({ stage: 'dev', corsAllowOrigins: 'https://ui.example.com' })),
    ).rejects.toThrow(/do not let https:\/\/ui\.example\.com PUT with a Content-Type header/);
  });

  test('a dry run reads the bucket but changes nothing', async () => {
    const result = await applyBucketRules(client(), settingsFor({ stage: 'dev' }), { dryRun: true });
    expect(result.applied).toBe(false);
    expect(result.lifecycle.map((r) => r.ID)).toContain('ocrlty-prod-staging-expiry');
    expect(recorded.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  test('reads -c key=value like the cdk CLI and refuses anything else', () => {
    expect(parseArgs(['-c', 'stage=prod', '--context', 's3Prefix=a/b', '--dry-run'])).toEqual({
      context: { stage: 'prod', s3Prefix: 'a/b' },
      dryRun: true,
    });
    expect(() => parseArgs(['--bucket', 'x'])).toThrow(/unknown argument "--bucket"/);
  });
});
