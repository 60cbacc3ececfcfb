// The quick start as a user runs it: `npm start` (infra/local/main.ts) in a fresh data folder prints a
// first admin key; `ocrlty keys …` manages keys against the running stack; data survives a restart;
// Ctrl-C (SIGINT) stops it cleanly.
import { type ChildProcess, spawn } from 'node:child_process';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, test } from 'vitest';
import { makePng } from '../support/images.ts';

const run = promisify(execFile);
const ROOT = join(import.meta.dirname, '..', '..');
const dataDir = mkdtempSync(join(tmpdir(), 'ocrlty-start-'));
const env = { ...process.env, LOCAL_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'ERROR' };
const children: ChildProcess[] = [];

afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

/** Starts `npm start`'s program and resolves once it prints its URL, with everything it printed. */
async function start(): Promise<{ child: ChildProcess; url: string; banner: () => string }> {
  const child = spawn(process.execPath, ['bin/node22.mjs', '--import', 'tsx', 'infra/local/main.ts'], { cwd: ROOT, env });
  children.push(child);
  let out = '';
  child.stderr!.on('data', (d) => (out += d));
  child.stdout!.on('data', () => undefined);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no start banner:\n${out}`)), 30_000);
    const check = () => {
      const m = /is up: (http:\/\/[\d.:]+)/.exec(out);
      if (m && out.includes('Ctrl-C')) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    };
    child.stderr!.on('data', check);
    child.on('exit', (code) => reject(new Error(`exited ${code}:\n${out}`)));
  });
  return { child, url, banner: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  child.kill('SIGINT');
  return exited;
}

async function cli(...args: string[]) {
  return run(process.execPath, ['bin/ocrlty.mjs', ...args], { cwd: ROOT, env });
}

describe('npm start and the key CLI', () => {
  let adminKey = '';

  test('first start prints a local admin key once, and it works', async () => {
    const { child, url, banner } = await start();
    adminKey = /\n {2}(ocr_[A-Za-z0-9_-]+)\n/.exec(banner())?.[1] ?? '';
    expect(adminKey).not.toBe('');
    const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(await me.json()).toMatchObject({ key_id: 'local-admin', role: 'admin' });

    // The CLI talks to the running stack's tables.
    const created = JSON.parse((await cli('keys', 'create', '--key-id', 'cli-client', '--role', 'client', '--json')).stdout);
    expect(created).toMatchObject({ key_id: 'cli-client', role: 'client', scopes: ['extract:run'] });
    const extract = await fetch(`${url}/v1/extract`, {
      method: 'POST',
      headers: { authorization: `Bearer ${created.api_key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ task_id: 'receipt_fields_v1', image_base64: makePng().toString('base64'), mime_type: 'image/png' }),
    });
    expect(extract.status).toBe(200);

    const listed = JSON.parse((await cli('keys', 'list', '--json')).stdout);
    expect(listed.map((k: { key_id: string }) => k.key_id).sort()).toEqual(['cli-client', 'local-admin']);
    expect(JSON.stringify(listed)).not.toContain(created.api_key);

    await cli('keys', 'revoke', '--key-id', 'cli-client');
    const revoked = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${created.api_key}` } });
    expect(revoked.status).toBe(401);

    expect(await stop(child)).toBe(0);
  });

  test('a restart keeps keys and artifacts, and prints no new key', async () => {
    const { child, url, banner } = await start();
    expect(banner()).not.toContain('Created the first API key');
    const me = await fetch(`${url}/v1/me`, { headers: { authorization: `Bearer ${adminKey}` } });
    expect(me.status).toBe(200);
    expect(await stop(child)).toBe(0);
  });

  test('the CLI works with no stack running, and reports bad usage with exit code 2', async () => {
    const created = JSON.parse((await cli('keys', 'create', '--key-id', 'offline', '--role', 'debugger', '--json')).stdout);
    expect(created.scopes).toEqual(['extract:run', 'debug:run', 'debug:read_raw']);
    const dup = await cli('keys', 'create', '--key-id', 'offline', '--role', 'client').catch(
      (e: { code: number; stderr: string }) => e,
    );
    expect(dup).toMatchObject({ code: 1 });
    expect((dup as { stderr: string }).stderr).toContain('already exists');
    const bad = await cli('keys', 'create', '--role', 'client').catch((e: { code: number }) => e);
    expect(bad).toMatchObject({ code: 2 });
  });

  test('--scopes replaces the role’s scopes and --add-scopes adds to them', async () => {
    const added = JSON.parse(
      (await cli('keys', 'create', '--key-id', 'reader', '--role', 'client', '--add-scopes', 'debug:read_raw', '--json')).stdout,
    );
    expect(added.scopes).toEqual(['extract:run', 'debug:read_raw']);
    const replaced = JSON.parse(
      (await cli('keys', 'create', '--key-id', 'narrow', '--role', 'debugger', '--scopes', 'extract:run', '--json')).stdout,
    );
    expect(replaced.scopes).toEqual(['extract:run']);
  });
});
