// The local data folder as the CLI reaches it: through the running stack's emulators when `npm start` is
// up on that folder, otherwise through embedded ones on the same files for the one command (holding the
// folder's lock meanwhile, so a stack started in between waits instead of crashing). Configuration comes
// from the same loader `npm start` uses (.env, LOCAL_DATA_DIR).
import { type Config, loadConfig } from '../../functions/config.ts';
import { TABLES } from '../../functions/tables.ts';
import { acquireDataLock } from '../local/data-lock.ts';
import { type Emulator, createTables, startDynalite, startS3rver } from '../local/emulators.ts';
import { type LocalSettings, loadLocalEnv } from '../local/local-env.ts';
import { LOCAL_BUCKET, localHandlerEnv, localTableNames, runningStack } from '../local/stack.ts';

export interface LocalData {
  dataDir: string;
  /** The config the handlers of a stack on this folder run with. */
  config: Config;
  /** "local data <dir>" (+ "via the running stack"): where the command acted. */
  where: string;
  close(): Promise<void>;
}

/** Reads .env and the local settings exactly as `npm start` does. */
export function localSettings(env: NodeJS.ProcessEnv = process.env): LocalSettings {
  return loadLocalEnv({ env });
}

/** Opens the folder's tables and/or bucket for one command. */
export async function openLocalData(
  settings: LocalSettings,
  command: string,
  need: { tables?: boolean; bucket?: boolean },
  env: NodeJS.ProcessEnv = process.env,
): Promise<LocalData> {
  const { dataDir } = settings;
  const running = await runningStack(dataDir);
  if (running) {
    return {
      dataDir,
      config: configFor(dataDir, running, env),
      where: `local data ${dataDir}, via the running stack ${running.api}`,
      close: async () => {},
    };
  }
  // No stack: embedded emulators on the same files, for this command only.
  const lock = await acquireDataLock(dataDir, { holder: 'cli', command }, { waitMs: 30_000 });
  const emulators: Emulator[] = [];
  const close = async () => {
    for (const e of emulators.reverse()) await e.close().catch(() => undefined);
    lock.release();
  };
  try {
    let dynamodb = 'http://127.0.0.1:1';
    let s3 = 'http://127.0.0.1:1';
    if (need.tables) {
      const db = await startDynalite(dataDir);
      emulators.push(db);
      await createTables(db.endpoint, TABLES, localTableNames());
      dynamodb = db.endpoint;
    }
    if (need.bucket) {
      const bucket = await startS3rver(dataDir, LOCAL_BUCKET);
      emulators.push(bucket);
      s3 = bucket.endpoint;
    }
    return { dataDir, config: configFor(dataDir, { dynamodb, s3 }, env), where: `local data ${dataDir}`, close };
  } catch (err) {
    await close();
    throw err;
  }
}

function configFor(dataDir: string, endpoints: { dynamodb: string; s3: string }, env: NodeJS.ProcessEnv): Config {
  return loadConfig({ ...env, ...localHandlerEnv(dataDir, endpoints, env) });
}
