// The data folder's lock: one live holder at a time, stale locks (dead pid, reused pid) taken over,
// a CLI holder waited for, a live stack refused with the one-line message.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { DataFolderBusyError, LOCK_FILE, acquireDataLock, liveLock } from '../../infra/local/data-lock.ts';

const root = mkdtempSync(join(tmpdir(), 'ocrlty-lock-unit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const folder = () => join(root, `d${++n}`);

/** A pid that existed and has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('acquireDataLock', () => {
  test('writes the holder, adds the URL, and removes the file on release', async () => {
    const dir = folder();
    const lock = await acquireDataLock(dir, { holder: 'stack' });
    lock.update({ api: 'http://127.0.0.1:8080' });
    expect(JSON.parse(readFileSync(join(dir, LOCK_FILE), 'utf8'))).toMatchObject({
      pid: process.pid,
      holder: 'stack',
      api: 'http://127.0.0.1:8080',
    });
    expect(liveLock(dir)).toMatchObject({ pid: process.pid });
    lock.release();
    expect(existsSync(join(dir, LOCK_FILE))).toBe(false);
  });

  test('a live stack is a DataFolderBusyError with the one line to print', async () => {
    const dir = folder();
    const first = await acquireDataLock(dir, { holder: 'stack' });
    first.update({ api: 'http://127.0.0.1:8080' });
    const err = await acquireDataLock(dir, { holder: 'stack' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataFolderBusyError);
    expect((err as Error).message).toBe(
      `OCRlty is already running (pid ${process.pid}, http://127.0.0.1:8080) with data in ${dir}; ` +
        'stop it first, or set LOCAL_DATA_DIR to another folder',
    );
    first.release();
  });

  test('a CLI holder is waited for, and the lock taken once it is released', async () => {
    const dir = folder();
    const cli = await acquireDataLock(dir, { holder: 'cli', command: 'data put' });
    setTimeout(() => cli.release(), 300);
    const started = Date.now();
    const stack = await acquireDataLock(dir, { holder: 'stack' }, { waitMs: 5000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    expect(stack.info.holder).toBe('stack');
    stack.release();
  });

  test('a CLI holder that outlasts the wait is named in the error', async () => {
    const dir = folder();
    const cli = await acquireDataLock(dir, { holder: 'cli', command: 'keys list' });
    const err = await acquireDataLock(dir, { holder: 'stack' }, { waitMs: 200 }).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      `The data folder ${dir} is in use by "ocrlty keys list" (pid ${process.pid}); try again when it ends`,
    );
    cli.release();
  });

  test('a lock left by a dead process (kill -9) is stale and taken over', async () => {
    const dir = folder();
    await acquireDataLock(dir, { holder: 'cli' }).then((l) => l.release());
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: deadPid(), started_at: new Date().toISOString(), holder: 'stack' }),
    );
    expect(liveLock(dir)).toBeUndefined();
    const lock = await acquireDataLock(dir, { holder: 'stack' }, { waitMs: 0 });
    expect(lock.info.pid).toBe(process.pid);
    lock.release();
  });

  test('a lock whose pid now belongs to a later process (reused pid) is stale', async () => {
    const dir = folder();
    await acquireDataLock(dir, { holder: 'cli' }).then((l) => l.release());
    // The parent process is alive, but it started long after this lock claims to have been written.
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.ppid, started_at: '2001-01-01T00:00:00.000Z', holder: 'stack' }),
    );
    expect(liveLock(dir)).toBeUndefined();
  });

  test('a lock with this process’s pid that this process does not hold is stale (a container restart)', async () => {
    const dir = folder();
    await acquireDataLock(dir, { holder: 'cli' }).then((l) => l.release());
    writeFileSync(
      join(dir, LOCK_FILE),
      JSON.stringify({ pid: process.pid, started_at: new Date().toISOString(), holder: 'stack' }),
    );
    expect(liveLock(dir)).toBeUndefined();
  });

  test('an unreadable lock file is taken over', async () => {
    const dir = folder();
    await acquireDataLock(dir, { holder: 'cli' }).then((l) => l.release());
    writeFileSync(join(dir, LOCK_FILE), '{not json');
    const lock = await acquireDataLock(dir, { holder: 'stack' }, { waitMs: 0 });
    lock.release();
  });
});
