// The `ocrlty` CLI: API key management (seed 001 "Управление пользователями").
//   ocrlty keys create --key-id ID --role client|debugger|admin [--scopes CSV|JSON] [--json]
//   ocrlty keys list [--json]
//   ocrlty keys revoke --key-id ID [--json]
// Target: the deployed tables when KEYS_TABLE is set (AWS credentials from the usual chain, pepper from
// API_KEY_PEPPER or SECRETS_ARN; with USAGE_PLAN_IDS and STAGE also the per-key quota usage plans, see
// infra/cli/usage-plans.ts); otherwise the local stack's data folder (LOCAL_DATA_DIR, default .ocrlty/),
// through the running stack's dynalite if it is up, or an embedded one if it is not.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { makeDynamoClient } from '../../functions/adapters/dynamo/client.ts';
import { DynamoKeyStore } from '../../functions/adapters/dynamo/key-store.ts';
import { resolveSecretsIntoEnv } from '../../functions/adapters/secrets.ts';
import { parseRole, parseScopes, usageKeyName } from '../../functions/core/auth/api-keys.ts';
import { AppError } from '../../functions/core/errors.ts';
import { createKey, describeKey, revokeKey } from '../../functions/core/auth/manage-keys.ts';
import type { KeyStore } from '../../functions/core/ports.ts';
import { TABLES } from '../../functions/tables.ts';
import { createTables, startDynalite } from '../local/emulators.ts';
import { type EndpointsFile, REPO_ROOT, localPepper, localTableNames } from '../local/stack.ts';
import { ApiGatewayUsageKeys, readUsagePlanConfig } from './usage-plans.ts';

const USAGE = `Usage:
  ocrlty keys create --key-id ID --role client|debugger|admin [--scopes CSV|JSON] [--json]
  ocrlty keys list [--json]
  ocrlty keys revoke --key-id ID [--json]

Targets the local stack's data (LOCAL_DATA_DIR, default .ocrlty/) unless KEYS_TABLE is set,
in which case it uses that DynamoDB table with your AWS credentials (see docs/deploy.md). With
KEYS_TABLE, USAGE_PLAN_IDS='{"client":"<id>","debugger":"<id>","admin":"<id>"}' and STAGE, create and
revoke also manage each key's API Gateway usage plan key (docs/deploy.md "Per-key quotas").`;

class UsageError extends Error {}

interface Target {
  keys: KeyStore;
  pepper: string;
  where: string;
  /** Per-key quotas: only in cloud mode with USAGE_PLAN_IDS set, and only when the command asked for it. */
  usage?: ApiGatewayUsageKeys;
  close(): Promise<void>;
}

async function openTarget(env: NodeJS.ProcessEnv, opts: { usagePlans?: boolean } = {}): Promise<Target> {
  if (env.KEYS_TABLE) {
    // Read before anything is written, so a bad USAGE_PLAN_IDS or missing STAGE changes nothing.
    const usageConfig = opts.usagePlans ? readUsagePlanConfig(env) : undefined;
    await resolveSecretsIntoEnv(env);
    const pepper = env.API_KEY_PEPPER;
    if (!pepper) throw new Error('API_KEY_PEPPER (or SECRETS_ARN holding it) is required with KEYS_TABLE');
    const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? 'us-east-1';
    const db = makeDynamoClient({
      region,
      keysTable: env.KEYS_TABLE,
      jobsTable: '',
      artifactsTable: '',
      ...(env.DYNAMODB_ENDPOINT_URL ? { endpointUrl: env.DYNAMODB_ENDPOINT_URL } : {}),
    });
    const apiGateway = usageConfig
      ? new APIGatewayClient({
          region,
          ...(env.AWS_ENDPOINT_URL_API_GATEWAY ? { endpoint: env.AWS_ENDPOINT_URL_API_GATEWAY } : {}),
        })
      : undefined;
    return {
      keys: new DynamoKeyStore(db, env.KEYS_TABLE),
      pepper,
      where: `table ${env.KEYS_TABLE}`,
      ...(apiGateway && usageConfig ? { usage: new ApiGatewayUsageKeys(apiGateway, usageConfig) } : {}),
      close: async () => {
        db.destroy();
        apiGateway?.destroy();
      },
    };
  }

  const dataDir = resolve(env.LOCAL_DATA_DIR ?? join(REPO_ROOT, '.ocrlty'));
  const pepper = localPepper(dataDir, env);
  const tables = localTableNames();
  const running = runningStack(dataDir);
  let endpoint: string;
  let stopEmbedded = async () => {};
  if (running) {
    endpoint = running.dynamodb;
  } else {
    // No stack running: open the same on-disk tables with an embedded dynalite for this one command.
    const embedded = await startDynalite(dataDir);
    await createTables(embedded.endpoint, TABLES, tables);
    endpoint = embedded.endpoint;
    stopEmbedded = embedded.close;
  }
  const db = makeDynamoClient({
    region: 'us-east-1',
    endpointUrl: endpoint,
    keysTable: tables.KEYS_TABLE!,
    jobsTable: '',
    artifactsTable: '',
  });
  return {
    keys: new DynamoKeyStore(db, tables.KEYS_TABLE!),
    pepper,
    where: `local data ${dataDir}`,
    close: async () => {
      db.destroy();
      await stopEmbedded();
    },
  };
}

