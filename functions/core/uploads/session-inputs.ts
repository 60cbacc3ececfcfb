// PrepareBatch's view of a completed upload session: its files, in name order, as batch inputs.
import { NotFoundError } from '../errors.ts';
import type { BatchInput } from '../batch/job-model.ts';
import type { UploadSessionStore } from './ports.ts';
import { fileRel } from './upload-model.ts';

/**
 * The inputs of a run started by complete: read from the session's rows (not from the job row, which
 * could not hold 10,000 of them). No expiry check: the run was accepted while the session was live.
 */
export async function sessionInputs(uploads: UploadSessionStore | undefined, uploadId: string): Promise<BatchInput[]> {
  if (!uploads) throw new Error('PrepareBatch was built without the upload session store');
  const session = await uploads.get(uploadId);
  if (!session || session.status !== 'completed') {
    throw new NotFoundError(`Upload "${uploadId}" is gone or was never completed`, { upload_id: uploadId });
  }
  const files = await uploads.listFiles(uploadId);
  return files.map((f) => ({ file: f.name, input_ref: fileRel(session, f.name), mime_type: f.mimeType }));
}
