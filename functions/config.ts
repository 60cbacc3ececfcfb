// loadConfig(env): every environment variable the product reads, parsed and validated once.
// A bad value fails fast with a message naming each offending variable (DESIGN.md §6).

export type InferenceBackend = 'mock' | 'vllm';

export interface Config {
  stage: string;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  logFormat: 'json';
  authEnabled: boolean;
  apiKeyPepper: string;
  debugMode: boolean;
  inference: {
    backend: InferenceBackend;
    baseUrl?: string;
    apiKey?: string;
    model: string;
    readTimeoutS: number;
    maxRetries: number;
    retryBaseMs: number;
    maxTokens: number;
    maxInflight: number;
    /** vLLM's --max-model-len: pages, prompt and answer must fit it together. */
    maxModelLen: number;
  };
  s3: {
    bucket: string;
    endpointUrl?: string;
    region: string;
    prefix: string;
    allowOverwrite: boolean;
    presignTtlS: number;
    forcePathStyle: boolean;
    accessKeyId?: string;
    secretAccessKey?: string;
  };
  dynamo: {
    endpointUrl?: string;
    region: string;
    keysTable: string;
    jobsTable: string;
    artifactsTable: string;
    uploadsTable: string;
  };
  limits: {
    maxImageBytes: number;
    maxImagePixels: number;
    maxBodyBytes: number;
    /** Files in one multipart upload (413 too_many_files above it). */
    maxUploadFiles: number;
    /** Total file bytes in one multipart upload (413 payload_too_large above it). */
    maxUploadBytes: number;
    /** Pages of one document (PDF, TIFF) sent to the model (413 too_many_pages above it). */
    maxDocumentPages: number;
    /** Fewest visual tokens a page may be given; below it the document is refused, never sent unreadable. */
    minPageTokens: number;
  };
  jobs: {
    progressEveryN: number;
    progressMinSeconds: number;
    syncWaitS: number;
    /** How often a sync batch endpoint re-reads the job while it waits. */
    syncPollMs: number;
    stateMachineArn?: string;
    /** Local mode only: replaces the ASL Retry intervals (ms) so tests don't wait seconds; unset = the ASL's own. */
    localRetryIntervalMs?: number;
  };
  batch: {
    /** R2 prefix (under S3_PREFIX) that server-side batches (`images_dir`) and `gt_path` are relative to. */
    dataRoot: string;
    /** Items in one run; keeps the Map's item list well under the 256 KB state limit (docs/design-notes.md). */
    maxItems: number;
    /** Upper bound of a job's `concurrency` (the GPU cap VLLM_MAX_INFLIGHT still applies beneath it). */
    maxConcurrency: number;
    defaultConcurrency: number;
  };
  /** Presigned uploads (POST /v1/uploads): sessions and the files they declare. */
  uploads: {
    /** UPLOAD_SESSION_TTL_S: a session answers 410 upload_expired after this. */
    sessionTtlS: number;
    /** MAX_INPUT_FILE_BYTES: one uploaded file, and any input a batch reads from the bucket. */
    maxInputFileBytes: number;
  };
  corsAllowOrigins: string[];
  /** Debug artifact routes (seed §8.7): bounds of the on-demand backup archive. */
  debugTools: {
    backupMaxObjects: number;
    /** Uncompressed bytes read into one archive (it is built in memory, then written to R2). */
    backupMaxBytes: number;
  };
  evaluation: {
    /** Amounts within this absolute difference count as equal (a cent by default). */
    amountTolerance: number;
  };
  /** Largest JSON response a read route sends inline; bigger artifacts come back shortened with a link (6 MB Lambda cap). */
  maxResponseBytes: number;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Parses and validates the environment; throws one ConfigError listing every bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const r = new Reader(env);
  const baseUrl = r.url('VLLM_BASE_URL');
  const backend = r.oneOf('INFERENCE_BACKEND', ['mock', 'vllm'] as const, baseUrl ? 'vllm' : 'mock');
  if (backend === 'vllm' && !baseUrl) r.problem('VLLM_BASE_URL is required when INFERENCE_BACKEND=vllm');
  const authEnabled = r.bool('AUTH_ENABLED', true);
  const pepper = r.str('API_KEY_PEPPER', '');
  // Only code that verifies keys needs the pepper. On AWS that is the authorizer alone: the CDK app sets
  // API_KEY_PEPPER_REQUIRED=0 on every other function, which never gets read access to the pepper.
  if (authEnabled && pepper.length < 16 && r.bool('API_KEY_PEPPER_REQUIRED', true)) {
    r.problem('API_KEY_PEPPER must be set (at least 16 characters) when AUTH_ENABLED=1');
  }
  const bucket = r.str('S3_BUCKET', '');
  if (!bucket) r.problem('S3_BUCKET is required');
  const region = r.str('AWS_REGION', r.str('AWS_DEFAULT_REGION', 'us-east-1'));

