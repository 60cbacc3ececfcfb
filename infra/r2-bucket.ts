// Applies a stage's bucket rules to Cloudflare R2 through its S3 API: staged uploads expire (a day by
// default), persisted inputs optionally expire, incomplete multipart uploads are aborted, and CORS
// allows the configured browser origins. Rules of other stages sharing the bucket are kept.
//
//   R2_ACCESS_KEY_ID=… R2_SECRET_ACCESS_KEY=… npm run r2:setup -- -c stage=prod [-c key=value…] [--dry-run]
//
// Takes the same -c keys as `cdk deploy` (r2AccountId/r2Endpoint, r2Bucket, s3Prefix,
// r2StagingExpiryDays, r2InputsRetentionDays, corsAllowOrigins). Use an R2 token with Admin Read & Write
// on the bucket: the service token in Secrets Manager only needs object access and cannot set rules.
import { pathToFileURL } from 'node:url';
import {
  type CORSRule,
  GetBucketCorsCommand,
  GetBucketLifecycleConfigurationCommand,
  HeadBucketCommand,
  type LifecycleRule,
  PutBucketCorsCommand,
  PutBucketLifecycleConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { makeS3Client } from '../functions/adapters/r2/artifact-store.ts';
import { EXPORTS_PREFIX, STAGING_PREFIX } from '../functions/core/artifact-keys.ts';
import { cdkJsonContext } from './ocrlty-app.ts';
import { browserCorsRule, originsMissingUpload } from './r2-cors.ts';
import { readR2Settings } from './settings.ts';

type R2Settings = ReturnType<typeof readR2Settings>;

/** Rule ids carry the stage, so one stage never replaces another stage's rules. */
const ruleIdPrefix = (stage: string) => `ocrlty-${stage}-`;

/** The lifecycle rules a stage wants, all scoped to its S3_PREFIX. */
export function lifecycleRulesFor(s: R2Settings): LifecycleRule[] {
  const id = ruleIdPrefix(s.stage);
  const under = (rel: string) => `${s.r2.prefix}/${rel}`;
  const rules: LifecycleRule[] = [
    {
      ID: `${id}staging-expiry`,
      Status: 'Enabled',
      Filter: { Prefix: under(STAGING_PREFIX) },
      Expiration: { Days: s.r2.stagingExpiryDays },
    },
    {
      // Debug backups (GET /v1/debug/artifacts/backup.tar.gz) are fetched through a short-lived presigned
      // link; the archive itself is a copy of artifacts that stay in place, so it need not outlive a day.
      ID: `${id}exports-expiry`,
      Status: 'Enabled',
      Filter: { Prefix: under(EXPORTS_PREFIX) },
      Expiration: { Days: 1 },
    },
    {
      ID: `${id}abort-multipart`,
      Status: 'Enabled',
      Filter: { Prefix: under('') },
      AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 },
    },
  ];
  if (s.r2.inputsRetentionDays !== undefined) {
    rules.push({
      ID: `${id}inputs-retention`,
      Status: 'Enabled',
      Filter: { Prefix: under('inputs/') },
      Expiration: { Days: s.r2.inputsRetentionDays },
    });
  }
  return rules;
}

/** CORS for browsers uploading to presigned URLs and reading presigned links from the configured origins. */
export function corsRulesFor(s: R2Settings): CORSRule[] {
  if (s.corsAllowOrigins.length === 0) return [];
  return [browserCorsRule(`${ruleIdPrefix(s.stage)}browser`, s.corsAllowOrigins)];
}

/** Other stages' rules (and foreign ones) stay; this stage's are replaced by `ours`. */
export function mergeById<T extends { ID?: string | undefined }>(existing: readonly T[], ours: readonly T[], stage: string): T[] {
  return [...existing.filter((r) => !r.ID?.startsWith(ruleIdPrefix(stage))), ...ours];
}

export interface ApplyResult {
  lifecycle: LifecycleRule[];
  cors: CORSRule[];
  applied: boolean;
}

