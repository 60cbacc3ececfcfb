// The CDK app's settings: CDK context (`-c key=value`, cdk.json) → one typed, validated object.
// Per-stage defaults live in cdk.json under "ocrlty:stages"; `-c` flags override them. A bad or missing
// value fails synth with one message naming every offending key (as functions/config.ts does for env).

/** A deployment stage: `dev` (default) or `prod`, or any other short name (treated like dev). */
export interface Settings {
  stage: string;
  /** prod: tables and secrets are retained on delete, deletion protection on, longer log retention. */
  isProd: boolean;
  /** Cloudflare R2 through its S3 API. */
  r2: {
    /** `https://<account_id>.r2.cloudflarestorage.com` unless r2Endpoint overrides it (EU jurisdiction…). */
    endpoint: string;
    bucket: string;
    /** S3_PREFIX: every key of this stage lives under it. */
    prefix: string;
    /** Days before staged uploads (the `staging/` folder under the prefix) expire. */
    stagingExpiryDays: number;
    /** Days persisted inputs (`inputs/`) are kept; undefined keeps them forever. */
    inputsRetentionDays?: number;
  };
  vllm: {
    /** Undefined on a non-prod stage: the functions use the deterministic mock backend. */
    baseUrl?: string;
    model: string;
    /** VLLM_MAX_INFLIGHT: model calls the GPU may have in flight, batch and sync together. */
    maxInflight: number;
    /** Slots of maxInflight kept for POST /v1/extract so batch jobs cannot starve interactive calls. */
    syncInflight: number;
    /** VLLM_MAX_MODEL_LEN: the server's --max-model-len, which the sent pages are sized to fit. */
    maxModelLen: number;
  };
  corsAllowOrigins: string[];
  alarmEmail?: string;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  logRetentionDays: number;
  debugMode: boolean;
  api: {
    /** Seconds API Gateway caches an authorizer answer per Authorization header; 0 = no cache. */
    authorizerCacheTtlS: number;
    /** Stage-wide request rate (requests/s) and burst. */
    throttleRateLimit: number;
    throttleBurstLimit: number;
    /** Per-key usage plans (see docs/deploy.md "Per-key quotas"): needs the CLI and authorizer support. */
    perKeyQuotas: boolean;
    /** Creates the account-level role API Gateway needs to write logs (once per account and region). */
    cloudWatchRole: boolean;
  };
  /** false only in template tests: functions get placeholder code instead of an esbuild bundle. */
  bundle: boolean;
}

type Raw = unknown;
export type ContextReader = (key: string) => Raw;

/** Every context key the app reads, with its meaning: the reference for docs/deploy.md. */
export const CONTEXT_KEYS = {
  stage: 'dev (default) | prod | another short name',
  r2AccountId: 'Cloudflare account id (32 hex characters); gives the R2 S3 endpoint',
  r2Endpoint: 'full R2 S3 endpoint URL instead of r2AccountId (EU jurisdiction, custom)',
  r2Bucket: 'R2 bucket name',
  s3Prefix: 'key prefix of this stage inside the bucket',
  r2StagingExpiryDays: 'days before staged uploads expire (default 1)',
  r2InputsRetentionDays: 'days persisted inputs are kept (default: forever)',
  vllmBaseUrl: 'OpenAI-compatible base URL of vLLM, e.g. https://<pod>-8000.proxy.runpod.net/v1 (required in prod)',
  vllmModel: 'served model name (default Qwen/Qwen3-VL-8B-Instruct)',
  vllmMaxInflight: 'GPU slots: model calls in flight across batch and sync (default 4, at least 2)',
  vllmSyncInflight: 'slots of vllmMaxInflight kept for POST /v1/extract (default 1)',
  vllmMaxModelLen: "the vLLM server's --max-model-len; pages are sized to fit it (default 4096)",
  corsAllowOrigins: 'comma-separated browser origins allowed by CORS (default none)',
  alarmEmail: 'e-mail address subscribed to the alarm topic (optional)',
  logLevel: 'DEBUG | INFO | WARN | ERROR (default INFO)',
  logRetentionDays: 'CloudWatch Logs retention in days (default 30, prod 365)',
  debugMode: 'DEBUG_MODE for the functions (default false)',
  authorizerCacheTtlS: 'authorizer result cache in seconds, 0 disables it (default 60)',
  throttleRateLimit: 'stage-wide requests per second (default 50)',
  throttleBurstLimit: 'stage-wide burst (default 100)',
  perKeyQuotas: 'per-key usage plans via the authorizer (default false)',
  apiGatewayCloudWatchRole: 'create the account-level API Gateway logging role (default true)',
  bundle: 'false: skip esbuild (template tests only; never deploy such a synth)',
} as const;

