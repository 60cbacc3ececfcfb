// Readiness: probe each dependency in parallel, each bounded in time, and report them one by one.

export interface DependencyStatus {
  ok: boolean;
  ms: number;
  error?: string;
}

export type Probe = () => Promise<unknown>;

export async function checkReadiness(
  probes: Record<string, Probe>,
  timeoutMs = 3000,
): Promise<{ ok: boolean; checks: Record<string, DependencyStatus> }> {
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]) => {
      const started = Date.now();
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          probe(),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
        return [name, { ok: true, ms: Date.now() - started }] as const;
      } catch (err) {
        const error = err instanceof Error ? err.message || err.name : String(err);
        return [name, { ok: false, ms: Date.now() - started, error }] as const;
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  return { ok: entries.every(([, s]) => s.ok), checks };
}
