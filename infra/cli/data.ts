// `ocrlty data put LOCAL_DIR [PREFIX]` and `ocrlty data ls [PREFIX]`: the files server-side batches read
// (`images_dir`, `gt_path`) live in the bucket under the data root (DATA_ROOT, default "data/"). Local
// data folder by default; the R2 bucket when S3_BUCKET is set (S3_ENDPOINT_URL, R2_ACCESS_KEY_ID, …).
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { silentLogger } from '../../functions/adapters/logger.ts';
import { R2ArtifactStore, makeS3Client } from '../../functions/adapters/r2/artifact-store.ts';
import { resolveSecretsIntoEnv } from '../../functions/adapters/secrets.ts';
import { loadConfig } from '../../functions/config.ts';
import { dataFileRel, dataPrefix, dataRootPath } from '../../functions/core/batch/data-root.ts';
import type { ArtifactStore, StoredObject } from '../../functions/core/ports.ts';
import { type LocalData, localSettings, openLocalData } from './local-target.ts';

export class DataUsageError extends Error {}

interface DataTarget {
  store: ArtifactStore;
  dataRoot: string;
  where: string;
  close(): Promise<void>;
}

const CONTENT_TYPES: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.pdf': 'application/pdf',
  '.json': 'application/json',
};

async function openDataTarget(command: string, env: NodeJS.ProcessEnv): Promise<DataTarget> {
  const settings = localSettings(env);
  if (env.S3_BUCKET?.trim()) {
    // The R2 bucket of a deployment: the same variables the functions read (secrets too, via SECRETS_ARN).
    await resolveSecretsIntoEnv(env);
    const config = loadConfig({ ...env, API_KEY_PEPPER_REQUIRED: '0' });
    const s3 = makeS3Client(config.s3);
    const where = `bucket ${config.s3.bucket}${config.s3.endpointUrl ? ` at ${new URL(config.s3.endpointUrl).host}` : ''}`;
    return {
      store: new R2ArtifactStore(s3, config.s3.bucket, config.s3.prefix, silentLogger),
      dataRoot: config.batch.dataRoot,
      where: config.s3.prefix ? `${where}, prefix ${config.s3.prefix}/` : where,
      close: async () => s3.destroy(),
    };
  }
  const local: LocalData = await openLocalData(settings, command, { bucket: true }, env);
  const s3 = makeS3Client(local.config.s3);
  return {
    store: new R2ArtifactStore(s3, local.config.s3.bucket, local.config.s3.prefix, silentLogger),
    dataRoot: local.config.batch.dataRoot,
    where: local.where,
    close: async () => {
      s3.destroy();
      await local.close();
    },
  };
}

/** Regular files under `dir`, as paths relative to it with "/"; hidden files and folders are left out. */
function filesUnder(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(dir, rel), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const path = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) out.push(...filesUnder(dir, path));
    else if (entry.isFile() || (entry.isSymbolicLink() && statSync(join(dir, path)).isFile())) out.push(path);
  }
  return out;
}

const mb = (bytes: number) => `${(bytes / 1_000_000).toFixed(1)} MB`;

export async function dataPut(args: string[], json: boolean, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const [localDir, prefixArg, ...extra] = args;
  if (!localDir || extra.length > 0) throw new DataUsageError('data put needs LOCAL_DIR and at most one PREFIX');
  const dir = resolve(localDir);
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    // reported below
  }
  if (!isDir) throw new Error(`${localDir} is not a folder`);
  const files = filesUnder(dir);
  if (files.length === 0) throw new Error(`${localDir} holds no files`);

  const target = await openDataTarget('data put', env);
  try {
    // The PREFIX is checked as images_dir is: relative to the data root ("/<DATA_ROOT>/…" accepted), no "..".
    const imagesDir = dataRootPath('PREFIX', prefixArg ?? basename(dir), target.dataRoot);
    let bytes = 0;
    let next = 0;
    const worker = async () => {
      while (next < files.length) {
        const file = files[next++]!;
        const body = readFileSync(join(dir, file));
        const rel = dataFileRel(target.dataRoot, imagesDir ? `${imagesDir}/${file}` : file);
        const type = CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
        await target.store.putBytes(rel, body, type, { overwrite: true });
        bytes += body.length;
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, files.length) }, worker));
    const prefix = dataPrefix(target.dataRoot, imagesDir);
    if (json) {
      process.stdout.write(
        `${JSON.stringify({ files: files.length, bytes, prefix, images_dir: imagesDir, where: target.where })}\n`,
      );
    } else {
      process.stdout.write(
        `Put ${files.length} file${files.length === 1 ? '' : 's'} (${mb(bytes)}) under ${prefix} (${target.where}).\n` +
          `Batch them with {"images_dir": "${imagesDir}", "task_id": "receipt_fields_v1"} on POST /v1/batch_extract` +
          `${files.some((f) => f.endsWith('.json')) ? `; a ground-truth file there is "gt_path": "${imagesDir ? `${imagesDir}/` : ''}<name>.json"` : ''}.\n`,
      );
    }
  } finally {
    await target.close();
  }
}

export async function dataLs(args: string[], json: boolean, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  const [prefixArg, ...extra] = args;
  if (extra.length > 0) throw new DataUsageError('data ls takes at most one PREFIX');
  const target = await openDataTarget('data ls', env);
  try {
    const rel = dataRootPath('PREFIX', prefixArg ?? '', target.dataRoot);
    const prefix = dataPrefix(target.dataRoot, rel);
    const objects: StoredObject[] = [];
    let cursor: string | undefined;
    do {
      const page = await target.store.list(prefix, { limit: 1000, ...(cursor ? { cursor } : {}) });
      objects.push(...page.objects);
      cursor = page.cursor;
    } while (cursor);
    // Paths as images_dir and gt_path take them: relative to the data root.
    const rows = objects.map((o) => ({
      path: o.rel.slice(target.dataRoot.length + 1),
      size: o.size,
      last_modified: o.lastModified ?? null,
    }));
    if (json) {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
      return;
    }
    if (rows.length === 0) {
      process.stdout.write(
        `Nothing under ${prefix} (${target.where}). Put files there with: npx ocrlty data put LOCAL_DIR ${rel}\n`,
      );
      return;
    }
    const width = Math.max(...rows.map((r) => String(r.size).length));
    for (const r of rows) process.stdout.write(`${String(r.size).padStart(width)}  ${r.last_modified ?? '-'}  ${r.path}\n`);
    const total = rows.reduce((n, r) => n + r.size, 0);
    process.stdout.write(`${rows.length} file${rows.length === 1 ? '' : 's'}, ${mb(total)} under ${prefix} (${target.where})\n`);
  } finally {
    await target.close();
  }
}

/** One local file put at `<data root>/<rel>` (the client `eval --gt FILE` puts its ground truth this way). */
export async function putDataFile(localPath: string, rel: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const body = readFileSync(resolve(localPath));
  const target = await openDataTarget('eval', env);
  try {
    const path = dataRootPath('gt_path', rel, target.dataRoot);
    const type = CONTENT_TYPES[extname(localPath).toLowerCase()] ?? 'application/octet-stream';
    await target.store.putBytes(dataFileRel(target.dataRoot, path), body, type, { overwrite: true });
    return path;
  } finally {
    await target.close();
  }
}
