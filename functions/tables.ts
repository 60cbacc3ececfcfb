// DynamoDB table definitions as plain data: local mode creates them in dynalite, CDK declares them.
// Generic key names (pk/sk, gsi1pk/gsi1sk…) let each table serve several access patterns (DESIGN.md §5).

export interface IndexDefinition {
  name: string;
  partitionKey: string;
  sortKey?: string;
}

export interface TableDefinition {
  /** Logical name; also the suffix of the physical table name. */
  id: 'keys' | 'jobs' | 'artifacts' | 'uploads';
  /** The env var that carries the physical name to functions. */
  envVar: 'KEYS_TABLE' | 'JOBS_TABLE' | 'ARTIFACTS_TABLE' | 'UPLOADS_TABLE';
  partitionKey: string;
  sortKey?: string;
  indexes: IndexDefinition[];
  /** Attribute holding an epoch-seconds expiry, where records expire. */
  ttlAttribute?: string;
  purpose: string;
}

export const TABLES: readonly TableDefinition[] = [
  {
    id: 'keys',
    envVar: 'KEYS_TABLE',
    partitionKey: 'pk', // key#<key_id>
    indexes: [{ name: 'by_hash', partitionKey: 'key_hash' }],
    purpose: 'API keys by key_id (CLI) and by HMAC hash (authorizer)',
  },
  {
    id: 'jobs',
    envVar: 'JOBS_TABLE',
    partitionKey: 'pk', // job#<job_id>
    indexes: [
      { name: 'by_owner', partitionKey: 'owner_key_id', sortKey: 'created_sk' },
      { name: 'by_all', partitionKey: 'all_pk', sortKey: 'created_sk' },
    ],
    ttlAttribute: 'expires_at',
    purpose: 'Jobs by id, by owner newest first, and all jobs for admins',
  },
  {
    id: 'artifacts',
    envVar: 'ARTIFACTS_TABLE',
    partitionKey: 'pk', // <kind>#<id>  or  run#<run_id>
    sortKey: 'sk', // "artifact"        or  item#<seq>
    indexes: [
      { name: 'by_owner', partitionKey: 'gsi1pk', sortKey: 'gsi1sk' },
      { name: 'by_kind', partitionKey: 'gsi2pk', sortKey: 'gsi2sk' },
    ],
    ttlAttribute: 'expires_at',
    purpose: 'Artifact index by (kind, id), runs by owner and for admins by time, items of a run',
  },
  {
    id: 'uploads',
    envVar: 'UPLOADS_TABLE',
    partitionKey: 'pk', // upload#<upload_id>
    sortKey: 'sk', // "session"  or  file#<name> (name order = the order of the bucket listing)
    indexes: [],
    // A day after the session's end (expiry itself is checked on every read: dynalite has no TTL).
    ttlAttribute: 'purge_at',
    purpose: 'Presigned upload sessions and their declared files',
  },
];

export function tableDefinition(id: TableDefinition['id']): TableDefinition {
  const t = TABLES.find((d) => d.id === id);
  if (!t) throw new Error(`unknown table ${id}`);
  return t;
}
