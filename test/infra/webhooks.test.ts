/**
 * Webhook push in the stack (opt-in): the stream's second reader sees only INSERTs of feed
 * entries, queues them on an encrypted SQS queue whose redrive count is the retry policy's
 * attempts; the sender may read only the signing secret and consume only that queue; the secret
 * is generated (never a value in the template) or given by ARN; dead letters are alarmed; cdk-nag
 * stays clean. Bundling is skipped: the shape is under test (the handlers are tested in unit/).
 */
import { App, type CfnElement, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { WEBHOOK_ENV, WEBHOOK_RETRY } from '../../lambdas/deployment';
import { propsFromContext } from '../../lib/app-context';
import { OUTPUTS, ScimStack, type ScimStackProps } from '../../lib/scim-stack';
import { actionsOf, resources, resourcesOf, roleStatements } from './template-queries';

jest.setTimeout(120_000);

const URL = 'https://hooks.example.com/scim-events';
const SECRET_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:partner-hook-AbCdEf';

function synth(id: string, props: ScimStackProps): { stack: ScimStack; template: Template } {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const stack = new ScimStack(app, id, props);
  return { stack, template: Template.fromStack(stack) };
}
const logicalId = (construct: IConstruct): string =>
  Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnElement);
function nagFindings(scope: IConstruct): string[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
  );
}

describe('webhooks on (generated signing secret)', () => {
  const { stack, template } = synth('Hooks', { webhook: { url: URL } });
  const hooks = stack.webhooks;
  if (!hooks) throw new Error('webhooks not built');
  const json = template.toJSON() as {
    Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>;
  };
  const propsOf = (id: string): Record<string, unknown> => json.Resources[id]?.Properties ?? {};
  const queueId = logicalId(hooks.queue);
  const dlqId = logicalId(hooks.deadLetters);
  const enqueueFailuresId = logicalId(hooks.enqueueFailures);
  const secretId = logicalId(hooks.secret);
  const mappings = resources(template, 'AWS::Lambda::EventSourceMapping');
  const mappingOf = (fn: IConstruct) =>
    mappings.find(
      ([, m]) => JSON.stringify(m.Properties?.FunctionName) === JSON.stringify({ Ref: logicalId(fn) }),
    )?.[1].Properties ?? {};

  it('the stream reader gets only INSERTs whose sort key begins with E#, from now on, with partial-failure retries and its own DLQ', () => {
    const mapping = mappingOf(hooks.enqueueFunction);
    expect(mapping.EventSourceArn).toEqual({ 'Fn::GetAtt': [logicalId(stack.table.table), 'StreamArn'] });
    expect(mapping.StartingPosition).toBe('LATEST');
    expect(mapping.FunctionResponseTypes).toEqual(['ReportBatchItemFailures']);
    expect(mapping.DestinationConfig).toEqual({
      OnFailure: { Destination: { 'Fn::GetAtt': [enqueueFailuresId, 'Arn'] } },
    });
    const filters = (mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
    expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
      { eventName: ['INSERT'], dynamodb: { Keys: { SK: { S: [{ prefix: 'E#' }] } } } },
    ]);
    // The change-event publisher keeps its own filter (users, groups, memberships: stack.test.ts),
    // which passes no feed entry.
    const publisher = (
      mappingOf(stack.changeEvents?.function ?? stack).FilterCriteria as {
        Filters: { Pattern: string }[];
      }
    ).Filters.map((f) => f.Pattern);
    expect(publisher.join()).not.toContain('E#');
  });

  it('the sender consumes the delivery queue in batches of 10, at most 5 at once, reporting failures per message', () => {
    expect(mappingOf(hooks.sendFunction)).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': [queueId, 'Arn'] },
      BatchSize: 10,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 5 },
    });
  });

  it("queues: SSE, TLS only; the delivery queue dead-letters after exactly the retry policy's attempts and keeps messages longer than the schedule", () => {
    for (const id of [queueId, dlqId, enqueueFailuresId]) {
      expect(json.Resources[id]?.Properties.SqsManagedSseEnabled).toBe(true);
      const policy = resources(template, 'AWS::SQS::QueuePolicy').find(([, p]) =>
        JSON.stringify(p.Properties?.Queues).includes(id),
      );
      expect(JSON.stringify(policy?.[1].Properties?.PolicyDocument)).toContain(
        '"aws:SecureTransport":"false"',
      );
    }
    const queue = json.Resources[queueId]?.Properties ?? {};
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': [dlqId, 'Arn'] },
      maxReceiveCount: WEBHOOK_RETRY.attempts,
    });
    expect(queue.MessageRetentionPeriod).toBeGreaterThan(9 * 3600);
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(
      Number(json.Resources[logicalId(hooks.sendFunction)]?.Properties.Timeout),
    );
  });

  it('signing secret: generated by Secrets Manager, no value in the template; the sender is told its ARN and the URL', () => {
    const secret = json.Resources[secretId]?.Properties ?? {};
    expect(secret.GenerateSecretString).toMatchObject({ PasswordLength: 64 });
    expect(secret.SecretString).toBeUndefined();
    const env = (
      propsOf(logicalId(hooks.sendFunction)).Environment as {
        Variables: Record<string, unknown>;
      }
    ).Variables;
    expect(env[WEBHOOK_ENV.url]).toBe(URL);
    expect(env[WEBHOOK_ENV.secretId]).toEqual({ Ref: secretId });
    expect(env[WEBHOOK_ENV.queueUrl]).toEqual({ Ref: queueId });
    // The reader stamps each pushed SET's `iss` with the stack's SCIM base URL.
    const reader = (
      propsOf(logicalId(hooks.enqueueFunction)).Environment as { Variables: Record<string, unknown> }
    ).Variables;
    expect(JSON.stringify(reader[WEBHOOK_ENV.issuer])).toContain('/scim/v2');
  });

  it('least privilege: the reader sends only to the queue, the sender reads only the secret and consumes only the queue', () => {
    const roleOf = (fn: IConstruct) =>
      (propsOf(logicalId(fn)).Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    const enqueue = roleStatements(template, roleOf(hooks.enqueueFunction));
    const send = roleStatements(template, roleOf(hooks.sendFunction));
    const actions = (statements: typeof enqueue) => statements.flatMap(actionsOf);
    expect(actions(enqueue).filter((a) => a.startsWith('secretsmanager:'))).toEqual([]);
    expect(actions(enqueue).filter((a) => a.startsWith('sqs:Receive') || a === 'sqs:DeleteMessage')).toEqual(
      [],
    );
    // The delivery queue, and the mapping's on-failure destination.
    const sendTargets = enqueue
      .filter((st) => actionsOf(st).includes('sqs:SendMessage'))
      .flatMap(resourcesOf);
    expect(sendTargets).toEqual(
      expect.arrayContaining([
        { 'Fn::GetAtt': [queueId, 'Arn'] },
        { 'Fn::GetAtt': [enqueueFailuresId, 'Arn'] },
      ]),
    );
    expect(sendTargets).toHaveLength(2);
    expect(actions(enqueue).some((a) => a === 'dynamodb:GetRecords')).toBe(true);
    expect(actions(send).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    expect(actions(send)).not.toContain('sqs:SendMessage');
    const secretStatements = send.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    expect(secretStatements.map((s) => [actionsOf(s), resourcesOf(s)])).toEqual([
      [['secretsmanager:GetSecretValue'], [{ Ref: secretId }]],
    ]);
    for (const s of send.filter((st) => actionsOf(st).some((a) => a.startsWith('sqs:')))) {
      expect(resourcesOf(s)).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
    }
  });

  it('alarms: dead letters of either queue, and errors/throttles of both functions; outputs name the secret and the DLQ', () => {
    const descriptions = resources(template, 'AWS::CloudWatch::Alarm').map(([id]) => id);
    expect(descriptions.some((id) => id.startsWith('AlarmsWebhookDeadLetters'))).toBe(true);
    for (const name of [
      'webhookEnqueueErrors',
      'webhookEnqueueThrottles',
      'webhookSendErrors',
      'webhookSendThrottles',
    ]) {
      expect(descriptions.some((id) => id.startsWith(`Alarms${name}`))).toBe(true);
    }
    const alarm = resources(template, 'AWS::CloudWatch::Alarm').find(([id]) =>
      id.startsWith('AlarmsWebhookDeadLetters'),
    )?.[1];
    const expression = JSON.stringify(alarm?.Properties?.Metrics);
    expect(expression).toContain(dlqId);
    expect(expression).toContain(enqueueFailuresId);
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs[OUTPUTS.webhookSecretArn]?.Value).toEqual({ Ref: secretId });
    expect(outputs[OUTPUTS.webhookDeadLetterQueueUrl]?.Value).toEqual({ Ref: dlqId });
  });

  it('cdk-nag: no unacknowledged finding', () => {
    expect(nagFindings(stack)).toEqual([]);
  });
});

