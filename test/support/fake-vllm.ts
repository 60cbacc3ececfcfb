// A protocol-faithful fake of vLLM's OpenAI-compatible server for tests and benchmarks. It checks what
// the client sends (bearer key, model, image part as a data: URI, response_format json_schema, temperature)
// and can answer slowly, with HTTP errors, or with garbage. It counts concurrent calls (the GPU guard).
import { createHash } from 'node:crypto';
import { type IncomingMessage, type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type VisionReport, badImageError, contextLengthError, fakeTextTokens, inspectVision } from './fake-vllm-vision.ts';

export type FakeBehaviour =
  | { kind: 'ok'; content?: (req: ChatRequest) => string }
  | { kind: 'status'; status: number; times?: number }
  | { kind: 'garbage'; text: string }
  | { kind: 'hang' };

export interface ChatRequest {
  model: string;
  temperature?: number;
  max_tokens?: number;
  messages: Array<{ role: string; content: Array<{ type: string; text?: string; image_url?: { url: string } }> | string }>;
  response_format?: { type: string; json_schema?: { name: string; schema: Record<string, unknown>; strict?: boolean } };
}

export interface ReceivedCall {
  authorization: string | undefined;
  /** Time from receiving the request to sending the answer: the "model's own time". */
  serviceMs?: number;
  body: ChatRequest;
  problems: string[];
  /** What the images and text cost, measured as vLLM would (test/support/fake-vllm-vision.ts). */
  vision?: VisionReport;
}

export interface FakeVllm {
  url: string;
  calls: ReceivedCall[];
  /** Highest number of chat completions in flight at once. */
  maxConcurrent: number;
  inFlight: number;
  latencyMs: number;
  behaviour: FakeBehaviour;
  /** vLLM's --max-model-len: longer requests get its 400. */
  maxModelLen: number;
  reset(): void;
  close(): Promise<void>;
}

export interface FakeVllmOptions {
  apiKey?: string;
  model?: string;
  latencyMs?: number;
  port?: number;
  /** @default 4096, the seed's `--max-model-len` */
  maxModelLen?: number;
}

/** A schema-valid receipt answer derived from the image bytes, like the mock backend but over HTTP. */
export function defaultAnswer(req: ChatRequest): string {
  const image = imageUrlOf(req) ?? '';
  const h = createHash('sha256').update(image).digest();
  const total = (h.readUInt16BE(0) % 10000) / 100;
  if (req.response_format?.json_schema?.name?.startsWith('invoice')) {
    return JSON.stringify({
      vendor_name: 'Fake Vendor',
      vendor_address: null,
      vendor_tax_id: null,
      customer_name: null,
      customer_address: null,
      invoice_number: `INV-${h.readUInt16BE(2)}`,
      purchase_order: null,
      invoice_date: '2025-03-01',
      due_date: '2025-03-31',
      currency: 'EUR',
      subtotal: total,
      tax: 0,
      total,
      amount_due: total,
      line_items: [],
    });
  }
  return JSON.stringify({
    merchant_name: 'Fake Market',
    merchant_address: null,
    date: '2025-01-31',
    time: '12:00',
    currency: 'USD',
    subtotal: total,
    tax: 0,
    tip: null,
    total,
    payment_method: null,
    line_items: [{ description: 'Item', quantity: 1, unit_price: total, amount: total }],
  });
}

function imageUrlOf(req: ChatRequest): string | undefined {
  for (const m of req.messages ?? []) {
    if (Array.isArray(m.content)) for (const part of m.content) if (part.type === 'image_url') return part.image_url?.url;
  }
  return undefined;
}

