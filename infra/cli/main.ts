// The `ocrlty` CLI: API keys and the data folder server-side batches read.
//   ocrlty keys create --key-id ID --role client|debugger|admin [--scopes CSV|JSON] [--add-scopes CSV|JSON] [--json]
//   ocrlty keys list [--json]
//   ocrlty keys revoke --key-id ID [--json]
//   ocrlty data put LOCAL_DIR [PREFIX] [--json]
//   ocrlty data ls [PREFIX] [--json]
// Configuration is read exactly as `npm start` reads it (.env in the current folder, LOCAL_DATA_DIR);
// KEYS_TABLE (keys) and S3_BUCKET (data) switch to the deployed table and R2 bucket.
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { AppError } from '../../functions/core/errors.ts';
import { DataFolderBusyError } from '../local/data-lock.ts';
import { CLIENT_GROUPS, CLIENT_USAGE, clientCommand } from './client/commands.ts';
import { ClientUsageError, exitCodeOf } from './client/errors.ts';
import { DataUsageError, dataLs, dataPut } from './data.ts';
import { type KeysOptions, KeysUsageError, keysCommand } from './keys.ts';

const USAGE = `Usage:
  ocrlty keys create --key-id ID --role client|debugger|admin [--scopes CSV|JSON] [--add-scopes CSV|JSON] [--json]
  ocrlty keys list [--json]
  ocrlty keys revoke --key-id ID [--json]
  ocrlty data put LOCAL_DIR [PREFIX] [--json]
  ocrlty data ls [PREFIX] [--json]
Client commands (HTTP to any deployment; \`ocrlty COMMAND --help\` for each):
${CLIENT_USAGE}

Configuration is read as \`npm start\` reads it: .env in the current folder, then the environment.

keys: on the local data folder (LOCAL_DATA_DIR, default .ocrlty/), whether or not \`npm start\` is running.
  Roles give default scopes (client: extract:run; debugger: + debug:run, debug:read_raw; admin: all);
  --scopes REPLACES them, --add-scopes adds to them. With KEYS_TABLE set it uses that DynamoDB table with
  your AWS credentials (docs/deploy.md); with KEYS_TABLE, USAGE_PLAN_IDS='{"client":"<id>","debugger":"<id>",
  "admin":"<id>"}' and STAGE, create and revoke also manage each key's API Gateway usage plan key.

data: the files server-side batches read (images_dir, gt_path) live in the bucket under the data root
  (DATA_ROOT, default "data/"). put copies LOCAL_DIR's files under <data root>/PREFIX/ (PREFIX defaults to
  the folder's name); then send "images_dir": "PREFIX". ls lists what is there, as images_dir and gt_path
  name it. Local data folder by default; with S3_BUCKET set, that R2 bucket (S3_ENDPOINT_URL,
  R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY, S3_PREFIX as the functions read them).

client commands: --api-url / --api-key, else OCRLTY_API_URL / OCRLTY_API_KEY, else
  $XDG_CONFIG_HOME/ocrlty/config.json (~/.config/ocrlty/config.json) {"api_url", "api_key"}; URL default
  http://127.0.0.1:8080. --json for scripts. Exit codes: 0 ok, 1 the run had failed items, 2 usage,
  3 API or auth error, 4 network or timeout.`;

class UsageError extends Error {}

function parse<T>(args: string[], options: NonNullable<ParseArgsConfig['options']>): { values: T; positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values: values as T, positionals };
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
}

async function run(argv: string[]): Promise<void> {
  const [group, command, ...rest] = argv;
  if (group && CLIENT_GROUPS.includes(group)) {
    process.exitCode = await clientCommand(group, argv.slice(1));
    return;
  }
  if (group === undefined || group === '--help' || group === '-h' || group === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (group === 'keys' && command && ['create', 'list', 'revoke'].includes(command)) {
    const { values, positionals } = parse<KeysOptions>(rest, {
      'key-id': { type: 'string' },
      role: { type: 'string' },
      scopes: { type: 'string' },
      'add-scopes': { type: 'string' },
      json: { type: 'boolean', default: false },
    });
    if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"`);
    return keysCommand(command, values);
  }
  if (group === 'data' && (command === 'put' || command === 'ls')) {
    const { values, positionals } = parse<{ json?: boolean }>(rest, { json: { type: 'boolean', default: false } });
    return command === 'put' ? dataPut(positionals, values.json === true) : dataLs(positionals, values.json === true);
  }
  throw new UsageError(`Unknown command "${argv.join(' ')}"`);
}

run(process.argv.slice(2)).catch((err: unknown) => {
  if (err instanceof ClientUsageError) {
    process.stderr.write(`ocrlty: ${err.message} (ocrlty ${process.argv[2]} --help)\n`);
    process.exit(2);
  }
  if (CLIENT_GROUPS.includes(process.argv[2] ?? '')) {
    process.stderr.write(`ocrlty: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(exitCodeOf(err));
  }
  if (err instanceof UsageError || err instanceof KeysUsageError || err instanceof DataUsageError) {
    process.stderr.write(`ocrlty: ${err.message}\n\n${USAGE}\n`);
    process.exit(2);
  }
  const message =
    err instanceof AppError || err instanceof DataFolderBusyError || err instanceof Error ? err.message : String(err);
  process.stderr.write(`ocrlty: ${message}\n`);
  process.exit(1);
});
