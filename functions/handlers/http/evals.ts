// POST /v1/runs/{run_id}/eval, GET /v1/evals/{eval_id} — evaluation against ground truth (debug mode, debug:run).
import { appDeps } from '../../adapters/container.ts';
import { type ReadDeps, fitForResponse } from '../../core/runs/artifact-read.ts';
import { type RunEvalDeps, evaluateExistingRun, getEval } from '../../core/eval/evaluate.ts';
import { type HttpDeps, httpHandler, ok } from '../../http/chain.ts';
import { validateRunEvalRequest } from '../../http/read-validators.ts';
import { parseBody } from '../../http/validators.ts';
import { evalDepsOf } from './read-deps.ts';

type EvalHttpDeps = HttpDeps & ReadDeps & RunEvalDeps;

export const makeEvalRunHandler = (getDeps: () => Promise<EvalHttpDeps>) =>
  httpHandler('runs-eval', getDeps, async (req, deps) => {
    const body = parseBody(validateRunEvalRequest, req.body);
    return ok(await evaluateExistingRun(deps, req.principal!, req.params.run_id!, body), 201);
  });

export const makeGetEvalHandler = (getDeps: () => Promise<EvalHttpDeps>) =>
  httpHandler('evals-get', getDeps, async (req, deps) => {
    const { artifact, rel } = await getEval(deps, req.principal!, req.params.eval_id!);
    return ok(await fitForResponse(deps, artifact as unknown as Record<string, unknown>, rel));
  });

const deps = async (): Promise<EvalHttpDeps> => evalDepsOf(await appDeps());

export const evalRunHandler = makeEvalRunHandler(deps);
export const getEvalHandler = makeGetEvalHandler(deps);