function check(req: ChatRequest, auth: string | undefined, opts: Required<Pick<FakeVllmOptions, 'apiKey' | 'model'>>): string[] {
  const problems: string[] = [];
  if (auth !== `Bearer ${opts.apiKey}`) problems.push('bad or missing Authorization bearer');
  if (req.model !== opts.model) problems.push(`unknown model ${req.model}`);
  const url = imageUrlOf(req);
  if (!url || !/^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/=]+$/.test(url)) problems.push('no image part as a data: URI');
  if (req.response_format?.type !== 'json_schema' || typeof req.response_format.json_schema?.schema !== 'object') {
    problems.push('response_format is not json_schema with a schema');
  }
  if (req.temperature !== 0) problems.push('temperature is not 0');
  return problems;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

export async function startFakeVllm(options: FakeVllmOptions = {}): Promise<FakeVllm> {
  const opts = { apiKey: options.apiKey ?? 'test-vllm-key', model: options.model ?? 'Qwen/Qwen3-VL-8B-Instruct' };
  let statusLeft = 0;
  const sockets = new Set<import('node:net').Socket>();
  const fake: FakeVllm = {
    url: '',
    calls: [],
    maxConcurrent: 0,
    inFlight: 0,
    latencyMs: options.latencyMs ?? 0,
    behaviour: { kind: 'ok' },
    maxModelLen: options.maxModelLen ?? 4096,
    reset() {
      fake.calls = [];
      fake.maxConcurrent = 0;
      fake.behaviour = { kind: 'ok' };
      fake.maxModelLen = options.maxModelLen ?? 4096;
      statusLeft = 0;
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };

  const server: Server = createServer(async (req, res) => {
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.method === 'GET' && req.url === '/v1/models') {
      if (req.headers.authorization !== `Bearer ${opts.apiKey}`) return send(401, { error: { message: 'unauthorized' } });
      return send(200, { object: 'list', data: [{ id: opts.model, object: 'model', owned_by: 'vllm' }] });
    }
    if (req.method !== 'POST' || req.url !== '/v1/chat/completions') return send(404, { error: { message: 'not found' } });
    const received = performance.now();
    const body = (await readJson(req)) as ChatRequest;
    const problems = check(body, req.headers.authorization, opts);
    const call: ReceivedCall = { authorization: req.headers.authorization, body, problems };
    fake.calls.push(call);
    res.on('finish', () => (call.serviceMs = performance.now() - received));
    if (problems.includes('bad or missing Authorization bearer')) return send(401, { error: { message: 'Unauthorized' } });
    fake.inFlight++;
    fake.maxConcurrent = Math.max(fake.maxConcurrent, fake.inFlight);
    try {
      const b = fake.behaviour;
      if (b.kind === 'hang') {
        await new Promise((r) => setTimeout(r, 600_000).unref());
        return;
      }
      if (fake.latencyMs > 0) await new Promise((r) => setTimeout(r, fake.latencyMs));
      if (b.kind === 'status') {
        const times = b.times ?? Number.POSITIVE_INFINITY;
        if (statusLeft < times) {
          statusLeft++;
          return send(b.status, { error: { message: `fake error ${b.status}`, type: 'server_error' } });
        }
      }
      try {
        call.vision = await inspectVision(body.messages ?? [], body.max_tokens ?? 0);
      } catch (err) {
        return send(400, badImageError(err instanceof Error ? err.message : String(err)));
      }
      if (call.vision.promptTokens + call.vision.maxTokens > fake.maxModelLen) {
        return send(400, contextLengthError(fake.maxModelLen, call.vision));
      }
      const content = b.kind === 'garbage' ? b.text : b.kind === 'ok' && b.content ? b.content(body) : defaultAnswer(body);
      const completionTokens = fakeTextTokens(content);
      send(200, {
        id: `chatcmpl-${fake.calls.length}`,
        object: 'chat.completion',
        created: Math.floor(Date.now() / 1000),
        model: body.model,
        choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
        usage: {
          prompt_tokens: call.vision.promptTokens,
          completion_tokens: completionTokens,
          total_tokens: call.vision.promptTokens + completionTokens,
        },
      });
    } finally {
      fake.inFlight--;
    }
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', () => resolve()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  return fake;
}
