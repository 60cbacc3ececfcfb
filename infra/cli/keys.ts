// `ocrlty keys create|list|revoke`: API key management (seed 001 "Управление пользователями"), on the
// deployed table when KEYS_TABLE is set, otherwise on the local data folder (the same .env and
// LOCAL_DATA_DIR as `npm start`, whether or not it is running).
import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { makeDynamoClient } from '../../functions/adapters/dynamo/client.ts';
import { DynamoKeyStore } from '../../functions/adapters/dynamo/key-store.ts';
import { resolveSecretsIntoEnv } from '../../functions/adapters/secrets.ts';
import { ROLE_SCOPES, type Role, type Scope, parseRole, parseScopes, usageKeyName } from '../../functions/core/auth/api-keys.ts';
import { createKey, describeKey, revokeKey } from '../../functions/core/auth/manage-keys.ts';
import type { KeyStore } from '../../functions/core/ports.ts';
import { localSettings, openLocalData } from './local-target.ts';
import { ApiGatewayUsageKeys, readUsagePlanConfig } from './usage-plans.ts';

export class KeysUsageError extends Error {}

interface Target {
  keys: KeyStore;
  pepper: string;
  where: string;
  /** Per-key quotas: only in cloud mode with USAGE_PLAN_IDS set, and only when the command asked for it. */
  usage?: ApiGatewayUsageKeys;
  close(): Promise<void>;
}

async function openTarget(command: string, env: NodeJS.ProcessEnv, opts: { usagePlans?: boolean } = {}): Promise<Target> {
  const settings = localSettings(env);
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
      uploadsTable: '',
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

  const local = await openLocalData(settings, command, { tables: true }, env);
  const db = makeDynamoClient(local.config.dynamo);
  return {
    keys: new DynamoKeyStore(db, local.config.dynamo.keysTable),
    pepper: local.config.apiKeyPepper,
    where: local.where,
    close: async () => {
      db.destroy();
      await local.close();
    },
  };
}

export interface KeysOptions {
  'key-id'?: string;
  role?: string;
  scopes?: string;
  'add-scopes'?: string;
  json?: boolean;
}

/** The scopes a new key gets: `--scopes` replaces the role's defaults, `--add-scopes` adds to them. */
export function scopesFor(role: Role, scopes?: string, addScopes?: string): Scope[] | undefined {
  if (scopes === undefined && addScopes === undefined) return undefined;
  const base = scopes !== undefined ? parseScopes(scopes) : ROLE_SCOPES[role];
  return [...new Set([...base, ...(addScopes !== undefined ? parseScopes(addScopes) : [])])];
}

export async function keysCommand(command: string, values: KeysOptions, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const json = values.json === true;
  if (command === 'create') {
    if (!values['key-id'] || !values.role) throw new KeysUsageError('keys create needs --key-id and --role');
    const role = parseRole(values.role);
    const scopes = scopesFor(role, values.scopes, values['add-scopes']);
    const target = await openTarget('keys create', env, { usagePlans: true });
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
    const target = await openTarget('keys list', env);
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

  if (!values['key-id']) throw new KeysUsageError('keys revoke needs --key-id');
  const target = await openTarget('keys revoke', env, { usagePlans: true });
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
