// The vision side of the fake vLLM, as vLLM serving Qwen3-VL does it: every image part of a chat request
// is decoded and measured, resized the way Qwen's processor resizes (sides rounded to multiples of 32,
// between its own min and max pixels), and costs one visual token per 32×32 px plus its two vision
// markers. Text is counted its own way (≈ 4 characters per token, deliberately not the client's formula),
// and a prompt over --max-model-len is refused with vLLM's own 400 body.
import sharp from 'sharp';

/** Qwen3-VL's processor: 16 px patches merged 2×2, images kept between these pixel counts. */
const FACTOR = 32;
const PROCESSOR_MIN_PIXELS = 65_536;
const PROCESSOR_MAX_PIXELS = 16_777_216;
/** <|vision_start|> and <|vision_end|> around each image's pad tokens. */
const MARKERS_PER_IMAGE = 2;
/** <|im_start|>role\n … <|im_end|>\n per message, and the generation prompt after the last one. */
const TOKENS_PER_MESSAGE = 5;
const GENERATION_PROMPT_TOKENS = 3;

export interface ReceivedImage {
  mime: string;
  bytes: number;
  width: number;
  height: number;
  /** The image carries EXIF (any: orientation, GPS, camera…). */
  exif: boolean;
  /** EXIF orientation tag when present. */
  orientation?: number;
  /** ICC profile or XMP present. */
  otherMetadata: boolean;
  visualTokens: number;
}

export interface VisionReport {
  images: ReceivedImage[];
  textTokens: number;
  promptTokens: number;
  maxTokens: number;
}

export interface VisionMessage {
  role: string;
  content: Array<{ type: string; text?: string; image_url?: { url: string } }> | string;
}

/** The processor's resize (Qwen2-VL/Qwen3-VL smart_resize with factor 32). */
export function processorSize(width: number, height: number): { width: number; height: number } {
  let h = Math.max(FACTOR, Math.round(height / FACTOR) * FACTOR);
  let w = Math.max(FACTOR, Math.round(width / FACTOR) * FACTOR);
  if (w * h > PROCESSOR_MAX_PIXELS) {
    const beta = Math.sqrt((height * width) / PROCESSOR_MAX_PIXELS);
    h = Math.max(FACTOR, Math.floor(height / beta / FACTOR) * FACTOR);
    w = Math.max(FACTOR, Math.floor(width / beta / FACTOR) * FACTOR);
  } else if (w * h < PROCESSOR_MIN_PIXELS) {
    const beta = Math.sqrt(PROCESSOR_MIN_PIXELS / (height * width));
    h = Math.ceil((height * beta) / FACTOR) * FACTOR;
    w = Math.ceil((width * beta) / FACTOR) * FACTOR;
  }
  return { width: w, height: h };
}

/** ≈ 4 characters per token, rounded up. */
export function fakeTextTokens(text: string): number {
  return Math.ceil([...text].length / 4);
}

const DATA_URI = /^data:([\w.+-]+\/[\w.+-]+);base64,(.*)$/s;

/** Decodes and measures every image of the request; throws (→ 400) on an image vLLM could not load. */
export async function inspectVision(messages: readonly VisionMessage[], maxTokens: number): Promise<VisionReport> {
  const images: ReceivedImage[] = [];
  let textTokens = 0;
  for (const message of messages) {
    textTokens += TOKENS_PER_MESSAGE;
    const parts = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content;
    for (const part of parts) {
      if (part.type === 'text') textTokens += fakeTextTokens(part.text ?? '');
      if (part.type !== 'image_url') continue;
      const m = DATA_URI.exec(part.image_url?.url ?? '');
      if (!m) throw new Error('image_url is not a base64 data: URI');
      const bytes = Buffer.from(m[2]!, 'base64');
      const meta = await sharp(bytes).metadata();
      const size = processorSize(meta.width, meta.height);
      images.push({
        mime: m[1]!,
        bytes: bytes.length,
        width: meta.width,
        height: meta.height,
        exif: meta.exif !== undefined,
        ...(meta.orientation !== undefined ? { orientation: meta.orientation } : {}),
        otherMetadata: meta.icc !== undefined || meta.xmp !== undefined,
        visualTokens: (size.width / FACTOR) * (size.height / FACTOR),
      });
    }
  }
  textTokens += GENERATION_PROMPT_TOKENS;
  const promptTokens = textTokens + images.reduce((sum, i) => sum + i.visualTokens + MARKERS_PER_IMAGE, 0);
  return { images, textTokens, promptTokens, maxTokens };
}

/** vLLM's refusal of a request over --max-model-len (serving_engine.py's message, ErrorResponse body). */
export function contextLengthError(maxModelLen: number, report: VisionReport): Record<string, unknown> {
  return {
    object: 'error',
    message:
      `This model's maximum context length is ${maxModelLen} tokens. However, you requested ` +
      `${report.promptTokens + report.maxTokens} tokens (${report.promptTokens} in the messages, ` +
      `${report.maxTokens} in the completion). Please reduce the length of the messages or completion.`,
    type: 'BadRequestError',
    param: null,
    code: 400,
  };
}

/** vLLM's 400 for an image it cannot decode. */
export function badImageError(reason: string): Record<string, unknown> {
  return { object: 'error', message: `Failed to load image: ${reason}`, type: 'BadRequestError', param: null, code: 400 };
}
