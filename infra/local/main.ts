// `npm start`: the whole OCRlty system locally on http://127.0.0.1:8080 (PORT), data in .ocrlty/
// (LOCAL_DATA_DIR). Mock model unless VLLM_BASE_URL is set. Ctrl-C stops it cleanly.
import { appDeps } from '../../functions/adapters/container.ts';
import { loadConfig } from '../../functions/config.ts';
import { createKey } from '../../functions/core/auth/manage-keys.ts';
import { DataFolderBusyError } from './data-lock.ts';
import { loadLocalEnv } from './local-env.ts';
import { startLocalStack } from './stack.ts';
import { buildWeb } from '../../web/build.ts';

async function main(): Promise<void> {
  // The same loader the CLI uses: .env, LOCAL_DATA_DIR, PORT, HOST.
  const { dataDir, port, host, envFile } = loadLocalEnv();
  // The reviewers' UI is served at / from a fresh build (web/dist is not committed).
  buildWeb();
  const stack = await startLocalStack({ dataDir, port, host });
  // Ctrl-C from here on closes the emulators and releases the data folder's lock.
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`\n${signal}: stopping OCRlty local stack…\n`);
    await stack.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  // Fail fast on bad configuration before anyone calls the API.
  const config = loadConfig(process.env);
  const deps = await appDeps();

  const keys = await deps.keys.list();
  let firstKey: string | undefined;
  if (keys.length === 0) {
    const created = await createKey(deps.keys, config.apiKeyPepper, { keyId: 'local-admin', role: 'admin', now: new Date() });
    firstKey = created.apiKey;
  }

  const lines = [
    `OCRlty local stack is up: ${stack.url}`,
    `  web UI:    ${stack.url}/ (sign in with an API key)`,
    `  data:      ${dataDir}`,
    `  config:    ${envFile ?? 'environment only (no .env)'}`,
    `  model:     ${config.inference.backend}${config.inference.backend === 'vllm' ? ` (${config.inference.baseUrl}, ${config.inference.model})` : ''}`,
    `  debug:     DEBUG_MODE=${config.debugMode ? 1 : 0}`,
  ];
  if (firstKey) {
    lines.push(
      '',
      'Created the first API key (key_id local-admin, role admin). It is shown only this once:',
      `  ${firstKey}`,
      '',
      `  curl -H "Authorization: Bearer ${firstKey}" ${stack.url}/v1/me`,
    );
  }
  lines.push(
    '',
    'Manage keys: npx ocrlty keys create --key-id NAME --role client | keys list | keys revoke --key-id NAME',
    'Batch inputs: npx ocrlty data put LOCAL_DIR [PREFIX] | data ls, then POST /v1/batch_extract {"images_dir": PREFIX}',
    'Ctrl-C to stop.',
  );
  process.stderr.write(`${lines.join('\n')}\n`);
}

main().catch((err: unknown) => {
  // Already running: that one line says it all.
  if (err instanceof DataFolderBusyError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`OCRlty failed to start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
