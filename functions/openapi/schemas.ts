// Every JSON Schema the OpenAPI document embeds, bundled into the function (a test checks none is missing).
import s_batch_dir_request from '../../schemas/api/batch-dir-request.schema.json' with { type: 'json' };
import s_batch_rerun_request from '../../schemas/api/batch-rerun-request.schema.json' with { type: 'json' };
import s_extract_request from '../../schemas/api/extract-request.schema.json' with { type: 'json' };
import s_run_eval_request from '../../schemas/api/run-eval-request.schema.json' with { type: 'json' };
import s_upload_complete_request from '../../schemas/api/upload-complete-request.schema.json' with { type: 'json' };
import s_upload_create_request from '../../schemas/api/upload-create-request.schema.json' with { type: 'json' };
import s_upload_file from '../../schemas/api/upload-file.schema.json' with { type: 'json' };
import s_upload_files_request from '../../schemas/api/upload-files-request.schema.json' with { type: 'json' };
import s_artifact from '../../schemas/api/responses/artifact.schema.json' with { type: 'json' };
import s_batch_artifact from '../../schemas/api/responses/batch-artifact.schema.json' with { type: 'json' };
import s_batch_finished from '../../schemas/api/responses/batch-finished.schema.json' with { type: 'json' };
import s_debug_artifacts_list from '../../schemas/api/responses/debug-artifacts-list.schema.json' with { type: 'json' };
import s_debug_backup from '../../schemas/api/responses/debug-backup.schema.json' with { type: 'json' };
import s_debug_raw from '../../schemas/api/responses/debug-raw.schema.json' with { type: 'json' };
import s_error from '../../schemas/api/responses/error.schema.json' with { type: 'json' };
import s_eval_artifact from '../../schemas/api/responses/eval-artifact.schema.json' with { type: 'json' };
import s_eval_summary from '../../schemas/api/responses/eval-summary.schema.json' with { type: 'json' };
import s_extract_artifact from '../../schemas/api/responses/extract-artifact.schema.json' with { type: 'json' };
import s_extract_pages from '../../schemas/api/responses/extract-pages.schema.json' with { type: 'json' };
import s_extract from '../../schemas/api/responses/extract.schema.json' with { type: 'json' };
import s_health from '../../schemas/api/responses/health.schema.json' with { type: 'json' };
import s_job_accepted from '../../schemas/api/responses/job-accepted.schema.json' with { type: 'json' };
import s_job from '../../schemas/api/responses/job.schema.json' with { type: 'json' };
import s_jobs_list from '../../schemas/api/responses/jobs-list.schema.json' with { type: 'json' };
import s_me from '../../schemas/api/responses/me.schema.json' with { type: 'json' };
import s_ready from '../../schemas/api/responses/ready.schema.json' with { type: 'json' };
import s_run_item from '../../schemas/api/responses/run-item.schema.json' with { type: 'json' };
import s_run_items from '../../schemas/api/responses/run-items.schema.json' with { type: 'json' };
import s_runs_list from '../../schemas/api/responses/runs-list.schema.json' with { type: 'json' };
import s_upload_completed from '../../schemas/api/responses/upload-completed.schema.json' with { type: 'json' };
import s_upload_session_page from '../../schemas/api/responses/upload-session-page.schema.json' with { type: 'json' };
import s_upload_session from '../../schemas/api/responses/upload-session.schema.json' with { type: 'json' };
import s_invoice_fields_v1 from '../../schemas/tasks/invoice_fields_v1.schema.json' with { type: 'json' };
import s_receipt_fields_v1 from '../../schemas/tasks/receipt_fields_v1.schema.json' with { type: 'json' };

/** File name without .schema.json → schema, per folder. */
export const REQUEST_SCHEMAS: Record<string, Record<string, unknown>> = {
  'batch-dir-request': s_batch_dir_request,
  'batch-rerun-request': s_batch_rerun_request,
  'extract-request': s_extract_request,
  'run-eval-request': s_run_eval_request,
  'upload-complete-request': s_upload_complete_request,
  'upload-create-request': s_upload_create_request,
  'upload-file': s_upload_file,
  'upload-files-request': s_upload_files_request,
};
export const RESPONSE_SCHEMAS: Record<string, Record<string, unknown>> = {
  artifact: s_artifact,
  'batch-artifact': s_batch_artifact,
  'batch-finished': s_batch_finished,
  'debug-artifacts-list': s_debug_artifacts_list,
  'debug-backup': s_debug_backup,
  'debug-raw': s_debug_raw,
  error: s_error,
  'eval-artifact': s_eval_artifact,
  'eval-summary': s_eval_summary,
  'extract-artifact': s_extract_artifact,
  'extract-pages': s_extract_pages,
  extract: s_extract,
  health: s_health,
  'job-accepted': s_job_accepted,
  job: s_job,
  'jobs-list': s_jobs_list,
  me: s_me,
  ready: s_ready,
  'run-item': s_run_item,
  'run-items': s_run_items,
  'runs-list': s_runs_list,
  'upload-completed': s_upload_completed,
  'upload-session': s_upload_session,
  'upload-session-page': s_upload_session_page,
};
export const TASK_SCHEMAS: Record<string, Record<string, unknown>> = {
  invoice_fields_v1: s_invoice_fields_v1,
  receipt_fields_v1: s_receipt_fields_v1,
};