  const config: Config = {
    stage: r.str('STAGE', 'local'),
    logLevel: r.oneOf('LOG_LEVEL', ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const, 'INFO', (v) =>
      v.toUpperCase().replace('WARNING', 'WARN'),
    ),
    logFormat: r.oneOf('LOG_FORMAT', ['json'] as const, 'json', (v) => v.toLowerCase()),
    authEnabled,
    apiKeyPepper: pepper,
    debugMode: r.bool('DEBUG_MODE', false),
    inference: {
      backend,
      ...(baseUrl ? { baseUrl: baseUrl.replace(/\/+$/, '') } : {}),
      ...optional('apiKey', r.str('VLLM_API_KEY', '')),
      model: r.str('VLLM_MODEL', 'Qwen/Qwen3-VL-8B-Instruct'),
      readTimeoutS: r.num('VLLM_READ_TIMEOUT_S', 60, { min: 0.1 }),
      maxRetries: r.num('VLLM_MAX_RETRIES', 2, { min: 0, max: 10, int: true }),
      retryBaseMs: r.num('VLLM_RETRY_BASE_MS', 250, { min: 0 }),
      maxTokens: r.num('VLLM_MAX_TOKENS', 1024, { min: 16, int: true }),
      maxInflight: r.num('VLLM_MAX_INFLIGHT', 4, { min: 1, max: 1000, int: true }),
      // The seed's vLLM start command: --max-model-len 4096. Multi-page documents want 16384 or more.
      maxModelLen: r.num('VLLM_MAX_MODEL_LEN', 4096, { min: 256, max: 1_048_576, int: true }),
    },
    s3: {
      bucket,
      ...optional('endpointUrl', r.url('S3_ENDPOINT_URL') ?? ''),
      region: r.str('S3_REGION', 'auto'),
      prefix: r.str('S3_PREFIX', '').replace(/^\/+|\/+$/g, ''),
      allowOverwrite: r.bool('S3_ALLOW_OVERWRITE', false),
      presignTtlS: r.num('S3_PRESIGN_TTL_S', 900, { min: 1, max: 604800, int: true }),
      forcePathStyle: r.bool('S3_FORCE_PATH_STYLE', false),
      ...optional('accessKeyId', r.str('R2_ACCESS_KEY_ID', '')),
      ...optional('secretAccessKey', r.str('R2_SECRET_ACCESS_KEY', '')),
    },
    dynamo: {
      ...optional('endpointUrl', r.url('DYNAMODB_ENDPOINT_URL') ?? ''),
      region,
      keysTable: r.str('KEYS_TABLE', 'ocrlty-keys'),
      jobsTable: r.str('JOBS_TABLE', 'ocrlty-jobs'),
      artifactsTable: r.str('ARTIFACTS_TABLE', 'ocrlty-artifacts'),
      uploadsTable: r.str('UPLOADS_TABLE', 'ocrlty-uploads'),
    },
    limits: {
      // Base64 in a JSON body: 4.3 MB of image is ~5.73 MB of text, under MAX_BODY_BYTES and Lambda's 6 MB
      // invocation payload. Bigger inputs go through upload sessions (MAX_INPUT_FILE_BYTES).
      maxImageBytes: r.num('MAX_IMAGE_BYTES', 4_300_000, { min: 1024, max: 4_400_000, int: true }),
      maxImagePixels: r.num('MAX_IMAGE_PIXELS', 50_000_000, { min: 1, int: true }),
      maxBodyBytes: r.num('MAX_BODY_BYTES', 5_800_000, { min: 1024, max: 6_000_000, int: true }),
      // Upload jobs keep {file, input_ref, mime_type} per file in the job row: 500 stays well under DynamoDB's 400 KB item.
      maxUploadFiles: r.num('MAX_UPLOAD_FILES', 100, { min: 1, max: 500, int: true }),
      // Multipart arrives base64-encoded in the Lambda event (6 MB cap): ~4.3 MB of files at most.
      maxUploadBytes: r.num('MAX_UPLOAD_BYTES', 4_000_000, { min: 1024, max: 4_400_000, int: true }),
      maxDocumentPages: r.num('MAX_DOCUMENT_PAGES', 8, { min: 1, max: 100, int: true }),
      minPageTokens: r.num('MIN_PAGE_TOKENS', 640, { min: 64, max: 16_384, int: true }),
    },
    jobs: {
      progressEveryN: r.num('JOBS_PROGRESS_EVERY_N', 10, { min: 1, int: true }),
      progressMinSeconds: r.num('JOBS_PROGRESS_MIN_SECONDS', 1, { min: 0 }),
      syncWaitS: r.num('SYNC_WAIT_S', 25, { min: 0, max: 28 }),
      syncPollMs: r.num('JOBS_SYNC_POLL_MS', 250, { min: 10, max: 5000, int: true }),
      ...optional('stateMachineArn', r.str('STATE_MACHINE_ARN', '')),
      ...(r.str('LOCAL_WORKFLOW_RETRY_MS', '') === ''
        ? {}
        : { localRetryIntervalMs: r.num('LOCAL_WORKFLOW_RETRY_MS', 0, { min: 0, max: 600_000, int: true }) }),
    },
    batch: {
      dataRoot: dataRoot(r),
      maxItems: r.num('MAX_BATCH_ITEMS', 10_000, { min: 1, max: 10_000, int: true }),
      maxConcurrency: r.num('MAX_BATCH_CONCURRENCY', 64, { min: 1, max: 1000, int: true }),
      defaultConcurrency: r.num('BATCH_DEFAULT_CONCURRENCY', 4, { min: 1, max: 1000, int: true }),
    },
    uploads: {
      sessionTtlS: r.num('UPLOAD_SESSION_TTL_S', 86_400, { min: 1, max: 7 * 86_400, int: true }),
      maxInputFileBytes: r.num('MAX_INPUT_FILE_BYTES', 25_000_000, { min: 1024, max: 5_000_000_000, int: true }),
    },
    corsAllowOrigins: corsOrigins(r),
    debugTools: {
      backupMaxObjects: r.num('DEBUG_BACKUP_MAX_OBJECTS', 500, { min: 1, max: 10_000, int: true }),
      backupMaxBytes: r.num('DEBUG_BACKUP_MAX_BYTES', 50 * 1024 * 1024, { min: 1024, max: 512 * 1024 * 1024, int: true }),
    },
    evaluation: {
      amountTolerance: r.num('EVAL_AMOUNT_TOLERANCE', 0.01, { min: 0, max: 1_000_000 }),
    },
    // The Lambda response carries the body as an escaped JSON string inside its own JSON: keep a margin.
    maxResponseBytes: r.num('MAX_RESPONSE_BYTES', 5_000_000, { min: 1024, max: 5_900_000, int: true }),
  };
  if (config.inference.maxTokens + config.limits.minPageTokens >= config.inference.maxModelLen) {
    r.problem(
      `VLLM_MAX_TOKENS (${config.inference.maxTokens}) + MIN_PAGE_TOKENS (${config.limits.minPageTokens}) must be under VLLM_MAX_MODEL_LEN (${config.inference.maxModelLen})`,
    );
  }
  if (config.s3.accessKeyId && !config.s3.secretAccessKey) {
    r.problem('R2_SECRET_ACCESS_KEY is required when R2_ACCESS_KEY_ID is set');
  }
  r.throwIfProblems();
  return config;
}

