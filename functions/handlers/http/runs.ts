// GET /v1/runs, GET /v1/runs/{run_id}, GET /v1/runs/{run_id}/items — batch runs for a UI (seed §8.9).
import { appDeps } from '../../adapters/container.ts';
import type { ReadDeps } from '../../core/runs/artifact-read.ts';
import { getRun, listRunItems, listRuns } from '../../core/runs/runs.ts';
import { type HttpDeps, httpHandler, ok } from '../../http/chain.ts';
import { parseItemsQuery, parseRunsQuery } from '../../http/read-validators.ts';
import { readDepsOf } from './read-deps.ts';

type RunsHttpDeps = HttpDeps & ReadDeps;

export const makeListRunsHandler = (getDeps: () => Promise<RunsHttpDeps>) =>
  httpHandler('runs-list', getDeps, async (req, deps) => ok(await listRuns(deps, req.principal!, parseRunsQuery(req.query))));

export const makeGetRunHandler = (getDeps: () => Promise<RunsHttpDeps>) =>
  httpHandler('runs-get', getDeps, async (req, deps) => ok(await getRun(deps, req.principal!, req.params.run_id!)));

export const makeListRunItemsHandler = (getDeps: () => Promise<RunsHttpDeps>) =>
  httpHandler('runs-items', getDeps, async (req, deps) =>
    ok(await listRunItems(deps, req.principal!, req.params.run_id!, parseItemsQuery(req.query))),
  );

const deps = async (): Promise<RunsHttpDeps> => readDepsOf(await appDeps());

export const listRunsHandler = makeListRunsHandler(deps);
export const getRunHandler = makeGetRunHandler(deps);
export const listRunItemsHandler = makeListRunItemsHandler(deps);
