// ModelClient for vLLM's OpenAI-compatible server, through the `openai` package (the real protocol).
import OpenAI from 'openai';
import type { Config } from '../../config.ts';
import { pageLabel } from '../../core/images/budget.ts';
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
      fetch: vllmErrorBodies,
    });
  }

  async complete(request: ModelRequest): Promise<ModelAnswer> {
    const started = Date.now();
    this.logger.info('vllm_call_start', {
      request_id: request.requestId,
      model: this.model,
      task_id: request.task.id,
      pages: request.pages.length,
    });
    try {
      const completion = await this.client.chat.completions.create({
        model: this.model,
        temperature: 0,
        max_tokens: this.maxTokens,
        messages: [
          {
            role: 'user',
            content: [...pageParts(request), { type: 'text', text: request.task.prompt }],
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

/** The pages in order, each after its label when there are several (budget.ts counts the labels). */
function pageParts(request: ModelRequest): OpenAI.Chat.Completions.ChatCompletionContentPart[] {
  return request.pages.flatMap((page, i) => {
    const label = pageLabel(i + 1, request.pages.length);
    const image = {
      type: 'image_url' as const,
      image_url: { url: `data:${page.mimeType};base64,${page.bytes.toString('base64')}` },
    };
    return label ? [{ type: 'text' as const, text: label }, image] : [image];
  });
}

/**
 * vLLM answers errors as `{"object":"error","message",…,"code"}` (older servers) or OpenAI's
 * `{"error":{…}}` (newer ones); the SDK reads only the latter, so the former is rewrapped before it does.
 */
export const vllmErrorBodies: typeof fetch = async (input, init) => {
  const res = await fetch(input, init);
  if (res.ok || !(res.headers.get('content-type') ?? '').includes('json')) return res;
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const flat = body !== null && typeof body === 'object' && !('error' in body) && 'message' in body;
  return new Response(flat ? JSON.stringify({ error: body }) : text, { status: res.status, headers: res.headers });
};

const CONTEXT_LENGTH = /maximum context length|context length|too long|max_model_len/i;

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
    // "This model's maximum context length is 4096 tokens. However, you requested …": the client's document.
    if (status === 400 && CONTEXT_LENGTH.test(err.message))
      return new ModelCallError('context_length', err.message.slice(0, 1000), status);
    return new ModelCallError('rejected', `The model backend rejected the request with HTTP ${status}`, status);
  }
  return new ModelCallError('unavailable', err instanceof Error ? err.message : String(err));
}