/** CORS_ALLOW_ORIGINS: CSV of exact origins (scheme://host[:port], no path) or "*" for any origin. */
function corsOrigins(r: Reader): string[] {
  const origins = r
    .str('CORS_ALLOW_ORIGINS', '')
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
  for (const origin of origins) {
    if (origin !== '*' && !/^https?:\/\/[^/\s]+$/.test(origin)) {
      r.problem(`CORS_ALLOW_ORIGINS entries must be origins like https://app.example.com or "*" (got "${origin}")`);
    }
  }
  return origins;
}

/** DATA_ROOT: a relative R2 prefix without leading/trailing slashes, no `..`, no backslashes. */
function dataRoot(r: Reader): string {
  const raw = r.str('DATA_ROOT', 'data');
  const v = raw.replace(/^\/+|\/+$/g, '');
  if (v === '' || v.includes('\\') || v.split('/').some((seg) => seg === '..' || seg === '.' || seg === '')) {
    r.problem(`DATA_ROOT must be a relative prefix such as "data" (got "${raw}")`);
    return 'data';
  }
  return v;
}

function optional<K extends string>(key: K, value: string): { [P in K]?: string } {
  return (value ? { [key]: value } : {}) as { [P in K]?: string };
}

class Reader {
  private readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  problem(message: string): void {
    this.problems.push(message);
  }

  throwIfProblems(): void {
    if (this.problems.length > 0) throw new ConfigError(this.problems);
  }

  str(name: string, fallback: string): string {
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? fallback : v.trim();
  }

  bool(name: string, fallback: boolean): boolean {
    const v = this.str(name, '').toLowerCase();
    if (v === '') return fallback;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    this.problem(`${name} must be 0 or 1 (got "${v}")`);
    return fallback;
  }

  num(name: string, fallback: number, opts: { min?: number; max?: number; int?: boolean } = {}): number {
    const raw = this.str(name, '');
    if (raw === '') return fallback;
    const v = Number(raw);
    const bad =
      !Number.isFinite(v) ||
      (opts.int && !Number.isInteger(v)) ||
      (opts.min !== undefined && v < opts.min) ||
      (opts.max !== undefined && v > opts.max);
    if (bad) {
      const range = [opts.min !== undefined ? `>= ${opts.min}` : '', opts.max !== undefined ? `<= ${opts.max}` : '']
        .filter(Boolean)
        .join(' and ');
      this.problem(`${name} must be ${opts.int ? 'an integer' : 'a number'}${range ? ` ${range}` : ''} (got "${raw}")`);
      return fallback;
    }
    return v;
  }

  url(name: string): string | undefined {
    const raw = this.str(name, '');
    if (raw === '') return undefined;
    try {
      const u = new URL(raw);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('protocol');
      return raw;
    } catch {
      this.problem(`${name} must be an http(s) URL (got "${raw}")`);
      return undefined;
    }
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T, normalise: (v: string) => string = (v) => v): T {
    const raw = this.str(name, '');
    if (raw === '') return fallback;
    const v = normalise(raw);
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problem(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
    return fallback;
  }
}