function runningStack(dataDir: string): EndpointsFile | undefined {
  const file = join(dataDir, 'endpoints.json');
  if (!existsSync(file)) return undefined;
  try {
    const endpoints = JSON.parse(readFileSync(file, 'utf8')) as EndpointsFile;
    process.kill(endpoints.pid, 0);
    return endpoints;
  } catch {
    return undefined;
  }
}

async function run(argv: string[]): Promise<void> {
  const [group, command, ...rest] = argv;
  if (group === undefined || group === '--help' || group === '-h' || group === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (group !== 'keys' || !command || !['create', 'list', 'revoke'].includes(command)) {
    throw new UsageError(`Unknown command "${argv.join(' ')}"`);
  }
  let values: { 'key-id'?: string; role?: string; scopes?: string; json?: boolean };
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        'key-id': { type: 'string' },
        role: { type: 'string' },
        scopes: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const json = values.json === true;

  if (command === 'create') {
    if (!values['key-id'] || !values.role) throw new UsageError('keys create needs --key-id and --role');
    const role = parseRole(values.role);
    const scopes = values.scopes !== undefined ? parseScopes(values.scopes) : undefined;
    const target = await openTarget(process.env, { usagePlans: true });
    try {
      const created = await createKey(
        target.keys,
        target.pepper,
        { keyId: values['key-id'], role, now: new Date(), ...(scopes ? { scopes } : {}) },
        target.usage,
      );
      const usage = target.usage
        ? {
            usage_plan_id: target.usage.config.planIds[role],
            usage_key_name: usageKeyName(target.usage.config.stage, created.record.keyId),
          }
        : undefined;
      if (json) {
        process.stdout.write(`${JSON.stringify({ ...describeKey(created.record), ...usage, api_key: created.apiKey })}\n`);
      } else {
        const d = describeKey(created.record);
        process.stdout.write(
          `Created key_id=${String(d.key_id)} role=${String(d.role)} scopes=${created.record.scopes.join(',')} (${target.where})\n` +
            (usage ? `Metered by usage plan ${usage.usage_plan_id} (API Gateway key ${usage.usage_key_name})\n` : '') +
            `API key (shown only once, store it now):\n${created.apiKey}\n`,
        );
      }
    } finally {
      await target.close();
    }
    return;
  }

  if (command === 'list') {
    const target = await openTarget(process.env);
    try {
      const keys = (await target.keys.list()).map(describeKey);
      if (json) {
        process.stdout.write(`${JSON.stringify(keys)}\n`);
      } else if (keys.length === 0) {
        process.stdout.write(`No keys (${target.where}).\n`);
      } else {
        const rows = keys.map((k) => [k.key_id, k.role, k.status, (k.scopes as string[]).join(','), k.created_at].map(String));
        const header = ['KEY_ID', 'ROLE', 'STATUS', 'SCOPES', 'CREATED_AT'];
        const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
        for (const r of [header, ...rows]) process.stdout.write(`${r.map((c, i) => c.padEnd(widths[i]!)).join('  ')}\n`);
      }
    } finally {
      await target.close();
    }
    return;
  }

  if (!values['key-id']) throw new UsageError('keys revoke needs --key-id');
  const target = await openTarget(process.env, { usagePlans: true });
  try {
    const { record, metered } = await revokeKey(target.keys, values['key-id'], new Date(), target.usage);
    const usageKey = target.usage ? usageKeyName(target.usage.config.stage, record.keyId) : undefined;
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ ...describeKey(record), ...(usageKey ? { usage_key_deleted: metered } : {}) })}\n`,
      );
    } else {
      process.stdout.write(`Revoked key_id=${record.keyId} at ${String(record.revokedAt)}\n`);
      if (usageKey) {
        process.stdout.write(
          metered ? `Deleted API Gateway key ${usageKey}\n` : `No API Gateway key ${usageKey} to delete (not metered)\n`,
        );
      }
    }
  } finally {
    await target.close();
  }
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof UsageError) {
    process.stderr.write(`ocrlty: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const message = err instanceof AppError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`ocrlty: ${message}\n`);
  process.exit(1);
});
