/**
 * `cdk deploy -c key=value` settings → stack props. Command-line context arrives as strings,
 * cdk.json context as JSON values; both must give the same props, and a value that cannot be
 * right must fail the synth naming the key rather than deploy something else.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import { DEFAULT_STACK_NAME, propsFromContext, stackNameFromContext } from '../../lib/app-context';

const reader =
  (values: Record<string, unknown>) =>
  (key: string): unknown =>
    values[key];

describe('stack props from CDK context', () => {
  it('no context: the documented defaults (nothing set, stack "Scim")', () => {
    expect(propsFromContext(reader({}))).toEqual({});
    expect(stackNameFromContext(reader({}))).toBe(DEFAULT_STACK_NAME);
  });

  it('every documented key, as command-line strings', () => {
    const props = propsFromContext(
      reader({
        throttlingRateLimit: '100',
        throttlingBurstLimit: '200',
        tokenCacheTtlSeconds: '30',
        tokenStaleGraceSeconds: '0',
        logRetentionDays: '30',
        tracing: 'true',
        apiGatewayAccountRole: 'false',
        waf: 'true',
        removalPolicy: 'destroy',
        tableKey: 'create',
        alarmEmail: 'ops@example.com',
        domainName: 'scim.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
        customDomainOnly: 'true',
        eventsIncludeResource: 'true',
        activityRetentionDays: '0',
        feedRetentionDays: '7',
        schemaExtensions: '[{"resourceType":"User","schema":{"id":"urn:x:y","attributes":[]}}]',
      }),
    );
    expect(props).toEqual({
      throttlingRateLimit: 100,
      throttlingBurstLimit: 200,
      tokenCacheTtlSeconds: 30,
      tokenStaleGraceSeconds: 0,
      logRetention: 30,
      tracing: true,
      apiGatewayAccountRole: false,
      waf: true,
      removalPolicy: RemovalPolicy.DESTROY,
      tableKey: 'create',
      alarmEmail: 'ops@example.com',
      customDomain: {
        domainName: 'scim.example.com',
        certificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/abc',
        only: true,
      },
      changeEvents: { includeResource: true },
      activityRetentionDays: 0,
      feedRetentionDays: 7,
      schemaExtensions: [{ resourceType: 'User', schema: { id: 'urn:x:y', attributes: [] } }],
    });
  });

  it('cdk.json values (numbers, booleans, arrays) give the same props as strings', () => {
    expect(
      propsFromContext(
        reader({ throttlingRateLimit: 100, tracing: true, changeEvents: false, schemaExtensions: [] }),
      ),
    ).toEqual({ throttlingRateLimit: 100, tracing: true, changeEvents: false, schemaExtensions: [] });
  });

  it('a key ARN for the table key is imported, not created', () => {
    const keyArn = 'arn:aws:kms:eu-west-1:123456789012:key/1234';
    expect(propsFromContext(reader({ tableKey: keyArn })).tableKey).toEqual({ keyArn });
  });

  it.each([
    ['throttlingRateLimit', { throttlingRateLimit: 'fast' }],
    ['throttlingBurstLimit', { throttlingBurstLimit: '0' }],
    ['removalPolicy', { removalPolicy: 'snapshot' }],
    ['tableKey', { tableKey: 'aws-managed' }],
    ['domainName and certificateArn', { domainName: 'scim.example.com' }],
    ['tracing', { tracing: 'yes' }],
    ['activityRetentionDays', { activityRetentionDays: '1.5' }],
    ['feedRetentionDays', { feedRetentionDays: '0' }],
    ['logRetentionDays (not a CloudWatch period)', { logRetentionDays: '45' }],
    ['customDomainOnly (without a domain)', { customDomainOnly: 'true' }],
    ['schemaExtensions', { schemaExtensions: '{"not":"an array"}' }],
  ])('rejects a wrong %s, naming it', (key, values) => {
    expect(() => propsFromContext(reader(values))).toThrow(key.split(' ')[0]);
  });
});
