// One file of an upload session read back for POST /v1/extract and /v1/extract_async ({upload_id, name}
// instead of image_base64): one big document without a run.
import type { Principal } from '../auth/api-keys.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import type { ArtifactStore, Clock } from '../ports.ts';
import { normaliseUploadName, quoteName } from './names.ts';
import type { UploadSessionStore } from './ports.ts';
import { fileRel, ownedLiveSession, readSession } from './upload-model.ts';

export interface UploadedFile {
  bytes: Buffer;
  /** The type the file was declared (and its URL signed) with. */
  mimeType: string;
  /** Where it is in the bucket: the extract artifact's input_ref. */
  inputRef: string;
  /** Its name in the session: the artifact's `file`. */
  file: string;
}

/** What the extract use cases see of upload sessions; absent where uploads are not wired in. */
export interface UploadedFileSource {
  /** MAX_INPUT_FILE_BYTES: the byte limit of an uploaded input (not MAX_IMAGE_BYTES, a request's). */
  readonly maxBytes: number;
  read(principal: Principal, uploadId: string, name: string): Promise<UploadedFile>;
}

/**
 * The reader over the session store and the bucket.
 * 1. the caller's unexpired session (404 / 410); completed sessions are fine, their objects are still there
 * 2. the name as the session keeps it (normalised), declared in it (404 otherwise)
 * 3. the object present and of the declared size (400 otherwise, as complete would say), then its bytes
 */
export function uploadedFileSource(deps: {
  uploads: UploadSessionStore;
  store: Pick<ArtifactStore, 'getBytes' | 'list'>;
  clock: Clock;
  maxInputFileBytes: number;
}): UploadedFileSource {
  return {
    maxBytes: deps.maxInputFileBytes,
    async read(principal, uploadId, rawName) {
      const session = ownedLiveSession(await readSession(deps.uploads, uploadId), principal, uploadId, deps.clock.now());
      const checked = normaliseUploadName(rawName);
      const declared = checked.ok ? await deps.uploads.getFile(uploadId, checked.name) : undefined;
      if (!checked.ok || !declared) {
        throw new NotFoundError(`Upload "${uploadId}" has no file ${quoteName(String(rawName))}`, { upload_id: uploadId });
      }
      const inputRef = fileRel(session, declared.name);
      // Size first, from the listing (the key itself sorts first under its own prefix): never download
      // an object that is not what was declared.
      const listed = (await deps.store.list(inputRef, { limit: 1 })).objects.find((o) => o.rel === inputRef);
      if (!listed) {
        throw new ValidationError(`${quoteName(declared.name)} was not uploaded: PUT it to its upload URL first`, {
          upload_id: uploadId,
          name: declared.name,
        });
      }
      if (listed.size !== declared.sizeBytes) {
        throw new ValidationError(
          `${quoteName(declared.name)} has ${listed.size} bytes, declared ${declared.sizeBytes}: upload it again`,
          {
            upload_id: uploadId,
            name: declared.name,
            declared_bytes: declared.sizeBytes,
            uploaded_bytes: listed.size,
          },
        );
      }
      const bytes = await deps.store.getBytes(inputRef);
      if (!bytes)
        throw new ValidationError(`${quoteName(declared.name)} is gone from the bucket`, {
          upload_id: uploadId,
          name: declared.name,
        });
      return { bytes, mimeType: declared.mimeType, inputRef, file: declared.name };
    },
  };
}