/**
 * Applies the rules. Steps: check the bucket answers → read its current lifecycle and CORS rules →
 * merge this stage's rules in (ours replaced whole: an older rule of ours gains what uploads need) → put
 * both back (unless dryRun) → read the CORS rules back and check every configured origin may upload.
 */
export async function applyBucketRules(s3: S3Client, s: R2Settings, opts: { dryRun?: boolean } = {}): Promise<ApplyResult> {
  const Bucket = s.r2.bucket;
  await s3.send(new HeadBucketCommand({ Bucket }));
  const currentLifecycle = await readOrEmpty(
    () => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket })),
    (o) => o.Rules ?? [],
  );
  const currentCors = await readOrEmpty(
    () => s3.send(new GetBucketCorsCommand({ Bucket })),
    (o) => o.CORSRules ?? [],
  );
  const lifecycle = mergeById(currentLifecycle, lifecycleRulesFor(s), s.stage);
  const cors = mergeById(currentCors, corsRulesFor(s), s.stage);
  if (!opts.dryRun) {
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules: lifecycle } }));
    if (cors.length > 0) {
      await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: cors } }));
      // Read back what the bucket keeps: a browser upload from every configured origin must be allowed.
      const kept = await readOrEmpty(
        () => s3.send(new GetBucketCorsCommand({ Bucket })),
        (o) => o.CORSRules ?? [],
      );
      const missing = originsMissingUpload(kept, s.corsAllowOrigins);
      if (missing.length > 0) {
        throw new Error(
          `The bucket's CORS rules do not let ${missing.join(', ')} PUT with a Content-Type header: browser uploads would fail`,
        );
      }
    }
  }
  return { lifecycle, cors, applied: !opts.dryRun };
}

/** A bucket without a lifecycle or CORS configuration answers 404 with a NoSuch… code. */
async function readOrEmpty<O, T>(read: () => Promise<O>, pick: (o: O) => T[]): Promise<T[]> {
  try {
    return pick(await read());
  } catch (err) {
    if (err instanceof Error && /^NoSuch(LifecycleConfiguration|CORSConfiguration)$/.test(err.name)) return [];
    throw err;
  }
}

/** `-c key=value` pairs and `--dry-run` from the command line. */
export function parseArgs(argv: readonly string[]): { context: Record<string, string>; dryRun: boolean } {
  const context: Record<string, string> = {};
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--dry-run') dryRun = true;
    else if (arg === '-c' || arg === '--context') {
      const pair = argv[++i] ?? '';
      const eq = pair.indexOf('=');
      if (eq <= 0) throw new Error(`expected key=value after ${arg} (got "${pair}")`);
      context[pair.slice(0, eq)] = pair.slice(eq + 1);
    } else throw new Error(`unknown argument "${arg}"; usage: r2:setup -- -c stage=prod [-c key=value…] [--dry-run]`);
  }
  return { context, dryRun };
}

async function main(): Promise<void> {
  const { context, dryRun } = parseArgs(process.argv.slice(2));
  const merged: Record<string, unknown> = { ...cdkJsonContext(), ...context };
  const settings = readR2Settings((key) => merged[key]);
  const accessKeyId = process.env.R2_ACCESS_KEY_ID;
  const secretAccessKey = process.env.R2_SECRET_ACCESS_KEY;
  if (!dryRun && (!accessKeyId || !secretAccessKey))
    throw new Error('Set R2_ACCESS_KEY_ID and R2_SECRET_ACCESS_KEY (an R2 token with Admin Read & Write)');
  const s3 = makeS3Client({
    bucket: settings.r2.bucket,
    endpointUrl: settings.r2.endpoint,
    region: 'auto',
    prefix: settings.r2.prefix,
    allowOverwrite: false,
    presignTtlS: 900,
    forcePathStyle: false,
    ...(accessKeyId && secretAccessKey ? { accessKeyId, secretAccessKey } : {}),
  });
  const result = dryRun
    ? { lifecycle: lifecycleRulesFor(settings), cors: corsRulesFor(settings), applied: false }
    : await applyBucketRules(s3, settings);
  console.log(
    JSON.stringify({ bucket: settings.r2.bucket, endpoint: settings.r2.endpoint, stage: settings.stage, ...result }, null, 2),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
