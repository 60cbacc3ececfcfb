// GET /v1/debug/artifacts, /{request_id}, /{request_id}/raw, /backup.tar.gz — seed §8.7 (DEBUG_MODE, debug:read_raw).
import { appDeps } from '../../adapters/container.ts';
import {
  type DebugDeps,
  exportDebugBackup,
  getDebugArtifact,
  getDebugRaw,
  listDebugArtifacts,
} from '../../core/debug/debug-artifacts.ts';
import { type HttpDeps, type HttpResponse, acceptsJson, httpHandler, ok } from '../../http/chain.ts';
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

/**
 * The archive can be up to 50 MB, far over a Lambda response, so it is never in the answer: a seed-style
 * `curl -L -o backup.tar.gz` follows the 302 to the presigned archive; `Accept: application/json` gets the
 * link, counts and manifest as JSON instead.
 */
export const makeDebugBackupHandler = (getDeps: () => Promise<DebugHttpDeps>) =>
  httpHandler('debug-artifacts-backup', getDeps, async (req, deps): Promise<HttpResponse> => {
    const backup = await exportDebugBackup(deps, req.principal!, parseBackupQuery(req.query));
    if (acceptsJson(req.headers.accept)) return ok(backup);
    const url = String(backup.download_url);
    return {
      statusCode: 302,
      headers: { Location: url, 'Cache-Control': 'no-store' },
      text:
        `The backup archive (${String(backup.objects)} objects) is at the Location of this redirect, valid for ` +
        `${String(backup.expires_in_s)} s. Follow it: curl -L -o backup.tar.gz ... ` +
        `(send "Accept: application/json" for the link and the counts as JSON).\n${url}\n`,
    };
  });

const deps = async (): Promise<DebugHttpDeps> => debugDepsOf(await appDeps());

export const listDebugArtifactsHandler = makeListDebugArtifactsHandler(deps);
export const getDebugArtifactHandler = makeGetDebugArtifactHandler(deps);
export const getDebugRawHandler = makeGetDebugRawHandler(deps);
export const debugBackupHandler = makeDebugBackupHandler(deps);
