// Per-key quotas for the `ocrlty keys` CLI (docs/deploy.md "Per-key quotas"): one API Gateway API key per
// OCRlty key, named `ocrlty-<stage>-<key_id>`, whose value is what the authorizer returns as
// `usageIdentifierKey`, in the usage plan of the key's role. CLI only: no Lambda handler imports this
// file or @aws-sdk/client-api-gateway.
import {
  type APIGatewayClient,
  CreateApiKeyCommand,
  CreateUsagePlanKeyCommand,
  DeleteApiKeyCommand,
  GetApiKeysCommand,
} from '@aws-sdk/client-api-gateway';
import { type ApiKeyRecord, ROLES, type Role, usageKeyName, usageKeyValue } from '../../functions/core/auth/api-keys.ts';
import type { UsageKeyRegistry } from '../../functions/core/ports.ts';

export interface UsagePlanConfig {
  /** STAGE: the stage the plans belong to (part of the key name and value). */
  stage: string;
  /** Usage plan id per role: the UsagePlanClient|Debugger|Admin outputs of OcrltyService-<stage>. */
  planIds: Record<Role, string>;
}

/**
 * Reads USAGE_PLAN_IDS (JSON `{"client":"<id>","debugger":"<id>","admin":"<id>"}`) and STAGE. Undefined
 * when USAGE_PLAN_IDS is unset or empty: per-key quotas are off and the CLI touches only the table.
 */
export function readUsagePlanConfig(env: NodeJS.ProcessEnv): UsagePlanConfig | undefined {
  const raw = env.USAGE_PLAN_IDS?.trim();
  if (!raw) return undefined;
  const shape = `USAGE_PLAN_IDS must be a JSON object {"client":"<id>","debugger":"<id>","admin":"<id>"} (docs/deploy.md "Per-key quotas")`;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new Error(`${shape}; it is not JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error(shape);
  const entries = parsed as Record<string, unknown>;
  const unknown = Object.keys(entries).filter((k) => !(ROLES as readonly string[]).includes(k));
  const missing = ROLES.filter((r) => typeof entries[r] !== 'string' || !/^[A-Za-z0-9]+$/.test(entries[r]));
  if (unknown.length > 0 || missing.length > 0) {
    const problems = [
      ...(missing.length > 0 ? [`missing or invalid: ${missing.join(', ')}`] : []),
      ...(unknown.length > 0 ? [`unknown roles: ${unknown.join(', ')}`] : []),
    ];
    throw new Error(`${shape}; ${problems.join('; ')}`);
  }
  const stage = env.STAGE?.trim();
  if (!stage) throw new Error('STAGE (e.g. dev) is required with USAGE_PLAN_IDS: it is part of each usage key');
  if (!/^[a-z][a-z0-9-]{0,11}$/.test(stage)) throw new Error(`STAGE must be a stage name like "dev" (got "${stage}")`);
  return { stage, planIds: Object.fromEntries(ROLES.map((r) => [r, entries[r] as string])) as Record<Role, string> };
}

/** UsageKeyRegistry on API Gateway: CreateApiKey + CreateUsagePlanKey, GetApiKeys + DeleteApiKey. */
export class ApiGatewayUsageKeys implements UsageKeyRegistry {
  constructor(
    private readonly client: APIGatewayClient,
    readonly config: UsagePlanConfig,
  ) {}

  async register(record: ApiKeyRecord): Promise<void> {
    const { stage, planIds } = this.config;
    const name = usageKeyName(stage, record.keyId);
    const created = await this.client.send(
      new CreateApiKeyCommand({
        name,
        value: usageKeyValue(stage, record.keyId),
        enabled: true,
        description: `OCRlty ${record.role} key ${record.keyId}: meters it in the ${record.role} usage plan`,
      }),
    );
    if (!created.id) throw new Error(`CreateApiKey returned no id for ${name}`);
    try {
      await this.client.send(
        new CreateUsagePlanKeyCommand({ usagePlanId: planIds[record.role], keyId: created.id, keyType: 'API_KEY' }),
      );
    } catch (err) {
      // A key outside every plan would only be clutter (and block a re-run by name): remove it again.
      await this.client.send(new DeleteApiKeyCommand({ apiKey: created.id })).catch(() => undefined);
      throw err;
    }
  }

  async unregister(keyId: string): Promise<boolean> {
    const ids = await this.findByName(usageKeyName(this.config.stage, keyId));
    for (const id of ids) await this.client.send(new DeleteApiKeyCommand({ apiKey: id }));
    return ids.length > 0;
  }

  /** The ids of API keys with exactly this name (nameQuery matches prefixes: `…-acme` also finds `…-acme2`). */
  private async findByName(name: string): Promise<string[]> {
    const ids: string[] = [];
    let position: string | undefined;
    do {
      const page = await this.client.send(
        new GetApiKeysCommand({ nameQuery: name, limit: 500, includeValues: false, ...(position ? { position } : {}) }),
      );
      for (const item of page.items ?? []) if (item.name === name && item.id) ids.push(item.id);
      position = page.position;
    } while (position);
    return ids;
  }
}