export type ContextKey = keyof typeof CONTEXT_KEYS;

export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid CDK context:\n  - ${problems.join('\n  - ')}\n(see docs/deploy.md "Context")`);
    this.name = 'SettingsError';
  }
}

/** Valid CloudWatch Logs retention values (days). */
const RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** Typed access to context values of one stage, collecting every problem before failing. */
class ContextValues {
  readonly problems: string[] = [];
  readonly stage: string;
  private readonly stageDefaults: Record<string, Raw>;

  constructor(private readonly get: ContextReader) {
    this.stage = String(get('stage') ?? 'dev').trim();
    if (!/^[a-z][a-z0-9-]{0,11}$/.test(this.stage))
      this.problems.push(`stage must be 1-12 lowercase letters, digits or "-" (got "${this.stage}")`);
    const stages = (get('ocrlty:stages') ?? {}) as Record<string, Record<string, Raw>>;
    this.stageDefaults = stages[this.stage] ?? {};
  }

  raw(key: ContextKey): Raw {
    const v = this.get(key);
    return v === undefined || v === '' ? this.stageDefaults[key] : v;
  }

  str(key: ContextKey, fallback?: string): string | undefined {
    const v = this.raw(key);
    if (v === undefined || v === null || String(v).trim() === '') return fallback;
    return String(v).trim();
  }

  int(key: ContextKey, fallback: number, min: number, max: number): number {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return fallback;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) {
      this.problems.push(`${key} must be an integer from ${min} to ${max} (got "${String(v)}")`);
      return fallback;
    }
    return n;
  }

  bool(key: ContextKey, fallback: boolean): boolean {
    const v = this.raw(key);
    if (v === undefined || v === null || v === '') return fallback;
    if (v === true || v === 'true' || v === '1') return true;
    if (v === false || v === 'false' || v === '0') return false;
    this.problems.push(`${key} must be true or false (got "${String(v)}")`);
    return fallback;
  }

  url(key: ContextKey): string | undefined {
    const v = this.str(key);
    if (v === undefined) return undefined;
    try {
      const u = new URL(v);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error('protocol');
      return v.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${key} must be an http(s) URL (got "${v}")`);
      return undefined;
    }
  }

  list(key: ContextKey): string[] {
    const v = this.raw(key);
    return (Array.isArray(v) ? v.map(String) : String(v ?? '').split(',')).map((x) => x.trim()).filter(Boolean);
  }

  throwIfProblems(): void {
    if (this.problems.length > 0) throw new SettingsError(this.problems);
  }
}

function r2Settings(c: ContextValues): Settings['r2'] {
  const accountId = c.str('r2AccountId');
  if (accountId !== undefined && !/^[0-9a-f]{32}$/.test(accountId)) {
    c.problems.push(`r2AccountId must be the 32 hex characters of the Cloudflare account id (got "${accountId}")`);
  }
  const endpoint = c.url('r2Endpoint') ?? (accountId ? `https://${accountId}.r2.cloudflarestorage.com` : undefined);
  if (!endpoint) c.problems.push('r2AccountId (or r2Endpoint) is required: -c r2AccountId=<32 hex characters>');
  const bucket = c.str('r2Bucket');
  if (!bucket) c.problems.push('r2Bucket is required: -c r2Bucket=<bucket name>');
  else if (!/^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/.test(bucket))
    c.problems.push(`r2Bucket is not a valid bucket name (got "${bucket}")`);
  const prefix = (c.str('s3Prefix', c.stage) ?? c.stage).replace(/^\/+|\/+$/g, '');
  if (!/^[A-Za-z0-9._\-/]{1,200}$/.test(prefix))
    c.problems.push(`s3Prefix may hold letters, digits, ".", "_", "-" and "/" (got "${prefix}")`);
  const retention = c.raw('r2InputsRetentionDays');
  return {
    endpoint: endpoint ?? '',
    bucket: bucket ?? '',
    prefix,
    stagingExpiryDays: c.int('r2StagingExpiryDays', 1, 1, 365),
    ...(retention === undefined || retention === '' ? {} : { inputsRetentionDays: c.int('r2InputsRetentionDays', 1, 1, 36500) }),
  };
}

