// What the client commands exit with: 0 ok, 1 the run had failed items, 2 usage, 3 API or auth error,
// 4 network or timeout. Each failure is one of these classes, so main.ts maps it without guessing.
export const EXIT = { ok: 0, failedItems: 1, usage: 2, api: 3, network: 4 } as const;

export class ClientUsageError extends Error {}

/** The API answered with an error body ({error: {code, message}}) or an unexpected status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** The deployment could not be reached, or did not answer in time. */
export class NetworkError extends Error {}

export function exitCodeOf(err: unknown): number {
  if (err instanceof ClientUsageError) return EXIT.usage;
  if (err instanceof ApiError) return EXIT.api;
  if (err instanceof NetworkError) return EXIT.network;
  return EXIT.api;
}
