/**
 * Red-team finding 11 (issue #19): the alarm topic's KMS key let cloudwatch.amazonaws.com use
 * it with no aws:SourceAccount / aws:SourceArn condition (a confused deputy). The statement
 * must name this account and only CloudWatch alarms of this account and region.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { ScimStack } from '../../lib/scim-stack';

interface KeyStatement {
  Principal?: { Service?: unknown };
  Action?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

describe('alarm topic key policy', () => {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ScimStack(app, 'AlarmKey', { env: { account: '123456789012', region: 'eu-west-1' } });
  const template = Template.fromStack(stack);
  const cloudWatchStatements = Object.values(template.findResources('AWS::KMS::Key')).flatMap((key) =>
    ((key.Properties?.KeyPolicy?.Statement ?? []) as KeyStatement[]).filter((statement) =>
      JSON.stringify(statement.Principal?.Service ?? '').includes('cloudwatch.amazonaws.com'),
    ),
  );

  it('has a statement for CloudWatch', () => {
    expect(cloudWatchStatements.length).toBeGreaterThan(0);
  });

  it('limits it to this account and to its CloudWatch alarms', () => {
    for (const statement of cloudWatchStatements) {
      expect(statement.Condition?.StringEquals?.['aws:SourceAccount']).toBe(Stack.of(stack).account);
      expect(statement.Condition?.ArnLike?.['aws:SourceArn']).toEqual({
        'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cloudwatch:eu-west-1:123456789012:alarm:*']],
      });
    }
  });
});
