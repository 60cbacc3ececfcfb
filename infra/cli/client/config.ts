// Where the client commands send requests: flag > environment (OCRLTY_API_URL, OCRLTY_API_KEY) >
// $XDG_CONFIG_HOME/ocrlty/config.json (default ~/.config/ocrlty/config.json, `{"api_url", "api_key"}`).
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ClientUsageError } from './errors.ts';

export const DEFAULT_API_URL = 'http://127.0.0.1:8080';

export interface ClientConfig {
  apiUrl: string;
  apiKey: string | undefined;
  /** Where each value came from, for error messages. */
  from: { apiUrl: 'flag' | 'env' | 'file' | 'default'; apiKey: 'flag' | 'env' | 'file' | 'none' };
}

export function configFilePath(env: NodeJS.ProcessEnv): string {
  const base = env.XDG_CONFIG_HOME?.trim() || join(env.HOME?.trim() || homedir(), '.config');
  return join(base, 'ocrlty', 'config.json');
}

function readConfigFile(path: string): { api_url?: string; api_key?: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return {};
  }
  try {
    const parsed = JSON.parse(text) as unknown;
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as { api_url?: string; api_key?: string };
  } catch {
    // reported below
  }
  throw new ClientUsageError(`${path} is not a JSON object like {"api_url": "…", "api_key": "…"}`);
}

export function resolveClientConfig(flags: { 'api-url'?: string; 'api-key'?: string }, env: NodeJS.ProcessEnv): ClientConfig {
  const file = readConfigFile(configFilePath(env));
  const pick = <T extends string>(...c: Array<[string | undefined, T]>) => c.find(([v]) => v !== undefined && v.trim() !== '');
  const url = pick([flags['api-url'], 'flag'], [env.OCRLTY_API_URL, 'env'], [file.api_url, 'file']) ?? [
    DEFAULT_API_URL,
    'default',
  ];
  const key = pick([flags['api-key'], 'flag'], [env.OCRLTY_API_KEY, 'env'], [file.api_key, 'file']);
  const apiUrl = url[0]!.trim().replace(/\/+$/, '');
  try {
    const parsed = new URL(apiUrl);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ClientUsageError(`API URL "${apiUrl}" (from ${url[1]}) is not an http(s) URL`);
  }
  return {
    apiUrl,
    apiKey: key?.[0]?.trim(),
    from: { apiUrl: url[1] as ClientConfig['from']['apiUrl'], apiKey: (key?.[1] ?? 'none') as ClientConfig['from']['apiKey'] },
  };
}
