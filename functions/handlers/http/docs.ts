// GET /openapi.json, GET /docs, GET /docs/{asset}: the API description and its rendered page (no key).
import { appDeps } from '../../adapters/container.ts';
import { readVendoredDocsFile } from '../../adapters/docs-assets.ts';
import { NotFoundError } from '../../core/errors.ts';
import { type HttpDeps, httpHandler, ok, textResponse } from '../../http/chain.ts';
import { buildOpenApiDocument } from '../../openapi/document.ts';
import { DOCS_ASSETS, DOCS_HTML, DOCS_INIT_JS, DOCS_SECURITY_HEADERS } from '../../openapi/docs-page.ts';

export const makeOpenApiHandler = (getDeps: () => Promise<HttpDeps>) => {
  let document: Record<string, unknown> | undefined;
  return httpHandler('openapi', getDeps, async () => ok((document ??= buildOpenApiDocument())));
};

export const makeDocsHandler = (getDeps: () => Promise<HttpDeps>) =>
  httpHandler('docs', getDeps, async () => textResponse(DOCS_HTML, 'text/html; charset=utf-8', DOCS_SECURITY_HEADERS));

export const makeDocsAssetHandler = (getDeps: () => Promise<HttpDeps>, readFile = readVendoredDocsFile) =>
  httpHandler('docs-asset', getDeps, async (req) => {
    const name = req.params.asset ?? '';
    const asset = Object.hasOwn(DOCS_ASSETS, name) ? DOCS_ASSETS[name] : undefined;
    if (!asset) throw new NotFoundError(`No docs asset ${name.slice(0, 64)}`);
    const text = asset.vendored ? readFile(asset.vendored) : DOCS_INIT_JS;
    return textResponse(text, asset.contentType, DOCS_SECURITY_HEADERS);
  });

export const openApiHandler = makeOpenApiHandler(appDeps);
export const docsHandler = makeDocsHandler(appDeps);
export const docsAssetHandler = makeDocsAssetHandler(appDeps);
