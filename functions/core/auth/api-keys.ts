// API keys: generation, peppered HMAC hashing, roles and scopes (seed 000 §9, DESIGN.md §4).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { ForbiddenError, ValidationError } from '../errors.ts';

export const SCOPES = ['extract:run', 'debug:run', 'debug:read_raw', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

export const ROLES = ['client', 'debugger', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Default scopes of each role; `--scopes` on the CLI may replace them. */
export const ROLE_SCOPES: Record<Role, Scope[]> = {
  client: ['extract:run'],
  debugger: ['extract:run', 'debug:run', 'debug:read_raw'],
  admin: ['extract:run', 'debug:run', 'debug:read_raw', 'admin'],
};

/** Who is calling: what the authorizer puts in the request context. */
export interface Principal {
  keyId: string;
  role: Role;
  scopes: Scope[];
}

/** A stored key record; the raw key is never stored. */
export interface ApiKeyRecord {
  keyId: string;
  keyHash: string;
  role: Role;
  scopes: Scope[];
  createdAt: string;
  revokedAt?: string;
}

const KEY_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function assertKeyId(keyId: string): void {
  if (!KEY_ID_PATTERN.test(keyId)) {
    throw new ValidationError('key_id must be 1-64 characters of letters, digits, "_", "." or "-"', { key_id: keyId });
  }
}

export function parseRole(value: string): Role {
  if ((ROLES as readonly string[]).includes(value)) return value as Role;
  throw new ValidationError(`role must be one of ${ROLES.join(', ')}`, { role: value });
}

/** Parses scopes given as CSV or a JSON array (as the seed's CLI accepts). */
export function parseScopes(value: string): Scope[] {
  const trimmed = value.trim();
  let list: unknown;
  if (trimmed.startsWith('[')) {
    try {
      list = JSON.parse(trimmed);
    } catch {
      throw new ValidationError('scopes must be CSV or a JSON array of strings');
    }
  } else {
    list = trimmed.split(',').map((s) => s.trim());
  }
  if (!Array.isArray(list)) throw new ValidationError('scopes must be CSV or a JSON array of strings');
  const scopes = [...new Set(list.filter((s) => s !== ''))];
  const unknown = scopes.filter((s) => !(SCOPES as readonly unknown[]).includes(s));
  if (unknown.length > 0) throw new ValidationError(`unknown scopes: ${unknown.join(', ')}`, { allowed: SCOPES });
  return scopes as Scope[];
}

/** A new random API key: 32 bytes of entropy, URL-safe. Shown to the user once, then only its hash exists. */
export function generateApiKey(): string {
  return `ocr_${randomBytes(32).toString('base64url')}`;
}

/** HMAC-SHA256(pepper, key) as hex — the only form in which keys are stored. */
export function hashApiKey(pepper: string, apiKey: string): string {
  return createHmac('sha256', pepper).update(apiKey, 'utf8').digest('hex');
}

/**
 * The value of the API Gateway API key that meters one of our keys under per-key quotas
 * (docs/deploy.md "Per-key quotas"): sha256hex("ocrlty-usage:" + stage + ":" + key_id). The authorizer
 * returns it as `usageIdentifierKey`; `ocrlty keys create` creates the API Gateway key with it. It is
 * derived from public facts, so it is an identifier, not a credential: clients cannot present it.
 */
export function usageKeyValue(stage: string, keyId: string): string {
  return createHash('sha256').update(`ocrlty-usage:${stage}:${keyId}`, 'utf8').digest('hex');
}

/** The name of that API Gateway key: `ocrlty-<stage>-<key_id>`. */
export function usageKeyName(stage: string, keyId: string): string {
  return `ocrlty-${stage}-${keyId}`;
}

/** Constant-time comparison of two hex hashes. */
export function hashesEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && ba.length > 0 && timingSafeEqual(ba, bb);
}

/** Reads the key from `Authorization: Bearer <key>` or `X-API-Key: <key>` (header names case-insensitive). */
export function apiKeyFromHeaders(headers: Record<string, string | undefined> | null | undefined): string | undefined {
  if (!headers) return undefined;
  let authorization: string | undefined;
  let xApiKey: string | undefined;
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (lower === 'authorization') authorization = value;
    else if (lower === 'x-api-key') xApiKey = value;
  }
  const bearer = authorization?.match(/^\s*Bearer\s+(\S+)\s*$/i)?.[1];
  const key = bearer ?? xApiKey?.trim();
  return key ? key : undefined;
}

export function hasScope(principal: Principal, scope: Scope): boolean {
  return principal.scopes.includes(scope) || principal.scopes.includes('admin');
}

export function requireScope(principal: Principal, scope: Scope): void {
  if (!hasScope(principal, scope)) {
    throw new ForbiddenError(`This API key lacks the "${scope}" scope`, { required_scope: scope });
  }
}

export function isAdmin(principal: Principal): boolean {
  return principal.role === 'admin' || principal.scopes.includes('admin');
}

/** Owner isolation: a non-admin principal may only touch what its key owns. */
export function canAccess(principal: Principal, ownerKeyId: string | undefined): boolean {
  return isAdmin(principal) || (ownerKeyId !== undefined && ownerKeyId === principal.keyId);
}
