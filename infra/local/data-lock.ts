// One user of a data folder at a time: `npm start` (or an `ocrlty` command while no stack runs) holds
// `<data>/ocrlty.lock`, a small JSON file with its pid. A lock whose process is gone (kill -9, a crash, a
// reused pid) is stale and taken over; a live one is a clear one-line error instead of a dynalite stack trace.
import { existsSync, linkSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LockInfo {
  pid: number;
  started_at: string;
  /** `stack`: npm start; `cli`: an ocrlty command using embedded emulators on the folder. */
  holder: 'stack' | 'cli';
  /** The stack's URL once it listens. */
  api?: string;
  /** The CLI command holding it. */
  command?: string;
}

export const LOCK_FILE = 'ocrlty.lock';

/** The folder is held by another live process. The message is the one line to show the user. */
export class DataFolderBusyError extends Error {
  constructor(
    readonly info: LockInfo,
    readonly dataDir: string,
  ) {
    super(
      info.holder === 'stack'
        ? `OCRlty is already running (pid ${info.pid}, ${info.api ?? 'still starting'}) with data in ${dataDir}; ` +
            'stop it first, or set LOCAL_DATA_DIR to another folder'
        : `The data folder ${dataDir} is in use by "ocrlty ${info.command ?? ''}" (pid ${info.pid}); try again when it ends`,
    );
    this.name = 'DataFolderBusyError';
  }
}

export interface DataLock {
  readonly info: LockInfo;
  /** Adds fields (the stack's URL) to the lock file. */
  update(fields: Partial<Pick<LockInfo, 'api'>>): void;
  /** Removes the lock file if it is still ours. */
  release(): void;
}

/** Lock files this process holds: a second start in the same process is busy, not stale. */
const held = new Set<string>();

/** The lock of a live holder, or undefined when the folder is free (no lock, or a stale one). */
export function liveLock(dataDir: string): LockInfo | undefined {
  const file = join(dataDir, LOCK_FILE);
  const info = readLock(file);
  return info && isLive(info, file) ? info : undefined;
}

/**
 * Takes the folder's lock, waiting up to `waitMs` while a CLI command holds it (those are short). A live
 * stack, or a CLI holder that outlasts the wait, is a DataFolderBusyError.
 */
export async function acquireDataLock(
  dataDir: string,
  who: { holder: LockInfo['holder']; command?: string },
  opts: { waitMs?: number } = {},
): Promise<DataLock> {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, LOCK_FILE);
  const deadline = Date.now() + (opts.waitMs ?? 15_000);
  for (;;) {
    const info: LockInfo = {
      pid: process.pid,
      started_at: new Date().toISOString(),
      holder: who.holder,
      ...(who.command ? { command: who.command } : {}),
    };
    if (tryCreate(file, info)) return holdLock(file, info);
    const current = readLock(file);
    if (current && isLive(current, file)) {
      if (current.holder === 'stack' || Date.now() >= deadline) throw new DataFolderBusyError(current, dataDir);
      await new Promise((r) => setTimeout(r, 100));
    } else {
      // Stale (its process is gone) or unreadable: take it over.
      rmSync(file, { force: true });
    }
  }
}

function holdLock(file: string, initial: LockInfo): DataLock {
  let info = initial;
  held.add(file);
  const onExit = () => release();
  process.once('exit', onExit);
  function release(): void {
    process.removeListener('exit', onExit);
    held.delete(file);
    if (readLock(file)?.pid === info.pid && readLock(file)?.started_at === info.started_at) rmSync(file, { force: true });
  }
  return {
    get info() {
      return info;
    },
    update(fields) {
      info = { ...info, ...fields };
      const tmp = `${file}.${process.pid}.tmp`;
      writeFileSync(tmp, JSON.stringify(info));
      renameSync(tmp, file);
    },
    release,
  };
}

/** Creates the lock file with its content in one step (link fails if it exists); false when it exists. */
function tryCreate(file: string, info: LockInfo): boolean {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(info));
  try {
    linkSync(tmp, file);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    rmSync(tmp, { force: true });
  }
}

function readLock(file: string): LockInfo | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as LockInfo;
    return Number.isInteger(v.pid) && v.pid > 0 && typeof v.started_at === 'string' ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the lock's process still runs — and is the one that wrote it, not a later one with its pid. */
function isLive(info: LockInfo, file: string): boolean {
  if (info.pid === process.pid) return held.has(file);
  try {
    process.kill(info.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const started = processStartMs(info.pid);
  // A process that started after the lock was written cannot have written it: its pid was reused.
  return started === undefined || started <= Date.parse(info.started_at) + 2000;
}

/** When a process started (ms since the epoch), from /proc on Linux; undefined elsewhere. */
function processStartMs(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces): state is field 3, starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[19]);
    const btime = Number(/^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return undefined;
    return btime * 1000 + (ticks * 1000) / 100;
  } catch {
    return undefined;
  }
}
