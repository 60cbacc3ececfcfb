// GET /health, GET /ready, GET /v1/me.
import { appDeps } from '../../adapters/container.ts';
import { readinessProbes } from '../../adapters/probes.ts';
import { checkReadiness } from '../../core/system/readiness.ts';
import { type HttpDeps, httpHandler, ok } from '../../http/chain.ts';
import type { Probe } from '../../core/system/readiness.ts';

export const makeHealthHandler = (getDeps: () => Promise<HttpDeps>) =>
  httpHandler('health', getDeps, async () => ok({ ok: true }));

export const makeReadyHandler = (getDeps: () => Promise<HttpDeps & { probes: Record<string, Probe> }>) =>
  httpHandler('ready', getDeps, async (_req, deps) => {
    const readiness = await checkReadiness(deps.probes);
    return ok(readiness, readiness.ok ? 200 : 503);
  });

export const makeMeHandler = (getDeps: () => Promise<HttpDeps>) =>
  httpHandler('me', getDeps, async (req) => {
    const p = req.principal!;
    return ok({ key_id: p.keyId, role: p.role, scopes: p.scopes });
  });

export const healthHandler = makeHealthHandler(appDeps);
export const readyHandler = makeReadyHandler(async () => {
  const deps = await appDeps();
  return { ...deps, probes: readinessProbes(deps) };
});
export const meHandler = makeMeHandler(appDeps);