function corsOrigins(c: ContextValues): string[] {
  const origins = c.list('corsAllowOrigins');
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      c.problems.push(`corsAllowOrigins entries must be origins like https://app.example.com (got "${origin}")`);
    }
  }
  return origins;
}

/** Only what the R2 bucket script (infra/r2-bucket.ts) needs: no vLLM or API settings required. */
export function readR2Settings(get: ContextReader): Pick<Settings, 'stage' | 'r2' | 'corsAllowOrigins'> {
  const c = new ContextValues(get);
  const out = { stage: c.stage, r2: r2Settings(c), corsAllowOrigins: corsOrigins(c) };
  c.throwIfProblems();
  return out;
}

/**
 * Reads the settings for one stage. `get` is `node.tryGetContext`; values given with `-c` arrive as
 * strings, values from cdk.json keep their JSON types — both are accepted.
 */
export function readSettings(get: ContextReader): Settings {
  const c = new ContextValues(get);
  const { stage } = c;
  const isProd = stage === 'prod';
  const r2 = r2Settings(c);
  const corsAllowOrigins = corsOrigins(c);

  const baseUrl = c.url('vllmBaseUrl');
  if (isProd && !baseUrl) c.problems.push('vllmBaseUrl is required for stage prod (the mock backend is for dev stages only)');
  const maxInflight = c.int('vllmMaxInflight', 4, 2, 1000);
  const syncInflight = c.int('vllmSyncInflight', 1, 1, 999);
  if (syncInflight >= maxInflight) {
    c.problems.push(
      `vllmSyncInflight (${syncInflight}) must be lower than vllmMaxInflight (${maxInflight}): batch items need a slot too`,
    );
  }
  const alarmEmail = c.str('alarmEmail');
  if (alarmEmail !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(alarmEmail))
    c.problems.push(`alarmEmail is not an e-mail address (got "${alarmEmail}")`);
  const logLevel = (c.str('logLevel', 'INFO') ?? 'INFO').toUpperCase();
  if (!['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel))
    c.problems.push(`logLevel must be DEBUG, INFO, WARN or ERROR (got "${logLevel}")`);
  const logRetentionDays = c.int('logRetentionDays', isProd ? 365 : 30, 1, 3653);
  if (!RETENTION_DAYS.includes(logRetentionDays))
    c.problems.push(`logRetentionDays must be one of ${RETENTION_DAYS.join(', ')} (got ${logRetentionDays})`);

  const settings: Settings = {
    stage,
    isProd,
    r2,
    vllm: {
      ...(baseUrl ? { baseUrl } : {}),
      model: c.str('vllmModel', 'Qwen/Qwen3-VL-8B-Instruct') ?? 'Qwen/Qwen3-VL-8B-Instruct',
      maxInflight,
      syncInflight,
      maxModelLen: c.int('vllmMaxModelLen', 4096, 256, 1_048_576),
    },
    corsAllowOrigins,
    ...(alarmEmail ? { alarmEmail } : {}),
    logLevel: logLevel as Settings['logLevel'],
    logRetentionDays,
    debugMode: c.bool('debugMode', false),
    api: {
      authorizerCacheTtlS: c.int('authorizerCacheTtlS', 60, 0, 3600),
      throttleRateLimit: c.int('throttleRateLimit', 50, 1, 10000),
      throttleBurstLimit: c.int('throttleBurstLimit', 100, 1, 5000),
      perKeyQuotas: c.bool('perKeyQuotas', false),
      cloudWatchRole: c.bool('apiGatewayCloudWatchRole', true),
    },
    bundle: c.bool('bundle', true),
  };
  c.throwIfProblems();
  return settings;
}
