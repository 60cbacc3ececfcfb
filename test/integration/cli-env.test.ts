// The CLI reads configuration exactly as `npm start` does: a custom data folder and pepper set only in
// `.env` give keys that the started stack accepts.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { type LocalProcess, runCli, startLocalProcess, stopLocalProcess, stopWith } from '../support/processes.ts';

const project = mkdtempSync(join(tmpdir(), 'ocrlty-dotenv-'));
const started: LocalProcess[] = [];
// The environment of a user's shell: nothing OCRlty-specific set, everything in .env.
const env = Object.fromEntries(
  Object.entries(process.env).filter(
    ([k]) => !['LOCAL_DATA_DIR', 'PORT', 'API_KEY_PEPPER', 'KEYS_TABLE', 'S3_BUCKET'].includes(k),
  ),
);

afterAll(async () => {
  // SIGTERM: bin/node22.mjs passes it on, so a stack left running by a failed test stops too (SIGKILL
  // would kill only the wrapper and orphan the stack).
  await Promise.all(
    started.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => stopWith(p, 'SIGTERM')),
  );
  rmSync(project, { recursive: true, force: true });
});

test('a key made by the CLI with LOCAL_DATA_DIR and API_KEY_PEPPER only in .env authenticates on the started stack', async () => {
  mkdirSync(project, { recursive: true });
  writeFileSync(
    join(project, '.env'),
    ['LOCAL_DATA_DIR=custom-data', 'API_KEY_PEPPER=pepper-from-dotenv-0123456789', 'PORT=0', 'LOG_LEVEL=ERROR'].join('\n'),
  );

  const created = await runCli(['keys', 'create', '--key-id', 'from-cli', '--role', 'client', '--json'], { cwd: project, env });
  expect(created.code).toBe(0);
  const apiKey = JSON.parse(created.stdout).api_key as string;
  expect(existsSync(join(project, 'custom-data', 'dynamodb'))).toBe(true);

  const stack = await startLocalProcess({ cwd: project, env });
  started.push(stack);
  expect(stack.output()).toContain(`data:      ${join(project, 'custom-data')}`);
  const me = await fetch(`${stack.url}/v1/me`, { headers: { authorization: `Bearer ${apiKey}` } });
  expect(me.status).toBe(200);
  expect(await me.json()).toMatchObject({ key_id: 'from-cli', role: 'client' });

  // And back: the CLI lists what the stack sees, through the running stack.
  const listed = await runCli(['keys', 'list', '--json'], { cwd: project, env });
  expect(
    JSON.parse(listed.stdout)
      .map((k: { key_id: string }) => k.key_id)
      .sort(),
  ).toEqual(['from-cli']);
  expect(await stopLocalProcess(stack)).toBe(0);
});
