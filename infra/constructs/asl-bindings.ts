// Binds an ASL file's `${Placeholder}`s to the workflow task table (functions/tasks.ts): every placeholder
// must name a task, every Task state that invokes `${X}` must be the state that task is declared for.
// Pure functions over the ASL text, so the drift tests can feed them broken files.
import type { WorkflowTaskDefinition } from '../../functions/tasks.ts';

const PLACEHOLDER = /\$\{([A-Za-z0-9_]+)\}/g;

/** Every `${Name}` in the text, in order of first appearance. */
export function aslPlaceholders(text: string): string[] {
  return [...new Set([...text.matchAll(PLACEHOLDER)].map((m) => m[1]!))];
}

interface AslState {
  Type?: string;
  Resource?: string;
  Parameters?: { FunctionName?: unknown };
  Arguments?: { FunctionName?: unknown };
  ItemProcessor?: AslMachine;
  Iterator?: AslMachine;
  Branches?: AslMachine[];
}
interface AslMachine {
  States?: Record<string, AslState>;
}

export interface AslTaskState {
  state: string;
  resource: string | undefined;
  functionName: unknown;
  /** Inside a Distributed Map's item processor. */
  distributed: boolean;
}

/** Lambda invocations are the only Task integration the CDK app grants to a state machine's role. */
const LAMBDA_INVOKE = /^arn:aws:states:::lambda:invoke(\.waitForTaskToken)?$/;

/** Task states (at any depth: Map processors, Parallel branches) with the function they invoke. */
export function aslTaskStates(definition: AslMachine): AslTaskState[] {
  const found: AslTaskState[] = [];
  const walk = (machine: AslMachine | undefined, distributed: boolean): void => {
    for (const [name, s] of Object.entries(machine?.States ?? {})) {
      if (s.Type === 'Task') {
        found.push({
          state: name,
          resource: s.Resource,
          functionName: s.Parameters?.FunctionName ?? s.Arguments?.FunctionName,
          distributed,
        });
      }
      const processor = s.ItemProcessor as (AslMachine & { ProcessorConfig?: { Mode?: string } }) | undefined;
      if (processor) walk(processor, distributed || processor.ProcessorConfig?.Mode === 'DISTRIBUTED');
      if (s.Iterator) walk(s.Iterator, distributed);
      for (const b of s.Branches ?? []) walk(b, distributed);
    }
  };
  walk(definition, false);
  return found;
}

/** True when the definition holds a Distributed Map (its role then starts child executions). */
export function hasDistributedMap(definition: AslMachine): boolean {
  let distributed = false;
  const walk = (machine: AslMachine | undefined): void => {
    for (const s of Object.values(machine?.States ?? {})) {
      const processor = s.ItemProcessor as (AslMachine & { ProcessorConfig?: { Mode?: string } }) | undefined;
      if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') distributed = true;
      walk(processor);
      walk(s.Iterator);
      for (const b of s.Branches ?? []) walk(b);
    }
  };
  walk(definition);
  return distributed;
}

/**
 * The tasks one ASL file uses, keyed by placeholder. Throws on a placeholder without a task, a Task
 * state whose name differs from its task's `state`, or a Lambda Task state that invokes no placeholder.
 */
export function bindAsl(
  file: string,
  text: string,
  tasks: readonly WorkflowTaskDefinition[],
): Map<string, WorkflowTaskDefinition> {
  const problems: string[] = [];
  const definition = JSON.parse(text) as AslMachine;
  const bound = new Map<string, WorkflowTaskDefinition>();
  for (const placeholder of aslPlaceholders(text)) {
    const task = tasks.find((t) => t.placeholder === placeholder);
    if (task) bound.set(placeholder, task);
    else problems.push(`\${${placeholder}} has no task in functions/tasks.ts`);
  }
  for (const { state, resource, functionName } of aslTaskStates(definition)) {
    if (!resource || !LAMBDA_INVOKE.test(resource)) {
      problems.push(
        `Task state ${state} uses ${JSON.stringify(resource)}; the CDK app only grants lambda:invoke (infra/constructs/workflows.ts)`,
      );
      continue;
    }
    const m = typeof functionName === 'string' ? /^\$\{([A-Za-z0-9_]+)\}$/.exec(functionName) : null;
    if (!m) {
      problems.push(`Task state ${state} does not invoke a \${...} placeholder (FunctionName: ${JSON.stringify(functionName)})`);
      continue;
    }
    const task = bound.get(m[1]!);
    if (task && task.state !== state)
      problems.push(`Task state ${state} invokes \${${m[1]}}, which functions/tasks.ts binds to state ${task.state}`);
  }
  if (problems.length > 0) throw new Error(`${file}:\n  - ${problems.join('\n  - ')}`);
  return bound;
}
