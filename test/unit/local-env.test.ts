// The one configuration loader of `npm start` and the CLI: .env without overriding the environment,
// LOCAL_DATA_DIR resolved from the .env's folder, PORT checked.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { PROJECT_ROOT, loadLocalEnv } from '../../infra/local/local-env.ts';

const dir = mkdtempSync(join(tmpdir(), 'ocrlty-env-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function folderWithEnv(name: string, lines: string[]): string {
  const folder = join(dir, name);
  mkdirSync(folder, { recursive: true });
  writeFileSync(join(folder, '.env'), lines.join('\n'));
  return folder;
}

describe('loadLocalEnv', () => {
  test('.env fills what the environment does not set, and the environment wins', () => {
    const cwd = folderWithEnv('a', ['LOCAL_DATA_DIR=my-data', 'DEBUG_MODE=1', 'LOG_LEVEL=DEBUG', 'PORT=9090']);
    const env: Record<string, string | undefined> = { LOG_LEVEL: 'ERROR' };
    const settings = loadLocalEnv({ cwd, env });
    expect(settings).toEqual({ dataDir: join(cwd, 'my-data'), port: 9090, host: '127.0.0.1', envFile: join(cwd, '.env') });
    expect(env).toMatchObject({ DEBUG_MODE: '1', LOG_LEVEL: 'ERROR', LOCAL_DATA_DIR: 'my-data' });
  });

  test('a relative LOCAL_DATA_DIR from the environment is taken from the current folder', () => {
    const cwd = folderWithEnv('b', []);
    expect(loadLocalEnv({ cwd, env: { LOCAL_DATA_DIR: 'elsewhere' } }).dataDir).toBe(join(cwd, 'elsewhere'));
  });

  test('without LOCAL_DATA_DIR the data folder is the project’s .ocrlty', () => {
    const cwd = folderWithEnv('c', ['PORT=0']);
    expect(loadLocalEnv({ cwd, env: {} })).toMatchObject({ dataDir: join(PROJECT_ROOT, '.ocrlty'), port: 0 });
  });

  test.each(['http', '-1', '70000', '80.5'])('PORT=%s is refused with a message naming PORT', (port) => {
    expect(() => loadLocalEnv({ cwd: dir, env: { PORT: port } })).toThrowError(/PORT must be a port number/);
  });
});
