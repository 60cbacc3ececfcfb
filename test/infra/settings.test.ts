// CDK context → Settings: per-stage defaults from cdk.json, `-c` strings, and one error naming every bad key.
import { describe, expect, test } from 'vitest';
import { cdkJsonContext } from '../../infra/ocrlty-app.ts';
import { SettingsError, readSettings } from '../../infra/settings.ts';

const ACCOUNT = '0123456789abcdef0123456789abcdef';
const read = (context: Record<string, unknown>) => {
  const merged: Record<string, unknown> = { ...cdkJsonContext(), ...context };
  return readSettings((key) => merged[key]);
};

describe('readSettings', () => {
  test('dev is the default stage, with the mock backend when no vLLM URL is given', () => {
    const s = read({ r2AccountId: ACCOUNT });
    expect(s).toMatchObject({ stage: 'dev', isProd: false, logRetentionDays: 30, bundle: true });
    expect(s.r2).toMatchObject({
      endpoint: `https://${ACCOUNT}.r2.cloudflarestorage.com`,
      bucket: 'ocrlty',
      prefix: 'dev',
      stagingExpiryDays: 1,
    });
    expect(s.vllm.baseUrl).toBeUndefined();
    expect(s.vllm).toMatchObject({ maxInflight: 4, syncInflight: 1, model: 'Qwen/Qwen3-VL-8B-Instruct' });
    expect(s.api).toMatchObject({ authorizerCacheTtlS: 60, perKeyQuotas: false });
  });

  test('prod takes its own defaults from cdk.json and needs the vLLM endpoint', () => {
    expect(() => read({ stage: 'prod', r2AccountId: ACCOUNT })).toThrow(/vllmBaseUrl is required for stage prod/);
    const s = read({ stage: 'prod', r2AccountId: ACCOUNT, vllmBaseUrl: 'https://pod-8000.proxy.runpod.net/v1/' });
    expect(s).toMatchObject({ isProd: true, logRetentionDays: 365 });
    expect(s.r2.prefix).toBe('prod');
    expect(s.vllm.baseUrl).toBe('https://pod-8000.proxy.runpod.net/v1');
  });

  test('-c values arrive as strings and are parsed', () => {
    const s = read({
      r2AccountId: ACCOUNT,
      vllmMaxInflight: '8',
      vllmSyncInflight: '2',
      corsAllowOrigins: 'https://a.example.com, https://b.example.com',
      perKeyQuotas: 'true',
      r2InputsRetentionDays: '30',
    });
    expect(s.vllm).toMatchObject({ maxInflight: 8, syncInflight: 2 });
    expect(s.corsAllowOrigins).toEqual(['https://a.example.com', 'https://b.example.com']);
    expect(s.api.perKeyQuotas).toBe(true);
    expect(s.r2.inputsRetentionDays).toBe(30);
  });

  test('r2Endpoint replaces the account id (EU jurisdiction)', () => {
    const s = read({ r2Endpoint: `https://${ACCOUNT}.eu.r2.cloudflarestorage.com` });
    expect(s.r2.endpoint).toBe(`https://${ACCOUNT}.eu.r2.cloudflarestorage.com`);
  });

  test('reports every bad key at once, by name', () => {
    let error: unknown;
    try {
      read({
        r2AccountId: 'not-hex',
        vllmMaxInflight: '2',
        vllmSyncInflight: '2',
        logRetentionDays: '42',
        corsAllowOrigins: 'app.example.com',
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    const problems = (error as SettingsError).problems.join('\n');
    expect(problems).toContain('r2AccountId must be the 32 hex characters');
    expect(problems).toContain('vllmSyncInflight (2) must be lower than vllmMaxInflight (2)');
    expect(problems).toContain('logRetentionDays must be one of');
    expect(problems).toContain('corsAllowOrigins entries must be origins');
  });

  test('without an R2 account the app refuses to synth rather than point at nothing', () => {
    expect(() => read({})).toThrow(/r2AccountId \(or r2Endpoint\) is required/);
  });
});
