// cdk-nag AwsSolutions (v3 API, DESIGN.md §8): zero unacknowledged findings on every stage and option
// set, and every acknowledgement both names a concrete reason and suppresses a finding that exists.
import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, test } from 'vitest';
import { buildOcrltyApp } from '../../infra/ocrlty-app.ts';
import { TEST_CONTEXT, synth } from './support.ts';

const VARIANTS: [string, Record<string, string>][] = [
  ['dev', { stage: 'dev' }],
  ['prod', { stage: 'prod' }],
  [
    'dev with CORS, per-key quotas, no authorizer cache and an alarm e-mail',
    {
      corsAllowOrigins: 'https://app.example.com',
      perKeyQuotas: 'true',
      authorizerCacheTtlS: '0',
      alarmEmail: 'ops@example.com',
    },
  ],
  ['dev with the mock model backend', { vllmBaseUrl: '' }],
];

/** Every finding of the AwsSolutions pack, acknowledged or not. */
function allFindings(root: IConstruct): { rule: string; path: string }[] {
  const checks = new AwsSolutionsChecks(root);
  // The pack consults acknowledgements in isAcknowledged(); seeing through them lists the raw findings.
  (checks as unknown as { isAcknowledged: () => boolean }).isAcknowledged = () => false;
  return checks
    .validateScope(root)
    .violations.flatMap((v) => v.violatingResources.map((r) => ({ rule: v.ruleName, path: r.constructPath ?? '' })));
}

/** Acknowledgements recorded with Validations.of(construct).acknowledge(). */
function acknowledgements(root: IConstruct): { id: string; reason: string; path: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          id: id.replace(/^[^:]+::/, ''),
          reason,
          path: c.node.path,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  test.each(VARIANTS)('%s synthesizes with zero unacknowledged findings', (_name, context) => {
    // synth() runs the plugin: any unacknowledged error fails synthesis with the report.
    expect(() => synth(context)).not.toThrow();
  });

  test.each(VARIANTS)('%s: every acknowledgement suppresses a real finding and says why', (_name, context) => {
    const { app } = buildOcrltyApp({ context: { ...TEST_CONTEXT, ...context }, nag: false });
    const findings = allFindings(app);
    const acks = acknowledgements(app).filter((a) => a.id.startsWith('AwsSolutions-'));
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      const suppressed = findings.filter((f) => f.rule === ack.id && (f.path === ack.path || f.path.startsWith(`${ack.path}/`)));
      expect(suppressed.length, `${ack.id} at ${ack.path} suppresses nothing`).toBeGreaterThan(0);
      expect(ack.reason.length, `${ack.id} at ${ack.path}: give a concrete reason`).toBeGreaterThanOrEqual(60);
    }
  });
});
