// Reads the vendored swagger-ui files of the API reference page: beside the bundle on Lambda (copied at
// bundling, infra/constructs/service-function.ts), from node_modules/swagger-ui-dist in local mode.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The folder bundling copies the files into, next to index.mjs. */
export const DOCS_ASSET_DIR = 'docs-assets';

const cache = new Map<string, string>();

export function readVendoredDocsFile(file: string): string {
  let text = cache.get(file);
  if (text === undefined) {
    const beside = join(dirname(fileURLToPath(import.meta.url)), DOCS_ASSET_DIR, file);
    const path = existsSync(beside)
      ? beside
      : join(dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json')), file);
    text = readFileSync(path, 'utf8');
    cache.set(file, text);
  }
  return text;
}
