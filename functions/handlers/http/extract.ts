// POST /v1/extract: one document in (an image or a PDF; base64 or a file of an upload session), fields out, artifact kept.
import { appDeps, extractDepsOf, uploadedFilesOf } from '../../adapters/container.ts';
import { sharedDecoder } from '../../adapters/images/shared.ts';
import { sharedModelClient } from '../../adapters/model/shared.ts';
import { httpImageFetcher } from '../../adapters/image-fetcher.ts';
import { type ExtractRequestDeps, extractFromRequest } from '../../core/extract/extract-request.ts';
import { type HttpDeps, httpHandler, ok } from '../../http/chain.ts';
import { parseBody, validateExtractRequest } from '../../http/validators.ts';

export const makeExtractHandler = (getDeps: () => Promise<HttpDeps & ExtractRequestDeps>) =>
  httpHandler('extract', getDeps, async (req, deps) => {
    const body = parseBody(validateExtractRequest, req.body);
    return ok(await extractFromRequest(deps, req.principal!, body, req.requestId));
  });

export const extractHandler = makeExtractHandler(async () => {
  const deps = await appDeps();
  return {
    ...deps,
    ...extractDepsOf(deps, sharedModelClient(deps.config.inference, deps.logger), sharedDecoder()),
    images: httpImageFetcher,
    limits: deps.config.limits,
    debugMode: deps.config.debugMode,
    uploadedFiles: uploadedFilesOf(deps),
  };
});
