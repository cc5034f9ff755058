/**
 * The stack as a security reviewer reads it: every route reaches the right function, each
 * function holds exactly the permissions it needs, the data is protected, API Gateway's own
 * answers are SCIM errors, cdk-nag has nothing unacknowledged, and cfn-lint finds no errors.
 *
 * One synth with real bundling (the default deployment) and one with bundling skipped (every
 * optional prop switched on), so the file stays within a minute on a busy machine.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, RemovalPolicy, type Stack, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { ENV } from '../../lambdas/deployment';
import { ROUTES, type RouteTarget } from '../../lambdas/routes';
import {
  activityPk,
  activityResourcePk,
  counterPk,
  feedCounterKey,
  feedEntryKey,
  feedPk,
  groupKey,
  groupNameKey,
  userEmailPk,
  userKey,
  userNameKey,
} from '../../lambdas/store/keys';
import { GLOBAL_INDEXES, TABLE_KEYS, TTL_ATTRIBUTE } from '../../lambdas/store/table-definition';
import { GATEWAY_RESPONSES, SCIM_ERROR_SCHEMA } from '../../lib/constructs/scim-api';
import {
  NO_TABLE,
  TABLE_DATA_ACTIONS,
  TABLE_KEY_ACTIONS,
  TABLE_READ_ACTIONS,
} from '../../lib/constructs/scim-function';
import {
  ACTIVITY_PARTITIONS,
  FEED_PARTITIONS,
  GROUP_PARTITIONS,
  USER_PARTITIONS,
} from '../../lib/constructs/table-partitions';
import { EMPTY_TOKEN_DOCUMENT } from '../../lib/constructs/token-secret';
import { OUTPUTS, ScimStack } from '../../lib/scim-stack';
import {
  actionsOf,
  policyStatements,
  resources,
  resourcesOf,
  roleStatements,
  routeMethods,
  type Statement,
} from './template-queries';

// Synth with bundling and cfn-lint take tens of seconds each on a loaded machine.
jest.setTimeout(240_000);

const TARGETS: readonly RouteTarget[] = ['users', 'groups', 'discovery', 'feed', 'activity'];
const logicalId = (stack: Stack, construct: IConstruct): string =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** Findings of both packs, as `rule at path` lines, so a failure says what to fix. */
function nagFindings(scope: IConstruct): string[] {
  return [new AwsSolutionsChecks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}`),
      ),
  );
}

/**
 * Whether cfn-lint runs here, decided once at collection time. It is a Python tool that `npm ci`
 * does not install, so without it the lint tests are SKIPPED, visibly (test name and a warning);
 * with REQUIRE_CFN_LINT=1 a missing cfn-lint fails them instead.
 */
const CFN_LINT_MISSING = ((): string | undefined => {
  const version = spawnSync('cfn-lint', ['--version'], { encoding: 'utf8' });
  if (!version.error && version.status === 0) return undefined;
  return `cfn-lint is not installed or does not run (${version.error?.message ?? version.stderr.trim()}); pip install cfn-lint`;
})();
const REQUIRE_CFN_LINT = process.env.REQUIRE_CFN_LINT === '1';
if (CFN_LINT_MISSING && !REQUIRE_CFN_LINT) console.warn(`SKIPPED cfn-lint tests: ${CFN_LINT_MISSING}`);
const itLints = CFN_LINT_MISSING && !REQUIRE_CFN_LINT ? it.skip : it;
const lintTitle = (title: string): string =>
  CFN_LINT_MISSING && !REQUIRE_CFN_LINT ? `${title} — SKIPPED: cfn-lint not installed` : title;

/**
 * cfn-lint's findings on a template file. W3005 (a DependsOn the GetAtt already implies) is how
 * CDK orders a function after its role's policy; it is redundant, not wrong.
 */
function cfnLint(file: string): { status: number | null; findings: string } {
  if (CFN_LINT_MISSING) throw new Error(`REQUIRE_CFN_LINT=1 but ${CFN_LINT_MISSING}`);
  const lint = spawnSync('cfn-lint', ['--format', 'parseable', '--ignore-checks', 'W3005', '--', file], {
    encoding: 'utf8',
  });
  if (lint.error) throw lint.error;
  return { status: lint.status, findings: lint.stdout.trim() };
}

/** Every acknowledgement recorded in the tree, with its reason. */
function acknowledgements(scope: IConstruct): { id: string; reason: string }[] {
  return scope.node
    .findAll()
    .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
    .flatMap((m) => Object.entries(m.data as Record<string, string>).map(([id, reason]) => ({ id, reason })));
}

describe('ScimStack, default deployment (real esbuild bundling)', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'scim-cdk-'));
  let app: App;
  let stack: ScimStack;
  let template: Template;
  let synthMs = 0;
  const fnId = {} as Record<RouteTarget, string>;
  const roleId = {} as Record<RouteTarget, string>;
  let tableId = '';
  let secretId = '';
  let cursorSecretId = '';

  beforeAll(() => {
    const started = Date.now();
    app = new App({ outdir });
    stack = new ScimStack(app, 'ScimTest');
    template = Template.fromStack(stack);
    synthMs = Date.now() - started;
    process.stdout.write(`synth with bundling: ${synthMs} ms\n`);
    for (const target of [...TARGETS, 'console'] as const) {
      fnId[target] = logicalId(stack, stack.functions[target].function);
      roleId[target] = logicalId(stack, stack.functions[target].role);
    }
    tableId = logicalId(stack, stack.table.table);
    secretId = logicalId(stack, stack.tokenSecret.secret);
    cursorSecretId = logicalId(stack, stack.cursorKeySecret.secret);
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  it('routes every method of the shared route table to its function, plus an ANY fallback (405 from the handler)', () => {
    const methods = routeMethods(template);
    for (const route of ROUTES) {
      for (const httpMethod of [...Object.keys(route.methods), 'ANY']) {
        const found = methods.filter((m) => m.path === route.path && m.httpMethod === httpMethod);
        expect({ route: route.path, httpMethod, count: found.length }).toEqual({
          route: route.path,
          httpMethod,
          count: 1,
        });
        expect(found[0]?.functionId).toBe(fnId[route.target]);
        expect(found[0]?.integrationType).toBe('AWS_PROXY');
      }
    }
    const expected = ROUTES.reduce((n, r) => n + Object.keys(r.methods).length + 1, 0);
    expect(methods).toHaveLength(expected);
  });

  it.each(['users', 'groups'] as const)(
    '%s function: item actions on the table and its indexes, GetSecretValue on the one secret, its own logs, nothing else',
    (target) => {
      const statements = roleStatements(template, roleId[target]);
      const table = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
      expect(table).toHaveLength(1);
      expect([...actionsOf(table[0] as Statement)].sort()).toEqual([...TABLE_DATA_ACTIONS].sort());
      expect(resourcesOf(table[0] as Statement)).toEqual([
        { 'Fn::GetAtt': [tableId, 'Arn'] },
        { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/*']] },
      ]);
      expect(actionsOf(table[0] as Statement)).not.toContain('dynamodb:Scan');
      expectSecretAndLogsOnly(
        statements.filter((s) => s !== table[0]),
        target,
      );
    },
  );

  it.each(['activity', 'feed'] as const)(
    '%s function: Query and GetItem only (no write of any kind); the feed on its own partitions of the table alone',
    (target) => {
      const statements = roleStatements(template, roleId[target]);
      const table = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('dynamodb:')));
      expect(table).toHaveLength(1);
      expect([...actionsOf(table[0] as Statement)].sort()).toEqual([...TABLE_READ_ACTIONS].sort());
      expect([...TABLE_READ_ACTIONS].sort()).toEqual(['dynamodb:GetItem', 'dynamodb:Query']);
      if (target === 'feed') {
        // The counter and the entries, nothing else: no user, group, token or activity item.
        expect(resourcesOf(table[0] as Statement)).toEqual([{ 'Fn::GetAtt': [tableId, 'Arn'] }]);
        expect((table[0] as Statement).Condition).toEqual({
          'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [FEED_PARTITIONS] },
        });
        const feedPattern = new RegExp(`^${FEED_PARTITIONS.replaceAll('*', '.*')}$`);
        expect([feedCounterKey('acme').PK, feedEntryKey('acme', 7).PK]).toEqual([
          expect.stringMatching(feedPattern),
          expect.stringMatching(feedPattern),
        ]);
        for (const pk of [
          userKey('acme', 'x').PK,
          groupKey('acme', 'g').PK,
          activityPk('acme', '2026-12-05'),
        ])
          expect(pk).not.toMatch(feedPattern);
      } else {
        expect(resourcesOf(table[0] as Statement)).toEqual([
          { 'Fn::GetAtt': [tableId, 'Arn'] },
          { 'Fn::Join': ['', [{ 'Fn::GetAtt': [tableId, 'Arn'] }, '/index/*']] },
        ]);
      }
      expectSecretAndLogsOnly(
        statements.filter((s) => s !== table[0]),
        target,
      );
      const fn = template.toJSON().Resources[fnId[target]];
      expect(fn.Properties.Environment.Variables[ENV.tableName]).toEqual({ Ref: tableId });
    },
  );

  it('users and groups stamp activity for the stream consumer (ACTIVITY_FROM_STREAM); no read-only function does', () => {
    for (const target of TARGETS) {
      const env = template.toJSON().Resources[fnId[target]].Properties.Environment.Variables;
      expect({ target, fromStream: env[ENV.activityFromStream] }).toEqual({
        target,
        fromStream: target === 'users' || target === 'groups' ? '1' : undefined,
      });
    }
  });

  it('discovery function: no DynamoDB statement at all, and no real table name in its environment', () => {
    const statements = roleStatements(template, roleId.discovery);
    expect(statements.flatMap(actionsOf).filter((a) => a.startsWith('dynamodb:'))).toEqual([]);
    expectSecretAndLogsOnly(statements, 'discovery');
    const fn = template.toJSON().Resources[fnId.discovery];
    expect(fn.Properties.Environment.Variables[ENV.tableName]).toBe(NO_TABLE);
  });

  it('console function: static files only (no DynamoDB, no secret, no token settings), its own logs', () => {
    const statements = roleStatements(template, roleId.console);
    const logGroupId = logicalId(stack, stack.functions.console.logGroup);
    expect(statements.map((s) => ({ actions: actionsOf(s), resources: resourcesOf(s) }))).toEqual([
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [{ 'Fn::GetAtt': [logGroupId, 'Arn'] }],
      },
    ]);
    const env = template.toJSON().Resources[fnId.console].Properties.Environment.Variables;
    expect(env[ENV.tableName]).toBe(NO_TABLE);
    expect(env[ENV.tokenSecretId]).toBeUndefined();
    expect(env[ENV.cursorKeySecretId]).toBeUndefined();
    const paths = routeMethods(template)
      .filter((m) => m.functionId === fnId.console)
      .map((m) => `${m.httpMethod} ${m.path}`)
      .sort();
    expect(paths).toEqual(['ANY /console', 'ANY /console/{asset}', 'GET /console', 'GET /console/{asset}']);
  });

  function expectSecretAndLogsOnly(statements: Statement[], target: RouteTarget): void {
    const secret = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('secretsmanager:')));
    // The token secret for all; the cursor key only for the functions that page (users, groups).
    expect(secret.map((s) => ({ actions: actionsOf(s), resources: resourcesOf(s) }))).toEqual([
      { actions: ['secretsmanager:GetSecretValue'], resources: [{ Ref: secretId }] },
      ...(target === 'discovery'
        ? []
        : [{ actions: ['secretsmanager:GetSecretValue'], resources: [{ Ref: cursorSecretId }] }]),
    ]);
    const logGroupId = logicalId(stack, stack.functions[target].logGroup);
    const rest = statements.filter((s) => !secret.includes(s));
    expect(rest.map((s) => ({ actions: actionsOf(s), resources: resourcesOf(s) }))).toEqual([
      {
        actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        resources: [{ 'Fn::GetAtt': [logGroupId, 'Arn'] }],
      },
    ]);
  }

  it('no role in the stack allows a wildcard action or a wildcard resource on data', () => {
    const all = resources(template, 'AWS::IAM::Policy').flatMap(([, p]) => policyStatements(p));
    expect(all.length).toBeGreaterThan(0);
    for (const statement of all) {
      for (const action of actionsOf(statement)) expect(action).not.toMatch(/\*/);
      // The one exception: ListStreams has no resource-level permission (event source mapping).
      if (actionsOf(statement).join() === 'dynamodb:ListStreams') continue;
      expect(resourcesOf(statement)).not.toContain('*');
    }
    // No function role carries a managed policy (e.g. AWSLambdaBasicExecutionRole on all log groups).
    for (const target of TARGETS) {
      expect(template.toJSON().Resources[roleId[target]].Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('functions: Node.js 24 on arm64, explicit memory/timeout, environment from lambdas/runtime ENV', () => {
    for (const target of TARGETS) {
      const fn = template.toJSON().Resources[fnId[target]];
      expect(fn.Properties).toMatchObject({
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        MemorySize: 1024,
        Timeout: 25,
        Handler: 'index.handler',
      });
      const env = fn.Properties.Environment.Variables;
      expect(env[ENV.tokenSecretId]).toEqual({ Ref: secretId });
      expect(env[ENV.tokenCacheTtl]).toBe('60');
      expect(env[ENV.tokenStaleGrace]).toBe('300');
      expect(env[ENV.tokenFile]).toBeUndefined();
      expect(env[ENV.dynamoEndpoint]).toBeUndefined();
      expect(env.POWERTOOLS_SERVICE_NAME).toBe('scim');
      // No --enable-source-maps at start-up: it made Node index bundle and map at every cold
      // start (lib/bundling.ts); the map still ships in the asset for when a trace must be read.
      expect(env.NODE_OPTIONS).toBeUndefined();
      if (target !== 'discovery') expect(env[ENV.tableName]).toEqual({ Ref: tableId });
    }
  });

  it('table: keys and indexes from the shared definition, on demand, PITR, deletion protection, TTL, stream, AWS-owned encryption, retained', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
      Properties: Match.objectLike({
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        DeletionProtectionEnabled: true,
        TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        GlobalSecondaryIndexes: GLOBAL_INDEXES.map((index) => ({
          IndexName: index.indexName,
          KeySchema: [
            { AttributeName: index.partitionKey, KeyType: 'HASH' },
            { AttributeName: index.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        })),
      }),
    });
    // Always encrypted at rest; the default is the AWS-owned key, so no SSE block and no KMS key.
    const table = template.toJSON().Resources[tableId];
    expect(table.Properties.SSESpecification?.SSEEnabled ?? false).toBe(false);
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
  });

  it('token secret: created with an empty token list, not a generated value, retained', () => {
    template.hasResource('AWS::SecretsManager::Secret', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        SecretString: EMPTY_TOKEN_DOCUMENT,
        GenerateSecretString: Match.absent(),
      }),
    });
  });

  it('stage: throttled, JSON access logs, error-only execution logs without request data', () => {
    const stages = resources(template, 'AWS::ApiGateway::Stage');
    expect(stages).toHaveLength(1);
    const stage = { Properties: stages[0]?.[1].Properties ?? {} };
    expect(stage.Properties.MethodSettings).toEqual([
      expect.objectContaining({
        HttpMethod: '*',
        ResourcePath: '/*',
        ThrottlingRateLimit: 50,
        ThrottlingBurstLimit: 100,
        LoggingLevel: 'ERROR',
        DataTraceEnabled: false,
      }),
    ]);
    const access = stage.Properties.AccessLogSetting as { DestinationArn: unknown; Format: string };
    expect(access.DestinationArn).toBeDefined();
    const format = JSON.parse(access.Format) as Record<string, string>;
    expect(format).toMatchObject({ requestId: '$context.requestId', status: '$context.status' });
    expect(access.Format).not.toMatch(/authorization|requestBody/i);
    // Named after the stack: API metrics (and the alarms on them) are keyed by the API name.
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      Name: 'ScimTest',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      // TLS 1.2 at least, on the endpoint the identity providers are given by default.
      SecurityPolicy: 'TLS_1_2',
      DisableExecuteApiEndpoint: Match.absent(),
    });
  });

  it('gateway responses: API Gateway errors are SCIM error JSON with a string status; 429 carries an integer Retry-After', () => {
    const byType = new Map(
      resources(template, 'AWS::ApiGateway::GatewayResponse').map(([, r]) => [
        String(r.Properties?.ResponseType),
        r.Properties as Record<string, Record<string, string>>,
      ]),
    );
    for (const type of [
      'DEFAULT_4XX',
      'DEFAULT_5XX',
      'THROTTLED',
      'UNAUTHORIZED',
      'MISSING_AUTHENTICATION_TOKEN',
    ]) {
      expect(byType.has(type)).toBe(true);
    }
    for (const { type, status } of GATEWAY_RESPONSES) {
      const response = byType.get(type.responseType);
      expect(response?.StatusCode).toBe(String(status));
      expect(response?.ResponseParameters?.['gatewayresponse.header.Content-Type']).toBe(
        "'application/scim+json'",
      );
      for (const mediaType of ['application/json', 'application/scim+json']) {
        // API Gateway substitutes messageString as a quoted JSON string.
        const rendered = String(response?.ResponseTemplates?.[mediaType]).replace(
          '$context.error.messageString',
          JSON.stringify('Too Many "Requests"'),
        );
        expect(JSON.parse(rendered)).toEqual({
          schemas: [SCIM_ERROR_SCHEMA],
          status: String(status),
          detail: 'Too Many "Requests"',
        });
      }
      const retryAfter = response?.ResponseParameters?.['gatewayresponse.header.Retry-After'];
      // Throttled (429) and "retry later" (503: the authorizer could not read the token store) say when.
      if (status === 429 || status === 503) expect(retryAfter).toMatch(/^'\d+'$/);
      else expect(retryAfter).toBeUndefined();
    }
    expect(byType.get('MISSING_AUTHENTICATION_TOKEN')?.StatusCode).toBe('404');
  });

  it('alarms: API 5xx, p99 latency, errors and throttles per function, DynamoDB throttles, all to the encrypted topic', () => {
    const topicId = logicalId(stack, stack.alarms.topic);
    const alarms = resources(template, 'AWS::CloudWatch::Alarm');
    // API 5xx + p99, errors + throttles of the API functions, the console's and the events
    // publisher's, throttles of the token authorizer (its Errors count the 401s it answers by
    // throwing), change-event dead letters, DynamoDB throttles.
    expect(alarms).toHaveLength(2 + 2 * (TARGETS.length + 2) + 1 + 1 + 1);
    const authorizerFn = logicalId(stack, stack.tokenAuthorizer.function);
    const authorizerAlarms = alarms.filter(([, a]) =>
      JSON.stringify(a.Properties?.Dimensions ?? []).includes(authorizerFn),
    );
    expect(authorizerAlarms.map(([, a]) => a.Properties?.MetricName)).toEqual(['Throttles']);
    for (const [, alarm] of alarms) expect(alarm.Properties?.AlarmActions).toEqual([{ Ref: topicId }]);
    const metrics = alarms.map(([, a]) => String(a.Properties?.MetricName ?? 'expression'));
    expect(metrics).toEqual(
      expect.arrayContaining(['5XXError', 'Latency', 'Errors', 'Throttles', 'expression']),
    );
    template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    template.hasResourceProperties('AWS::SNS::TopicPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          // The topic's own policy replaces SNS's default one: CloudWatch must be allowed to publish.
          Match.objectLike({
            Effect: 'Allow',
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: 'sns:Publish',
            Resource: { Ref: topicId },
            Condition: Match.objectLike({ StringEquals: { 'aws:SourceAccount': Match.anyValue() } }),
          }),
        ]),
      },
    });
  });

  it('change events: the stream feeds the publisher users, groups and memberships only, with partial-failure retries and a DLQ; it may only read this stream, put on this bus, send to this queue', () => {
    const events = stack.changeEvents;
    if (!events) throw new Error('change events are on by default');
    const busId = logicalId(stack, events.bus);
    const queueId = logicalId(stack, events.deadLetters);
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [tableId, 'StreamArn'] },
      FunctionName: { Ref: logicalId(stack, events.function) },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      StartingPosition: 'TRIM_HORIZON',
      MaximumRetryAttempts: 10,
      DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
    });
    // The event filter (either pattern passes a record): exactly the sort keys of users, groups
    // and group-side memberships, which every record carries in Keys (REMOVE included).
    const mapping = Object.values(template.findResources('AWS::Lambda::EventSourceMapping')).find(
      (m) =>
        JSON.stringify(m.Properties?.FunctionName) ===
        JSON.stringify({ Ref: logicalId(stack, events.function) }),
    );
    const criteria = mapping?.Properties?.FilterCriteria as { Filters: { Pattern: string }[] } | undefined;
    const patterns = (criteria?.Filters ?? []).map((f) => JSON.parse(f.Pattern) as unknown);
    expect(patterns).toEqual([
      { dynamodb: { Keys: { SK: { S: ['U', 'G'] } } } },
      { dynamodb: { Keys: { SK: { S: [{ prefix: 'M#' }] } } } },
    ]);
    const statements = roleStatements(template, logicalId(stack, events.role));
    const byAction = statements.map((st) => ({ actions: actionsOf(st).sort(), resources: resourcesOf(st) }));
    expect(byAction).toEqual(
      expect.arrayContaining([
        { actions: ['events:PutEvents'], resources: [{ 'Fn::GetAtt': [busId, 'Arn'] }] },
        {
          actions: ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator'],
          resources: [{ 'Fn::GetAtt': [tableId, 'StreamArn'] }],
        },
      ]),
    );
    const all = statements.flatMap(actionsOf);
    expect([...new Set(all.filter((a) => a.startsWith('dynamodb:')))].sort()).toEqual([
      'dynamodb:BatchGetItem',
      'dynamodb:DeleteItem',
      'dynamodb:DescribeStream',
      'dynamodb:GetItem',
      'dynamodb:GetRecords',
      'dynamodb:GetShardIterator',
      'dynamodb:ListStreams',
      'dynamodb:PutItem',
      'dynamodb:Query',
      'dynamodb:UpdateItem',
    ]);
    // The orphan-membership clean-up: user and group partitions only (not guards, counters,
    // tokens, the feed or activity).
    const cleanup = statements.filter((st) => actionsOf(st).includes('dynamodb:DeleteItem'));
    expect(
      cleanup.map((st) => ({
        actions: actionsOf(st).sort(),
        resources: resourcesOf(st),
        condition: st.Condition,
      })),
    ).toEqual([
      {
        actions: ['dynamodb:BatchGetItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
        resources: [{ 'Fn::GetAtt': [tableId, 'Arn'] }],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [USER_PARTITIONS] } },
      },
      {
        actions: ['dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
        resources: [{ 'Fn::GetAtt': [tableId, 'Arn'] }],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [GROUP_PARTITIONS] } },
      },
    ]);
    const resourcePatterns = [USER_PARTITIONS, GROUP_PARTITIONS].map(
      (p) => new RegExp(`^${p.replaceAll('*', '.*')}$`),
    );
    const inResources = (pk: string) => resourcePatterns.some((pattern) => pattern.test(pk));
    expect([userKey('acme', 'x').PK, groupKey('acme', 'g').PK].every(inResources)).toBe(true);
    const others = [
      feedPk('acme'),
      activityPk('acme', '2026-12-04'),
      activityResourcePk('acme', 'x'),
      userNameKey('acme', 'ada').PK,
      groupNameKey('acme', 'Eng').PK,
      userEmailPk('acme', 'a@b.c'),
      counterPk('acme', 'USERS'),
    ];
    expect(others.filter(inResources)).toEqual([]);
    // The stream consumer's item access: the table only, the feed partitions, and PutItem alone
    // in the activity partitions (the activity items single writes stamp).
    const feedWrites = statements.filter((st) => actionsOf(st).includes('dynamodb:PutItem'));
    expect(
      feedWrites.map((st) => ({
        actions: actionsOf(st),
        resources: resourcesOf(st),
        condition: st.Condition,
      })),
    ).toEqual([
      {
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [{ 'Fn::GetAtt': [tableId, 'Arn'] }],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [FEED_PARTITIONS] } },
      },
      {
        actions: ['dynamodb:PutItem'],
        resources: [{ 'Fn::GetAtt': [tableId, 'Arn'] }],
        condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [ACTIVITY_PARTITIONS] } },
      },
    ]);
    const feedPattern = new RegExp(`^${FEED_PARTITIONS.replace('*', '.*')}$`);
    expect(feedPk('acme')).toMatch(feedPattern);
    expect(userKey('acme', 'x').PK).not.toMatch(feedPattern);
    const activityPattern = new RegExp(`^${ACTIVITY_PARTITIONS.replaceAll('*', '[^#]*')}$`);
    expect(activityPk('acme', '2026-12-04')).toMatch(activityPattern);
    expect(userKey('acme', 'x').PK).not.toMatch(activityPattern);
    expect(all.filter((a) => !/^(dynamodb|events|sqs|logs):/.test(a))).toEqual([]);
    for (const st of statements.filter((x) => actionsOf(x).some((a) => a.startsWith('sqs:')))) {
      expect(resourcesOf(st)).toEqual([{ 'Fn::GetAtt': [queueId, 'Arn'] }]);
    }
    const fn = template.toJSON().Resources[logicalId(stack, events.function)];
    expect(fn.Properties.Environment.Variables).toMatchObject({
      EVENT_BUS_NAME: { Ref: busId },
      EVENTS_INCLUDE_RESOURCE: 'false',
    });
    expect(fn.Properties.Environment.Variables.NODE_OPTIONS).toBeUndefined();
    template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
  });

  it('outputs: ScimBaseUrl ends in /scim/v2, TokenSecretArn and TableName for the token CLI', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(JSON.stringify(outputs[OUTPUTS.baseUrl]?.Value)).toMatch(/\/scim\/v2"/);
    expect(outputs[OUTPUTS.tokenSecretArn]?.Value).toEqual({ Ref: secretId });
    expect(outputs[OUTPUTS.tableName]?.Value).toEqual({ Ref: tableId });
  });

  it('cdk-nag (AwsSolutions and Serverless packs): no unacknowledged finding, each acknowledgement with a reason', () => {
    expect(nagFindings(stack)).toEqual([]);
    const acks = acknowledgements(stack);
    expect(acks.length).toBeGreaterThan(0);
    for (const ack of acks) expect(ack.reason.length).toBeGreaterThan(40);
  });

  itLints(lintTitle('cfn-lint: no errors or warnings on the synthesized template'), () => {
    expect(cfnLint(join(outdir, stack.templateFile))).toEqual({ status: 0, findings: '' });
  });
});

describe('ScimStack, every option on (bundling skipped: the shape is under test, not the code)', () => {
  let stack: ScimStack;
  let template: Template;
  const extensions = [
    {
      resourceType: 'User',
      schema: {
        id: 'urn:example:params:scim:schemas:extension:acme:2.0:User',
        attributes: [{ name: 'badgeNumber', type: 'integer' }],
      },
    },
  ];

  beforeAll(() => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    stack = new ScimStack(app, 'ScimOptions', {
      tableKey: 'create',
      waf: { rateLimitPer5Minutes: 2000 },
      customDomain: {
        domainName: 'scim.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
      },
      tracing: true,
      alarmEmail: 'ops@example.com',
      schemaExtensions: extensions,
      throttlingRateLimit: 20,
      throttlingBurstLimit: 40,
      tokenCacheTtlSeconds: 30,
      tokenStaleGraceSeconds: 0,
      changeEvents: { includeResource: true },
      activityRetentionDays: 30,
      removalPolicy: RemovalPolicy.DESTROY,
      apiGatewayAccountRole: false,
      env: { account: '123456789012', region: 'eu-west-1' },
    });
    template = Template.fromStack(stack);
  });

  it("apiGatewayAccountRole false leaves API Gateway's account-wide logging role to the account (set by default)", () => {
    template.resourceCountIs('AWS::ApiGateway::Account', 0);
    expect(JSON.stringify(template.toJSON())).not.toContain('AmazonAPIGatewayPushToCloudWatchLogs');
    const byDefault = Template.fromStack(
      new ScimStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'AccountRole', {}),
    );
    byDefault.resourceCountIs('AWS::ApiGateway::Account', 1);
  });

  it('customer-managed table key: table SSE uses it, users/groups may use it, the read-only functions only to decrypt, no wildcard actions', () => {
    const keyId = logicalId(stack, stack.node.findChild('TableKey'));
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      SSESpecification: {
        SSEEnabled: true,
        SSEType: 'KMS',
        KMSMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] },
      },
    });
    template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
    for (const target of TARGETS) {
      const kms = roleStatements(template, logicalId(stack, stack.functions[target].role)).filter((s) =>
        actionsOf(s).some((a) => a.startsWith('kms:')),
      );
      if (target === 'discovery') expect(kms).toEqual([]);
      else {
        // The read-only functions (feed, activity) decrypt, never encrypt.
        const actions =
          target === 'feed' || target === 'activity'
            ? ['kms:Decrypt', 'kms:DescribeKey']
            : [...TABLE_KEY_ACTIONS];
        expect(kms.map((s) => ({ actions: actionsOf(s), resources: resourcesOf(s) }))).toEqual([
          { actions, resources: [{ 'Fn::GetAtt': [keyId, 'Arn'] }] },
        ]);
      }
    }
  });

  it('WAF: managed rule groups and a per-IP rate rule, associated with the stage; large group PUTs are not blocked by size', () => {
    template.hasResourceProperties('AWS::WAFv2::WebACL', {
      Scope: 'REGIONAL',
      Rules: Match.arrayWith([
        Match.objectLike({
          Statement: {
            ManagedRuleGroupStatement: Match.objectLike({
              Name: 'AWSManagedRulesCommonRuleSet',
              RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
            }),
          },
        }),
        Match.objectLike({ Statement: { RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP' } } }),
      ]),
    });
    template.resourceCountIs('AWS::WAFv2::WebACLAssociation', 1);
  });

  it('custom domain: regional, TLS 1.2, mapped without a base path; ScimBaseUrl uses the domain', () => {
    template.hasResourceProperties('AWS::ApiGateway::DomainName', {
      DomainName: 'scim.example.com',
      EndpointConfiguration: { Types: ['REGIONAL'] },
      SecurityPolicy: 'TLS_1_2',
    });
    template.hasResourceProperties('AWS::ApiGateway::BasePathMapping', { BasePath: Match.absent() });
    // The execute-api URL stays until `customDomain.only` (an IdP may still use it).
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      SecurityPolicy: 'TLS_1_2',
      DisableExecuteApiEndpoint: Match.absent(),
    });
    const only = Template.fromStack(
      new ScimStack(new App({ context: { 'aws:cdk:bundling-stacks': [] } }), 'DomainOnly', {
        customDomain: {
          domainName: 'scim.example.com',
          certificateArn:
            'arn:aws:acm:eu-west-1:123456789012:certificate/00000000-0000-0000-0000-000000000000',
          only: true,
        },
        env: { account: '123456789012', region: 'eu-west-1' },
      }),
    );
    only.hasResourceProperties('AWS::ApiGateway::RestApi', { DisableExecuteApiEndpoint: true });
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs[OUTPUTS.baseUrl]?.Value).toBe('https://scim.example.com/scim/v2');
    expect(outputs[OUTPUTS.customDomainTarget]).toBeDefined();
  });

  it('tracing, throttling, token cache, extensions and e-mail alarms follow the props', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      TracingEnabled: true,
      MethodSettings: [Match.objectLike({ ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 })],
    });
    for (const target of TARGETS) {
      const fn = template.toJSON().Resources[logicalId(stack, stack.functions[target].function)];
      expect(fn.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      expect(fn.Properties.Environment.Variables[ENV.tokenCacheTtl]).toBe('30');
      expect(fn.Properties.Environment.Variables[ENV.tokenStaleGrace]).toBe('0');
      expect(JSON.parse(fn.Properties.Environment.Variables.SCIM_SCHEMA_EXTENSIONS)).toEqual(extensions);
      // Activity is a table write: the writers get the setting, and the activity reader, which
      // bounds its ranges by it (no record outlives it).
      expect(fn.Properties.Environment.Variables[ENV.activityRetentionDays]).toBe(
        target === 'users' || target === 'groups' || target === 'activity' ? '30' : undefined,
      );
    }
    // The token authorizer reads the same document with the same cache settings.
    type FunctionResource = {
      Type: string;
      Properties?: { Environment?: { Variables?: Record<string, string> } };
    };
    const authorizers = Object.values(template.toJSON().Resources as Record<string, FunctionResource>).filter(
      (r) =>
        r.Type === 'AWS::Lambda::Function' &&
        r.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'scim-authorizer',
    );
    expect(authorizers).toHaveLength(1);
    expect(authorizers[0]?.Properties?.Environment?.Variables?.[ENV.tokenStaleGrace]).toBe('0');
    expect(authorizers[0]?.Properties?.Environment?.Variables?.[ENV.tokenCacheTtl]).toBe('30');
    const publisher = template.toJSON().Resources[logicalId(stack, stack.changeEvents?.function ?? stack)];
    expect(publisher.Properties.Environment.Variables.EVENTS_INCLUDE_RESOURCE).toBe('true');
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
    });
  });

  it('changeEvents: false leaves out the bus, the publisher and its queue', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    const bare = Template.fromStack(new ScimStack(app, 'NoEvents', { changeEvents: false }));
    bare.resourceCountIs('AWS::Events::EventBus', 0);
    bare.resourceCountIs('AWS::Lambda::EventSourceMapping', 0);
    bare.resourceCountIs('AWS::SQS::Queue', 0);
    // The API functions, the console and the token authorizer (the feed stays empty without the
    // stream reader).
    bare.resourceCountIs('AWS::Lambda::Function', TARGETS.length + 2);
    // Nothing writes the change feed, so its function says so (404) rather than serve an empty feed.
    bare.hasResourceProperties('AWS::Lambda::Function', {
      Description: 'SCIM 2.0 feed endpoints',
      Environment: { Variables: Match.objectLike({ [ENV.feedDisabled]: '1' }) },
    });
    // Nothing would write stamped activity records: the writes carry them in their transactions.
    for (const fn of Object.values(bare.findResources('AWS::Lambda::Function'))) {
      expect(fn.Properties.Environment?.Variables?.[ENV.activityFromStream]).toBeUndefined();
    }
    expect(
      () =>
        new ScimStack(app, 'WebhookNoEvents', { changeEvents: false, webhook: { url: 'https://h.example' } }),
    ).toThrow('webhook needs changeEvents');
  });

  it('removalPolicy DESTROY lifts deletion protection so the stack can really be deleted', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Delete',
      Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
    });
  });

  it('cdk-nag: still no unacknowledged finding with WAF, tracing, CMK and custom domain on', () => {
    expect(nagFindings(stack)).toEqual([]);
  });

  itLints(
    lintTitle('cfn-lint: no errors or warnings with every option on (WAF, domain, CMK, e-mail)'),
    () => {
      const dir = mkdtempSync(join(tmpdir(), 'scim-cdk-options-'));
      try {
        const file = join(dir, 'options.template.json');
        writeFileSync(file, JSON.stringify(template.toJSON()));
        expect(cfnLint(file)).toEqual({ status: 0, findings: '' });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  );

  it('an invalid schema extension fails synth, not the first request', () => {
    const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
    expect(
      () =>
        new ScimStack(app, 'BadExtension', {
          schemaExtensions: [
            { resourceType: 'User', schema: { id: 'acme', attributes: [{ name: 'a', type: 'string' }] } },
          ],
        }),
    ).toThrow(/URN/);
  });
});
