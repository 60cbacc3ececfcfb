// The local files a command sends: folders walked (hidden entries left out), each with the MIME type the
// API expects for it, and its name in an upload session (path relative to the folder, "/" separated).
import { readdirSync, statSync } from 'node:fs';
import { basename, extname, join, relative, resolve, sep } from 'node:path';
import { ClientUsageError } from './errors.ts';

export const MIME_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.pdf': 'application/pdf',
};

export interface LocalFile {
  path: string;
  name: string;
  mime: string;
  size: number;
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (e.name.startsWith('.')) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...walk(p));
    else if (statSync(p).isFile()) out.push(p);
  }
  return out;
}

export const mimeOf = (path: string) => MIME_TYPES[extname(path).toLowerCase()];

/** A single folder's documents (named relative to it), or the listed files (named by basename). */
export function collectFiles(args: string[]): { files: LocalFile[]; dir: string | undefined } {
  if (args.length === 0) throw new ClientUsageError('name a folder or files');
  const one = resolve(args[0]!);
  const isDir = args.length === 1 && statSafe(one)?.isDirectory();
  const paths = isDir ? walk(one).filter((p) => mimeOf(p)) : args.map((a) => resolve(a));
  const files = paths.map((path) => {
    const st = statSafe(path);
    if (!st?.isFile()) throw new ClientUsageError(`${path} is not a file`);
    const mime = mimeOf(path);
    if (!mime) throw new ClientUsageError(`${path}: not a type the API reads (${Object.keys(MIME_TYPES).join(' ')})`);
    const name = isDir ? relative(one, path).split(sep).join('/') : basename(path);
    return { path, name, mime, size: st.size };
  });
  if (files.length === 0) throw new ClientUsageError(`${args[0]} holds no documents (${Object.keys(MIME_TYPES).join(' ')})`);
  const names = new Set<string>();
  for (const f of files) {
    if (names.has(f.name)) throw new ClientUsageError(`two files are named ${f.name}: batch a folder instead`);
    names.add(f.name);
  }
  return { files, dir: isDir ? one : undefined };
}

function statSafe(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}
