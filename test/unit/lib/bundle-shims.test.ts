/**
 * The modules lib/bundling.ts swaps into the deployed bundles in place of SDK packages. What they
 * must do in Lambda: take credentials from the environment the runtime sets; and for the parts
 * left out (event streams, endpoint discovery), keep the SDK working as before while nobody uses
 * them, and fail with a named cause the moment someone does, instead of misbehaving quietly.
 */
import {
  defaultProvider,
  MISSING_ENV_CREDENTIALS,
  MissingEnvCredentialsError,
} from '../../../lib/bundle-shims/credential-provider-node';
import {
  ENDPOINT_DISCOVERY_LEFT_OUT,
  NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS,
  resolveEndpointDiscoveryConfig,
} from '../../../lib/bundle-shims/endpoint-discovery';
import {
  EVENT_STREAMS_LEFT_OUT,
  EventStreamSerde,
  eventStreamSerdeProvider,
} from '../../../lib/bundle-shims/event-streams';

const CREDENTIAL_ENV = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;

describe('credential shim (stands in for @aws-sdk/credential-provider-node)', () => {
  const saved = Object.fromEntries(CREDENTIAL_ENV.map((k) => [k, process.env[k]]));
  afterEach(() => {
    for (const key of CREDENTIAL_ENV) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('Lambda: returns the execution role credentials the runtime put in the environment', async () => {
    process.env.AWS_ACCESS_KEY_ID = 'ASIAEXAMPLE';
    process.env.AWS_SECRET_ACCESS_KEY = 'secret';
    process.env.AWS_SESSION_TOKEN = 'session';
    await expect(defaultProvider()()).resolves.toMatchObject({
      accessKeyId: 'ASIAEXAMPLE',
      secretAccessKey: 'secret',
      sessionToken: 'session',
    });
  });

  it('reads the environment at each call, so a provider made before the variables exist still works', async () => {
    for (const key of CREDENTIAL_ENV) delete process.env[key];
    const provider = defaultProvider({});
    process.env.AWS_ACCESS_KEY_ID = 'AKIALATE';
    process.env.AWS_SECRET_ACCESS_KEY = 'late';
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'AKIALATE' });
  });

  it('outside Lambda without credentials: a MissingEnvCredentialsError that says the chain was left out', async () => {
    for (const key of CREDENTIAL_ENV) delete process.env[key];
    const attempt = defaultProvider()();
    await expect(attempt).rejects.toBeInstanceOf(MissingEnvCredentialsError);
    await expect(attempt).rejects.toThrow(MISSING_ENV_CREDENTIALS);
  });
});

describe('event-streams shim (stands in for @smithy/core/event-streams)', () => {
  it('any use fails with the cause named', () => {
    expect(() => new EventStreamSerde()).toThrow(EVENT_STREAMS_LEFT_OUT);
    expect(() => eventStreamSerdeProvider()).toThrow(EVENT_STREAMS_LEFT_OUT);
  });
});

describe('endpoint-discovery shim (stands in for @aws-sdk/middleware-endpoint-discovery)', () => {
  it('DynamoDB client construction: discovery resolves as off, the regional endpoint is used', async () => {
    const ctor = class DescribeEndpoints {};
    const config = resolveEndpointDiscoveryConfig(
      { region: 'eu-west-1' },
      { endpointDiscoveryCommandCtor: ctor },
    );
    expect(config).toMatchObject({ region: 'eu-west-1', isClientEndpointDiscoveryEnabled: false });
    await expect(config.endpointDiscoveryEnabled()).resolves.toBe(false);
    expect(NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS.environmentVariableSelector()).toBeUndefined();
  });

  it('a client that asks for discovery explicitly is refused, not silently ignored', () => {
    expect(() =>
      resolveEndpointDiscoveryConfig(
        { endpointDiscoveryEnabled: true },
        { endpointDiscoveryCommandCtor: {} },
      ),
    ).toThrow(ENDPOINT_DISCOVERY_LEFT_OUT);
  });
});
