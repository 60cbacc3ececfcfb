// GET /v1/debug/artifacts, /{request_id}, /{request_id}/raw, /backup.tar.gz — seed §8.7 (DEBUG_MODE, debug:read_raw).
import { appDeps } from '../../adapters/container.ts';
import {
  type DebugDeps,
  exportDebugBackup,
  getDebugArtifact,
  getDebugRaw,
  listDebugArtifacts,
} from '../../core/debug/debug-artifacts.ts';
import { type HttpDeps, httpHandler, ok } from '../../http/chain.ts';
import { parseBackupQuery, parseDebugListQuery } from '../../http/read-validators.ts';
import { debugDepsOf } from './read-deps.ts';

type DebugHttpDeps = HttpDeps & DebugDeps;

export const makeListDebugArtifactsHandler = (getDeps: () => Promise<DebugHttpDeps>) =>
  httpHandler('debug-artifacts-list', getDeps, async (req, deps) =>
    ok(await listDebugArtifacts(deps, req.principal!, parseDebugListQuery(req.query))),
  );

export const makeGetDebugArtifactHandler = (getDeps: () => Promise<DebugHttpDeps>) =>
  httpHandler('debug-artifacts-get', getDeps, async (req, deps) =>
    ok(await getDebugArtifact(deps, req.principal!, req.params.request_id!)),
  );

export const makeGetDebugRawHandler = (getDeps: () => Promise<DebugHttpDeps>) =>
  httpHandler('debug-artifacts-raw', getDeps, async (req, deps) =>
    ok(await getDebugRaw(deps, req.principal!, req.params.request_id!)),
  );

export const makeDebugBackupHandler = (getDeps: () => Promise<DebugHttpDeps>) =>
  httpHandler('debug-artifacts-backup', getDeps, async (req, deps) =>
    ok(await exportDebugBackup(deps, req.principal!, parseBackupQuery(req.query))),
  );

const deps = async (): Promise<DebugHttpDeps> => debugDepsOf(await appDeps());

export const listDebugArtifactsHandler = makeListDebugArtifactsHandler(deps);
export const getDebugArtifactHandler = makeGetDebugArtifactHandler(deps);
export const getDebugRawHandler = makeGetDebugRawHandler(deps);
export const debugBackupHandler = makeDebugBackupHandler(deps);
