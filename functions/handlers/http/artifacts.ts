// GET /v1/extracts/{request_id}, GET /v1/artifacts?ref= — drill-down into one artifact (seed §12 P0 item 3);
// GET /v1/extracts/{request_id}/pages — links to the pages the model saw.
import { appDeps } from '../../adapters/container.ts';
import { type ReadDeps, getArtifactByRef, getExtractArtifact } from '../../core/runs/artifact-read.ts';
import { getExtractPages } from '../../core/runs/extract-pages.ts';
import { type HttpDeps, httpHandler, ok } from '../../http/chain.ts';
import { readDepsOf } from './read-deps.ts';

type ArtifactsHttpDeps = HttpDeps & ReadDeps;

export const makeGetExtractHandler = (getDeps: () => Promise<ArtifactsHttpDeps>) =>
  httpHandler('extracts-get', getDeps, async (req, deps) =>
    ok(await getExtractArtifact(deps, req.principal!, req.params.request_id!)),
  );

export const makeGetArtifactHandler = (getDeps: () => Promise<ArtifactsHttpDeps>) =>
  httpHandler('artifacts-get', getDeps, async (req, deps) => ok(await getArtifactByRef(deps, req.principal!, req.query.ref)));

export const makeGetExtractPagesHandler = (getDeps: () => Promise<ArtifactsHttpDeps>) =>
  httpHandler('extracts-pages', getDeps, async (req, deps) =>
    ok(await getExtractPages(deps, req.principal!, req.params.request_id!)),
  );

const deps = async (): Promise<ArtifactsHttpDeps> => readDepsOf(await appDeps());

export const getExtractHandler = makeGetExtractHandler(deps);
export const getArtifactHandler = makeGetArtifactHandler(deps);
export const getExtractPagesHandler = makeGetExtractPagesHandler(deps);
