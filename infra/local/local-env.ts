// How local mode reads its configuration, one loader for `npm start` and the `ocrlty` CLI alike: `.env` in
// the current folder, else in the project folder (where npm runs `npm start`), never overriding variables
// already set; then LOCAL_DATA_DIR (default <project>/.ocrlty; a relative path is taken from the folder of
// the .env that set it, or from the current folder when it came from the environment), PORT and HOST.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseEnv } from 'node:util';

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface LocalSettings {
  /** Absolute data folder: tables, bucket, pepper, the folder's lock. */
  dataDir: string;
  port: number;
  host: string;
  /** The `.env` file that was read, if any. */
  envFile?: string;
}

/**
 * Fills `env` (process.env by default) from the `.env` file without overriding what is set, then reads
 * the local-mode settings from it. A bad PORT throws with a message naming it.
 */
export function loadLocalEnv(opts: { cwd?: string; env?: Record<string, string | undefined> } = {}): LocalSettings {
  const cwd = resolve(opts.cwd ?? process.cwd());
  const env = opts.env ?? process.env;
  const envFile = [join(cwd, '.env'), join(PROJECT_ROOT, '.env')].find((f) => existsSync(f));
  const fromFile = new Set<string>();
  if (envFile) {
    for (const [k, v] of Object.entries(parseEnv(readFileSync(envFile, 'utf8')))) {
      if (env[k] !== undefined) continue;
      env[k] = v;
      fromFile.add(k);
    }
  }
  const rawPort = env.PORT?.trim() || '8080';
  const port = Number(rawPort);
  if (!/^\d+$/.test(rawPort) || port > 65535) throw new Error(`PORT must be a port number (got "${env.PORT}")`);
  const dataDirSetting = env.LOCAL_DATA_DIR?.trim();
  const base = envFile && fromFile.has('LOCAL_DATA_DIR') ? dirname(envFile) : cwd;
  return {
    dataDir: dataDirSetting ? resolve(base, dataDirSetting) : join(PROJECT_ROOT, '.ocrlty'),
    port,
    host: env.HOST?.trim() || '127.0.0.1',
    ...(envFile ? { envFile } : {}),
  };
}
