// The files a client declares (create or add files): names, types and sizes checked all at once, so one
// answer names every bad file — and nothing is signed or stored unless every file is fine.
import { DOCUMENT_MIME_TYPES, normaliseDeclaredMime } from '../images/sniff.ts';
import { AppError, PayloadTooLargeError, TooManyFilesError, UnsupportedMediaTypeError, ValidationError } from '../errors.ts';
import { normaliseUploadName, quoteName } from './names.ts';
import { MAX_FILES_PER_CALL, MAX_NAME_BYTES_PER_CALL, type UploadFile } from './upload-model.ts';

/** The types an upload may declare: the ones the image pipeline reads (one list for every input path). */
export const UPLOAD_MIME_TYPES: readonly string[] = DOCUMENT_MIME_TYPES;

export interface DeclaredFile {
  name: string;
  mime_type: string;
  size_bytes: number;
}

type ProblemKind = 'invalid_name' | 'duplicate_name' | 'invalid_size' | 'unsupported_type' | 'too_large';

export interface FileProblem {
  index: number;
  /** The name as sent, cut to 120 characters (an error body stays small). */
  name: string;
  problem: ProblemKind;
  message: string;
}

/** Problems listed in an error body; the rest are counted (DESIGN: errors never echo the input). */
const LISTED_PROBLEMS = 20;
const NAMED_IN_MESSAGE = 3;

/**
 * Checks the declared files and returns them as session rows, in the order sent.
 * 1. 1 to 1,000 files (413 too_many_files beyond)
 * 2. per file: a valid relative name, an accepted type, `size_bytes` an integer > 0 and ≤ MAX_INPUT_FILE_BYTES
 * 3. no two files with one name after normalisation
 * 4. the names together within MAX_NAME_BYTES_PER_CALL (413), so the answer stays small
 * One error for all problems, its status by the worst kind: 400 (names, sizes, duplicates) before 415
 * (types) before 413 (too large).
 */
export function checkDeclaredFiles(
  files: readonly DeclaredFile[],
  opts: { maxInputFileBytes: number; addedAt: string },
): UploadFile[] {
  if (files.length === 0) throw new ValidationError('files must list at least one file');
  if (files.length > MAX_FILES_PER_CALL) {
    throw new TooManyFilesError(
      `At most ${MAX_FILES_PER_CALL} files per call: add more with POST /v1/uploads/{upload_id}/files`,
      {
        max_files_per_call: MAX_FILES_PER_CALL,
        files: files.length,
      },
    );
  }
  const problems: FileProblem[] = [];
  const rows: UploadFile[] = [];
  const seen = new Map<string, number>();
  files.forEach((f, index) => {
    const shown = String(f.name ?? '').slice(0, 120);
    const add = (problem: ProblemKind, message: string) => problems.push({ index, name: shown, problem, message });
    const checked = normaliseUploadName(f.name);
    if (!checked.ok) add('invalid_name', `files[${index}] "${shown}": ${checked.reason}`);
    else if (seen.has(checked.name)) {
      add(
        'duplicate_name',
        `files[${index}] "${shown}" has the same name as files[${seen.get(checked.name)}] (${quoteName(checked.name)})`,
      );
    } else seen.set(checked.name, index);
    const size = f.size_bytes;
    if (typeof size !== 'number' || !Number.isInteger(size) || size <= 0) {
      add('invalid_size', `files[${index}] "${shown}": size_bytes must be an integer greater than 0`);
    } else if (size > opts.maxInputFileBytes) {
      add(
        'too_large',
        `files[${index}] "${shown}" is ${size} bytes, over the limit of ${opts.maxInputFileBytes} (MAX_INPUT_FILE_BYTES)`,
      );
    }
    const mime = typeof f.mime_type === 'string' ? normaliseDeclaredMime(f.mime_type) : '';
    if (!UPLOAD_MIME_TYPES.includes(mime)) {
      add('unsupported_type', `files[${index}] "${shown}": mime_type "${String(f.mime_type).slice(0, 100)}" is not accepted`);
    }
    if (checked.ok) rows.push({ name: checked.name, mimeType: mime, sizeBytes: size, addedAt: opts.addedAt });
  });
  if (problems.length > 0) throw fileProblemsError(problems, opts.maxInputFileBytes);
  const nameBytes = rows.reduce((n, r) => n + Buffer.byteLength(r.name, 'utf8'), 0);
  if (nameBytes > MAX_NAME_BYTES_PER_CALL) {
    throw new PayloadTooLargeError(
      `The names of this call add up to ${nameBytes} bytes, over ${MAX_NAME_BYTES_PER_CALL}: send fewer files per call`,
      { name_bytes: nameBytes, max_name_bytes_per_call: MAX_NAME_BYTES_PER_CALL },
    );
  }
  return rows;
}

/** The names a session already has, as a 400 naming them (adding files never replaces one). */
export function existingNamesError(names: readonly string[]): ValidationError {
  const problems: FileProblem[] = names.map((name) => ({
    index: -1,
    name: name.slice(0, 120),
    problem: 'duplicate_name',
    message: `"${name.slice(0, 120)}" is already in this upload`,
  }));
  return fileProblemsError(problems, 0) as ValidationError;
}

function fileProblemsError(problems: FileProblem[], maxInputFileBytes: number): AppError {
  const has = (...kinds: ProblemKind[]) => problems.some((p) => kinds.includes(p.problem));
  const listed = problems.slice(0, LISTED_PROBLEMS).map(({ index, ...p }) => (index >= 0 ? { index, ...p } : p));
  const more = problems.length > NAMED_IN_MESSAGE ? ` (and ${problems.length - NAMED_IN_MESSAGE} more)` : '';
  const message = `${problems
    .slice(0, NAMED_IN_MESSAGE)
    .map((p) => p.message)
    .join('; ')}${more}`;
  const details = { problems: listed, problem_count: problems.length };
  if (has('invalid_name', 'duplicate_name', 'invalid_size')) return new ValidationError(message, details);
  if (has('unsupported_type')) return new UnsupportedMediaTypeError(message, { ...details, accepted: UPLOAD_MIME_TYPES });
  return new PayloadTooLargeError(message, { ...details, max_input_file_bytes: maxInputFileBytes });
}
