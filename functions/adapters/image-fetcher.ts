// Debug-only image_url fetching. Refuses anything but public http(s) addresses: every address the
// host resolves to is checked against loopback, private, link-local and other reserved ranges, and
// redirects are not followed (a redirect could point inside the network).
import { lookup } from 'node:dns/promises';
import { BlockList, isIP } from 'node:net';
import { ValidationError } from '../core/errors.ts';
import { imageTooLarge } from '../core/images/image.ts';
import type { ImageFetcher } from '../core/extract/extract-request.ts';

const blocked = new BlockList();
for (const [net, bits] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  blocked.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  blocked.addSubnet(net, bits, 'ipv6');
}

/** IPv4-mapped IPv6 (::ffff:a.b.c.d) is judged by its IPv4 address; a ::ffff:0:0/96 rule would also block all of IPv4. */
export function isPublicAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  if (family === 6 && address.toLowerCase().startsWith('::ffff:')) {
    const v4 = address.slice(7);
    if (isIP(v4) === 4) return !blocked.check(v4, 'ipv4');
  }
  return !blocked.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

export const httpImageFetcher: ImageFetcher = {
  async fetch(url: string, maxBytes: number) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ValidationError('image_url is not a valid URL');
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
      throw new ValidationError('image_url must be an http(s) URL');
    }
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    const addresses = isIP(host) ? [host] : (await lookup(host, { all: true }).catch(() => [])).map((a) => a.address);
    if (addresses.length === 0) throw new ValidationError('image_url host does not resolve', { host });
    if (!addresses.every(isPublicAddress)) {
      throw new ValidationError('image_url must point to a public address (private and loopback addresses are refused)', {
        host,
      });
    }
    let res: Response;
    try {
      res = await fetch(parsed, { redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    } catch {
      throw new ValidationError('image_url could not be fetched', { host });
    }
    if (res.status !== 200) throw new ValidationError(`image_url answered HTTP ${res.status}`, { host, status: res.status });
    const declared = Number(res.headers.get('content-length') ?? '0');
    if (declared > maxBytes) throw imageTooLarge(maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of res.body ?? []) {
      total += chunk.length;
      if (total > maxBytes) throw imageTooLarge(maxBytes);
      chunks.push(Buffer.from(chunk));
    }
    const contentType = res.headers.get('content-type') ?? undefined;
    return contentType ? { bytes: Buffer.concat(chunks), contentType } : { bytes: Buffer.concat(chunks) };
  },
};
