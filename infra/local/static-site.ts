// Local mode serves the built web UI (web/dist) from the gateway's own origin, so the browser calls the API
// same-origin as it does behind CloudFront. Only GET/HEAD of files in the folder; never a path under /v1.
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { webSecurityHeaders } from '../web-headers.ts';

export interface StaticSite {
  /** The built UI (web/dist). */
  dir: string;
  /** Origins the page may reach besides itself: the bucket endpoint of presigned links. */
  bucketOrigins: string[];
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/** The file under `dir` a URL path names ("/" is index.html), or undefined (missing, a folder, outside). */
export function staticFileFor(dir: string, pathname: string): string | undefined {
  if (pathname.startsWith('/v1/') || pathname === '/v1') return undefined;
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return undefined;
  }
  if (decoded.includes('\0')) return undefined;
  const root = resolve(dir);
  const file = resolve(root, `.${normalize(decoded === '/' ? '/index.html' : decoded)}`);
  if (file !== root && !file.startsWith(root + sep)) return undefined;
  if (!existsSync(file) || !statSync(file).isFile()) return undefined;
  return file;
}

/** Answers the request from the site when it names one of its files; false when it does not. */
export function serveStatic(req: IncomingMessage, res: ServerResponse, site: StaticSite, pathname: string): boolean {
  const method = req.method ?? 'GET';
  if (method !== 'GET' && method !== 'HEAD') return false;
  const file = staticFileFor(site.dir, pathname);
  if (!file) return false;
  const html = file.endsWith('.html');
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(statSync(file).size),
    // index.html is always revalidated so a rebuilt bundle shows at once; the bundle is small.
    'Cache-Control': html ? 'no-cache' : 'public, max-age=300',
    ...webSecurityHeaders(site.bucketOrigins, { https: false }),
  });
  if (method === 'HEAD') {
    res.end();
    return true;
  }
  createReadStream(file).pipe(res);
  return true;
}

export const defaultWebDist = (repoRoot: string) => join(repoRoot, 'web', 'dist');
