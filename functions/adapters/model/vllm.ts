// ModelClient for vLLM's OpenAI-compatible server, through the `openai` package (the real protocol).
import OpenAI from 'openai';
import type { Config } from '../../config.ts';
import { type Logger, ModelCallError, type ModelAnswer, type ModelClient, type ModelRequest } from '../../core/ports.ts';

export class VllmModelClient implements ModelClient {
  readonly backend = 'vllm';
  readonly model: string;
  private readonly client: OpenAI;
  private readonly maxTokens: number;

  constructor(
    config: Config['inference'],
    private readonly logger: Logger,
  ) {
    if (!config.baseUrl) throw new Error('VLLM_BASE_URL is required for the vllm backend');
    this.model = config.model;
    this.maxTokens = config.maxTokens;
    this.client = new OpenAI({
      baseURL: config.baseUrl,
      // vLLM started without --api-key accepts any bearer; the SDK insists on a value.
      apiKey: config.apiKey ?? 'EMPTY',
      timeout: config.readTimeoutS * 1000,
      // Retries are the core's job, so each attempt lands in error_history.
      maxRetries: 0,
    });
  }

  async complete(request: ModelRequest): Promise<ModelAnswer> {
    const started = Date.now();
    const dataUri = `data:${request.image.mimeType};base64,${request.image.bytes.toString('base64')}`;
    this.logger.info('vllm_call_start', { request_id: request.requestId, model: this.model, task_id: request.task.id });
    try {
      const completion = await this.client.chat.completions.create({
        model: this.model,
        temperature: 0,
        max_tokens: this.maxTokens,
        messages: [
          {
            role: 'user',
            content: [
              { type: 'image_url', image_url: { url: dataUri } },
              { type: 'text', text: request.task.prompt },
            ],
          },
        ],
        // vLLM's structured outputs constrain decoding to the task schema.
        response_format: {
          type: 'json_schema',
          json_schema: { name: request.task.id, schema: request.task.schema, strict: true },
        },
      });
      const text = completion.choices[0]?.message?.content ?? '';
      const usage = completion.usage;
      this.logger.info('vllm_call_end', {
        request_id: request.requestId,
        ms: Date.now() - started,
        completion_tokens: usage?.completion_tokens,
        finish_reason: completion.choices[0]?.finish_reason,
      });
      return {
        text,
        model: completion.model || this.model,
        ...(usage
          ? {
              usage: {
                prompt_tokens: usage.prompt_tokens,
                completion_tokens: usage.completion_tokens,
                total_tokens: usage.total_tokens,
              },
            }
          : {}),
      };
    } catch (err) {
      const failure = classify(err);
      this.logger.warn('vllm_call_error', {
        request_id: request.requestId,
        ms: Date.now() - started,
        kind: failure.kind,
        upstream_status: failure.upstreamStatus,
      });
      throw failure;
    }
  }

  async ping(): Promise<void> {
    try {
      await this.client.models.list({ timeout: 3000 });
    } catch (err) {
      throw classify(err);
    }
  }
}

/** Maps the SDK's errors onto the core's failure kinds. */
export function classify(err: unknown): ModelCallError {
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new ModelCallError('timeout', 'The model did not answer before VLLM_READ_TIMEOUT_S');
  }
  if (err instanceof OpenAI.APIConnectionError) {
    return new ModelCallError('unavailable', 'The model backend could not be reached');
  }
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    const status = err.status;
    if (status === 429) return new ModelCallError('throttled', 'The model backend is throttling requests', status);
    if (status === 408) return new ModelCallError('unavailable', 'The model backend timed out the request', status);
    if (status >= 500) return new ModelCallError('unavailable', `The model backend failed with HTTP ${status}`, status);
    return new ModelCallError('rejected', `The model backend rejected the request with HTTP ${status}`, status);
  }
  return new ModelCallError('unavailable', err instanceof Error ? err.message : String(err));
}
