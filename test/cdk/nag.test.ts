/**
 * cdk-nag (v3, AwsSolutions). v3 is a policy-validation plugin: it reports after
 * synthesis instead of writing annotations, so `Annotations.findError(…AwsSolutions…)`
 * would always be empty. The tests run the pack directly (`validateScope`) for a
 * readable list of findings, and also synthesize with the plugin registered the
 * way bin/app.ts does, which fails on any unacknowledged error.
 */
import { Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { describe, expect, it } from 'vitest';
import { buildStack } from './helpers';

const { stack } = buildStack();
Template.fromStack(stack); // synthesize first: nag sees the finished tree
const report = new AwsSolutionsChecks().validateScope(stack);
const describeViolations = (severity: string) =>
  report.violations
    .filter((v) => v.severity === severity)
    .map((v) => `${v.ruleName}: ${v.violatingResources.map((r) => r.constructPath).join(', ')}`);

function acknowledgements(root: IConstruct): { path: string; id: string; reason: string }[] {
  return root.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) =>
        Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({
          path: c.node.path,
          id,
          reason,
        })),
      ),
  );
}

describe('cdk-nag AwsSolutions', () => {
  it('finds no unacknowledged errors', () => {
    expect(describeViolations('error')).toEqual([]);
  });

  it('finds no unacknowledged warnings (reviewed: none remain)', () => {
    expect(describeViolations('warning')).toEqual([]);
  });

  it('gives every acknowledgement a reason', () => {
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) {
      expect(ack.reason.length, `${ack.path} ${ack.id}`).toBeGreaterThanOrEqual(30);
    }
  });

  it('acknowledges only the expected rules', () => {
    const rules = new Set(
      acknowledgements(stack).map((a) => a.id.replace(/^Annotation::/i, '').replace(/\[.*$/, '')),
    );
    expect([...rules].sort()).toEqual([
      'AwsSolutions-IAM4',
      'AwsSolutions-IAM5',
      'AwsSolutions-S1',
      'AwsSolutions-SMG4',
      'AwsSolutions-SQS3',
    ]);
  });

  it('leaves no CDK errors or warnings on the stack', () => {
    const annotations = Annotations.fromStack(stack);
    expect(annotations.findError('*', Match.anyValue())).toEqual([]);
    expect(annotations.findError('*', Match.stringLikeRegexp('AwsSolutions-.*'))).toEqual([]);
    expect(annotations.findWarning('*', Match.anyValue())).toEqual([]);
  });

  it('synthesizes with the plugin registered, as `cdk synth` does', () => {
    const { app } = buildStack({ nag: true });
    expect(() => app.synth()).not.toThrow();
  });

  it('fails synthesis on a new unacknowledged finding', () => {
    const { app, stack: withNag } = buildStack({ nag: true });
    new Queue(withNag, 'PlainQueue');
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
