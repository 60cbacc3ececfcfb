// JSON-line logger on Powertools for AWS Lambda. The message is the seed's event name
// (request_start, vllm_call_end, s3_put…); callers pass request_id explicitly because local mode
// serves many requests in one process. Never pass base64, raw model text or whole payloads here.
import { Logger as PowertoolsLogger } from '@aws-lambda-powertools/logger';
import type { Config } from '../config.ts';
import type { Logger } from '../core/ports.ts';

export function makeLogger(config: Pick<Config, 'logLevel' | 'stage'>): Logger {
  const pt = new PowertoolsLogger({
    serviceName: 'ocrlty',
    logLevel: config.logLevel,
    persistentKeys: { stage: config.stage },
  });
  const emit =
    (level: 'debug' | 'info' | 'warn' | 'error') =>
    (event: string, fields: Record<string, unknown> = {}): void =>
      pt[level]({ message: event, event, ...fields });
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** A logger that drops everything, for tests and the CLI. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
