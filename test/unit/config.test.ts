import { describe, expect, test } from 'vitest';
import { ConfigError, loadConfig } from '../../functions/config.ts';

const BASE = { S3_BUCKET: 'b', API_KEY_PEPPER: 'a-long-enough-pepper' };

describe('loadConfig', () => {
  test('applies the documented defaults', () => {
    const c = loadConfig(BASE);
    expect(c.inference.backend).toBe('mock');
    expect(c.inference.model).toBe('Qwen/Qwen3-VL-8B-Instruct');
    expect(c.s3).toMatchObject({ region: 'auto', prefix: '', allowOverwrite: false, forcePathStyle: false });
    expect(c.authEnabled).toBe(true);
    expect(c.debugMode).toBe(false);
    expect(c.jobs.syncWaitS).toBe(25);
  });

  test('setting VLLM_BASE_URL selects the vllm backend', () => {
    const c = loadConfig({ ...BASE, VLLM_BASE_URL: 'https://pod-8000.proxy.runpod.net/v1/' });
    expect(c.inference.backend).toBe('vllm');
    expect(c.inference.baseUrl).toBe('https://pod-8000.proxy.runpod.net/v1');
  });

  test('reports every bad variable at once, by name', () => {
    const env = {
      INFERENCE_BACKEND: 'vllm',
      S3_ALLOW_OVERWRITE: 'maybe',
      VLLM_READ_TIMEOUT_S: '-1',
      LOG_LEVEL: 'chatty',
      API_KEY_PEPPER: '',
    };
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of [
      'VLLM_BASE_URL',
      'S3_ALLOW_OVERWRITE',
      'VLLM_READ_TIMEOUT_S',
      'LOG_LEVEL',
      'API_KEY_PEPPER',
      'S3_BUCKET',
    ]) {
      expect(problems).toContain(name);
    }
  });

  test('a pepper is not required when auth is disabled', () => {
    expect(() => loadConfig({ S3_BUCKET: 'b', AUTH_ENABLED: '0' })).not.toThrow();
  });

  test('strips slashes around S3_PREFIX and parses CORS origins', () => {
    const c = loadConfig({ ...BASE, S3_PREFIX: '/prod/', CORS_ALLOW_ORIGINS: 'https://a.example, https://b.example' });
    expect(c.s3.prefix).toBe('prod');
    expect(c.corsAllowOrigins).toEqual(['https://a.example', 'https://b.example']);
  });
});
