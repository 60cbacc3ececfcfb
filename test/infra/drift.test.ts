// Drift: the CDK app must refuse a route table or task table that does not match the code and the ASL,
// at synth time — a route without a handler, a placeholder without a task, a task no ASL invokes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ROUTES, type RouteDefinition } from '../../functions/routes.ts';
import { STATE_MACHINES, WORKFLOW_TASKS, type WorkflowTaskDefinition } from '../../functions/tasks.ts';
import { aslPlaceholders, bindAsl } from '../../infra/constructs/asl-bindings.ts';
import { type BuildOptions, REPO_ROOT, buildOcrltyApp } from '../../infra/ocrlty-app.ts';
import { TEST_CONTEXT } from './support.ts';

const build = (overrides: BuildOptions['overrides']) =>
  buildOcrltyApp({ context: { ...TEST_CONTEXT }, nag: false, ...(overrides ? { overrides } : {}) });

const route = (over: Partial<RouteDefinition>): RouteDefinition => ({
  id: 'new_route',
  method: 'GET',
  path: '/v1/new',
  handler: 'functions/handlers/http/system.ts',
  export: 'meHandler',
  scope: 'any',
  body: 'none',
  needs: [],
  ...over,
});

const ASL = (states: Record<string, unknown>) => JSON.stringify({ StartAt: Object.keys(states)[0], States: states });
const lambdaTask = (placeholder: string, extra: Record<string, unknown> = {}) => ({
  Type: 'Task',
  Resource: 'arn:aws:states:::lambda:invoke',
  Parameters: { FunctionName: `\${${placeholder}}`, 'Payload.$': '$' },
  End: true,
  ...extra,
});
const task = (state: string, placeholder = `${state}FunctionArn`): WorkflowTaskDefinition => ({
  state,
  placeholder,
  handler: 'functions/handlers/http/system.ts',
  export: 'healthHandler',
  needs: [],
  timeoutS: 10,
});

describe('route table drift', () => {
  test('the real tables synthesize', () => {
    expect(() => build(undefined)).not.toThrow();
  });

  test('a route whose handler file does not exist fails synth', () => {
    const routes = [...ROUTES, route({ handler: 'functions/handlers/http/nowhere.ts' })];
    expect(() => build({ routes })).toThrow(/new-route: handler file functions\/handlers\/http\/nowhere\.ts does not exist/);
  });

  test('a route whose handler file lacks the export fails synth', () => {
    const routes = [...ROUTES, route({ export: 'noSuchHandler' })];
    expect(() => build({ routes })).toThrow(/does not export "noSuchHandler"/);
  });

  test('a route listed twice fails synth', () => {
    const routes = [...ROUTES, { ...ROUTES[0]!, id: 'health_again' }];
    expect(() => build({ routes })).toThrow(/lists GET \/health twice/);
  });

  test('a permission kind the CDK app does not know fails synth', () => {
    const routes = [...ROUTES, route({ needs: ['keys:delete' as never] })];
    expect(() => build({ routes })).toThrow(/needs "keys:delete", which the CDK app does not know/);
  });

  test('a new route that calls the model without a GPU share fails synth', () => {
    const routes = [...ROUTES, route({ needs: ['model'] })];
    expect(() => build({ routes })).toThrow(/route "new_route" needs 'model' but has no GPU share/);
  });
});

describe('task table drift', () => {
  test('a placeholder in the ASL without a task fails', () => {
    const text = ASL({ A: lambdaTask('AFunctionArn', { End: undefined, Next: 'B' }), B: lambdaTask('BFunctionArn') });
    expect(() => bindAsl('x.asl.json', text, [task('A')])).toThrow(/\$\{BFunctionArn\} has no task in functions\/tasks\.ts/);
  });

  test('a Task state invoking another state’s function fails', () => {
    const text = ASL({ A: lambdaTask('BFunctionArn') });
    expect(() => bindAsl('x.asl.json', text, [task('B')])).toThrow(
      /Task state A invokes \$\{BFunctionArn\}, which functions\/tasks\.ts binds to state B/,
    );
  });

  test('a Task state with a non-Lambda integration fails (its role would lack the grant)', () => {
    const text = ASL({ A: { Type: 'Task', Resource: 'arn:aws:states:::dynamodb:putItem', End: true } });
    expect(() => bindAsl('x.asl.json', text, [])).toThrow(/only grants lambda:invoke/);
  });

  test('a task that no ASL invokes fails synth', () => {
    const tasks = [...WORKFLOW_TASKS, task('Orphan')];
    expect(() => build({ tasks })).toThrow(/declares tasks no ASL file invokes: Orphan \(\$\{OrphanFunctionArn\}\)/);
  });

  test('a task whose handler is missing fails synth', () => {
    const tasks = WORKFLOW_TASKS.map((t, i) => (i === 0 ? { ...t, export: 'missingExport' } : t));
    expect(() => build({ tasks })).toThrow(/does not export "missingExport"/);
  });

  test('every placeholder of the real ASL files is bound, to the task of the same state', () => {
    for (const machine of STATE_MACHINES) {
      const text = readFileSync(join(REPO_ROOT, machine.file), 'utf8');
      const bound = bindAsl(machine.file, text, WORKFLOW_TASKS);
      expect([...bound.keys()].sort()).toEqual(aslPlaceholders(text).sort());
    }
  });
});
