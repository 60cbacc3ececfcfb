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
  };
  limits: {
    maxImageBytes: number;
    maxImagePixels: number;
    maxBodyBytes: number;
  };
  jobs: {
    progressEveryN: number;
    progressMinSeconds: number;
    syncWaitS: number;
    stateMachineArn?: string;
  };
  corsAllowOrigins: string[];
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
  if (authEnabled && pepper.length < 16) {
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
    },
    limits: {
      // 3 MiB of image is ~4.2 MB of base64: well under Lambda's 6 MB invocation payload.
      maxImageBytes: r.num('MAX_IMAGE_BYTES', 3 * 1024 * 1024, { min: 1024, max: 4_400_000, int: true }),
      maxImagePixels: r.num('MAX_IMAGE_PIXELS', 50_000_000, { min: 1, int: true }),
      maxBodyBytes: r.num('MAX_BODY_BYTES', 5_800_000, { min: 1024, max: 6_000_000, int: true }),
    },
    jobs: {
      progressEveryN: r.num('JOBS_PROGRESS_EVERY_N', 10, { min: 1, int: true }),
      progressMinSeconds: r.num('JOBS_PROGRESS_MIN_SECONDS', 1, { min: 0 }),
      syncWaitS: r.num('SYNC_WAIT_S', 25, { min: 0, max: 28 }),
      ...optional('stateMachineArn', r.str('STATE_MACHINE_ARN', '')),
    },
    corsAllowOrigins: r
      .str('CORS_ALLOW_ORIGINS', '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
  if (config.s3.accessKeyId && !config.s3.secretAccessKey) {
    r.problem('R2_SECRET_ACCESS_KEY is required when R2_ACCESS_KEY_ID is set');
  }
  r.throwIfProblems();
  return config;
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