describe('webhook settings', () => {
  it('an existing secret by ARN: no secret created for webhooks, GetSecretValue on that ARN only; nag clean with tracing', () => {
    const { stack, template } = synth('HooksArn', {
      webhook: { url: URL, secretArn: SECRET_ARN },
      tracing: true,
    });
    const hooks = stack.webhooks;
    if (!hooks) throw new Error('webhooks not built');
    const secrets = resources(template, 'AWS::SecretsManager::Secret').map(([id]) => id);
    expect(secrets.some((id) => id.startsWith('Webhooks'))).toBe(false);
    const role = (
      template.toJSON().Resources[logicalId(hooks.sendFunction)].Properties.Role as {
        'Fn::GetAtt': [string];
      }
    )['Fn::GetAtt'][0];
    const statements = roleStatements(template, role).filter((s) =>
      actionsOf(s).includes('secretsmanager:GetSecretValue'),
    );
    expect(statements.map(resourcesOf)).toEqual([[SECRET_ARN]]);
    expect(nagFindings(stack)).toEqual([]);
  });

  it('off by default: no webhook queue, function or output', () => {
    const { stack, template } = synth('NoHooks', {});
    expect(stack.webhooks).toBeUndefined();
    expect(JSON.stringify(template.toJSON())).not.toContain('Webhooks');
    expect(Object.keys(template.toJSON().Outputs)).not.toContain(OUTPUTS.webhookSecretArn);
  });

  it('a URL that is not https, or that carries credentials, fails the synth', () => {
    expect(() => synth('Http', { webhook: { url: 'http://hooks.example.com/x' } })).toThrow(/https/);
    expect(() => synth('Creds', { webhook: { url: 'https://user:pw@hooks.example.com/x' } })).toThrow(
      /credentials/,
    );
    expect(() => synth('Junk', { webhook: { url: 'not a url' } })).toThrow(/https URL/);
  });

  it('context: webhookUrl (+ webhookSecretArn) → the webhook prop; an ARN without a URL is refused', () => {
    const read = (values: Record<string, string>) => (key: string) => values[key];
    expect(propsFromContext(read({ webhookUrl: URL })).webhook).toEqual({ url: URL });
    expect(propsFromContext(read({ webhookUrl: URL, webhookSecretArn: SECRET_ARN })).webhook).toEqual({
      url: URL,
      secretArn: SECRET_ARN,
    });
    expect(() => propsFromContext(read({ webhookSecretArn: SECRET_ARN }))).toThrow(/webhookUrl/);
  });
});
