// One stack per data folder: a second `npm start` on the same folder stops with one clear line and exit
// code 1; a stack killed with kill -9 leaves a stale lock the next start takes over; the CLI works beside
// a running stack without tripping the check.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import {
  type LocalProcess,
  runCli,
  runLocalProcessToExit,
  startLocalProcess,
  stopLocalProcess,
  stopWith,
} from '../support/processes.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'ocrlty-lock-'));
const env = { ...process.env, LOCAL_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'ERROR' };
const started: LocalProcess[] = [];

afterAll(async () => {
  // SIGTERM: bin/node22.mjs passes it on, so a stack left running by a failed test stops too (SIGKILL
  // would kill only the wrapper and orphan the stack).
  await Promise.all(
    started.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map((p) => stopWith(p, 'SIGTERM')),
  );
  const pid = lockPid();
  if (pid) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  rmSync(dataDir, { recursive: true, force: true });
});

/** The pid in the folder's lock: the stack process itself (bin/node22.mjs runs it as a child). */
function lockPid(): number | undefined {
  const file = join(dataDir, 'ocrlty.lock');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid : undefined;
}

describe('npm start on a data folder already in use', () => {
  let first: LocalProcess;

  test('a second start exits 1 with one line naming the running pid and URL', async () => {
    first = await startLocalProcess({ env });
    started.push(first);
    const pid = lockPid();
    expect(pid).toBeGreaterThan(0);

    const second = await runLocalProcessToExit({ env });

    expect(second.code).toBe(1);
    const lines = second.stderr.split('\n').filter((l) => l.trim() !== '');
    expect(lines).toEqual([expect.stringContaining(`already running (pid ${pid}, ${first.url})`)]);
    expect(lines[0]).toContain(dataDir);
    expect(second.stderr).not.toMatch(/\n\s+at /);
    // The first stack is untouched.
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
  });

  test('the CLI works beside the running stack and leaves its lock alone', async () => {
    const listed = await runCli(['keys', 'list', '--json'], { env });
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).map((k: { key_id: string }) => k.key_id)).toEqual(['local-admin']);
    const ls = await runCli(['data', 'ls'], { env });
    expect(ls.code).toBe(0);
    expect(ls.stdout).toContain('via the running stack');
    expect(lockPid()).toBeGreaterThan(0);
    expect((await fetch(`${first.url}/health`)).status).toBe(200);
  });

  test('after kill -9 the stale lock is taken over: the next start comes up', async () => {
    process.kill(lockPid()!, 'SIGKILL');
    await first.exited;

    const next = await startLocalProcess({ env });
    started.push(next);

    expect((await fetch(`${next.url}/health`)).status).toBe(200);
    expect(next.output()).not.toContain('already running');
    expect(await stopLocalProcess(next)).toBe(0);
    expect(existsSync(join(dataDir, 'ocrlty.lock'))).toBe(false);
  });

  test('with the stack stopped, CLI commands leave no lock behind and a start comes up at once', async () => {
    expect((await runCli(['keys', 'list'], { env })).code).toBe(0);
    expect((await runCli(['data', 'ls'], { env })).code).toBe(0);
    expect(existsSync(join(dataDir, 'ocrlty.lock'))).toBe(false);
    const again = await startLocalProcess({ env });
    started.push(again);
    expect(await stopLocalProcess(again)).toBe(0);
    expect(existsSync(join(dataDir, 'ocrlty.lock'))).toBe(false);
  });
});
