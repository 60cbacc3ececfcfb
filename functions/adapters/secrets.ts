// Cloud secrets: when SECRETS_ARN names a Secrets Manager secret holding a JSON object of env names
// (API_KEY_PEPPER, VLLM_API_KEY, R2_ACCESS_KEY_ID, R2_SECRET_ACCESS_KEY), its values are put into the
// environment at cold start, before the config is parsed. Locally secrets come from env / .env instead.

export async function resolveSecretsIntoEnv(env: Record<string, string | undefined>): Promise<void> {
  const arn = env.SECRETS_ARN;
  if (!arn) return;
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  const out = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  const values = JSON.parse(out.SecretString ?? '{}') as Record<string, unknown>;
  for (const [name, value] of Object.entries(values)) {
    if (/^[A-Z][A-Z0-9_]*$/.test(name) && typeof value === 'string' && env[name] === undefined) env[name] = value;
  }
}
