// Paths under the data root (DATA_ROOT, an R2 prefix): `images_dir` and `gt_path` are relative to it and
// may never leave it; `glob` and `exts` select the images of a server-side batch.
import { ValidationError } from '../errors.ts';
import type { GlobMatcher } from './glob-matcher.ts';

export { compileGlob, type GlobMatcher } from './glob-matcher.ts';

/**
 * Normalises a client path relative to the data root: forward slashes only, no absolute path, no `..`,
 * no empty or control characters. "." (or "") is the data root itself.
 */
export function safeRelativePath(field: string, value: string): string {
  const bad = (why: string) =>
    new ValidationError(`${field} must be a path relative to the data root (${why})`, { [field]: value });
  if (value.includes('\\')) throw bad('backslashes are not allowed');
  if (/[\u0000-\u001f\u007f]/.test(value)) throw bad('control characters are not allowed');
  if (value.startsWith('/') || /^[A-Za-z]:/.test(value) || value.startsWith('~')) throw bad('absolute paths are not allowed');
  if (value.length > 512) throw bad('at most 512 characters');
  const segments = value.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw bad('".." is not allowed');
  return segments.join('/');
}

/**
 * A client path under the data root, made relative to it. Seed-style absolute paths are accepted when they
 * start with the data root itself: with DATA_ROOT=data, "/data/batch_smoke/images" is "batch_smoke/images".
 * Any other absolute path is a 400 that says how to address the data root.
 */
export function dataRootPath(field: string, value: string, dataRoot: string): string {
  if (!value.startsWith('/')) return safeRelativePath(field, value);
  const path = value.replace(/^\/+/, '/');
  const root = `/${dataRoot}`;
  if (path === root || path.startsWith(`${root}/`)) return safeRelativePath(field, path.slice(root.length + 1));
  const example = 'batch_smoke/images';
  throw new ValidationError(
    `${field} "${value.slice(0, 200)}" is not under the data root. Paths are relative to the data root, the bucket prefix ` +
      `"${dataRoot}/" (DATA_ROOT): send "${example}" (or "${root}/${example}") for files under ${dataRoot}/${example}/, ` +
      `put them there with "npx ocrlty data put LOCAL_DIR ${example}" and list them with "npx ocrlty data ls"`,
    { [field]: value.slice(0, 200), data_root: dataRoot },
  );
}

/** The R2 prefix (relative to S3_PREFIX) of a directory under the data root, with a trailing slash. */
export function dataPrefix(dataRoot: string, relDir: string): string {
  return relDir === '' ? `${dataRoot}/` : `${dataRoot}/${relDir}/`;
}

/** A file under the data root, relative to S3_PREFIX. */
export function dataFileRel(dataRoot: string, relPath: string): string {
  return `${dataRoot}/${relPath}`;
}

export const DEFAULT_IMAGE_EXTS = ['png', 'jpg', 'jpeg', 'webp', 'pdf', 'tif', 'tiff', 'heic', 'heif'] as const;

/** Lower-case extensions without dots; a 400 for anything that is not a plain extension. */
export function normaliseExts(exts: readonly string[] | undefined): string[] {
  if (exts === undefined || exts.length === 0) return [...DEFAULT_IMAGE_EXTS];
  return [
    ...new Set(
      exts.map((e) => {
        const v = e.trim().replace(/^\./, '').toLowerCase();
        if (!/^[a-z0-9]{1,10}$/.test(v)) throw new ValidationError(`exts: "${e}" is not a file extension`, { exts });
        return v;
      }),
    ),
  ];
}

/** True when `relPath` (relative to images_dir) matches the glob and has one of the extensions. */
export function selectsImage(relPath: string, glob: GlobMatcher, exts: readonly string[]): boolean {
  const dot = relPath.lastIndexOf('.');
  const ext = dot >= 0 ? relPath.slice(dot + 1).toLowerCase() : '';
  return exts.includes(ext) && glob.test(relPath);
}
