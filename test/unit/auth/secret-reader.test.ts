/**
 * The Lambda's GetSecretValue call against a local HTTP server: the request is what the SDK's
 * Secrets Manager client sends (target, content type, body, credential scope), its SigV4
 * signature checks out when recomputed here from the specification, answers and AWS errors are
 * read as the SDK reads them, and only failures worth it are retried.
 */
import { createHash, createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SECRET_READ_RETRY, secretEndpoint, secretsManagerReader } from '../../../lambdas/auth/secret-reader';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

interface Captured {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

let server: Server;
let endpoint: string;
let captured: Captured[] = [];
let answers: Answer[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString('utf8');
    });
    req.on('end', () => {
      captured.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const answer = answers.shift() ?? { status: 200, body: { SecretString: 'value' } };
      res.writeHead(answer.status, { 'content-type': 'application/x-amz-json-1.1', ...answer.headers });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  captured = [];
  answers = [];
});

const reader = () =>
  secretsManagerReader({
    endpoint,
    region: 'eu-west-1',
    credentials: async () => CREDENTIALS,
    sleep: async () => {},
  });

/** SigV4 recomputed from its specification over what the server received. */
function expectedSignature(request: Captured): string {
  const auth = String(request.headers.authorization);
  const [, scope = '', signedHeaders = ''] =
    /Credential=[^/]+\/([^,]+), SignedHeaders=([^,]+), Signature=/.exec(auth) ?? [];
  const [date = '', region = '', service = ''] = scope.split('/');
  const canonicalHeaders = signedHeaders
    .split(';')
    .map((name) => `${name}:${String(request.headers[name]).trim()}\n`)
    .join('');
  const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
  const canonicalRequest = [
    request.method,
    request.path,
    '',
    canonicalHeaders,
    signedHeaders,
    sha256(request.body),
  ].join('\n');
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    request.headers['x-amz-date'],
    scope,
    sha256(canonicalRequest),
  ].join('\n');
  const hmac = (key: string | Buffer, data: string) =>
    createHmac('sha256', key).update(data, 'utf8').digest();
  let key = hmac(`AWS4${CREDENTIALS.secretAccessKey}`, date);
  for (const part of [region, service, 'aws4_request']) key = hmac(key, part);
  return createHmac('sha256', key).update(stringToSign, 'utf8').digest('hex');
}

describe('secretsManagerReader', () => {
  it('sends what the SDK client sends, signed for secretsmanager in the region', async () => {
    const sdk = new SecretsManagerClient({ endpoint, region: 'eu-west-1', credentials: CREDENTIALS });
    await sdk.send(new GetSecretValueCommand({ SecretId: 'tokens', VersionStage: 'AWSCURRENT' }));
    sdk.destroy();
    expect(await reader()('tokens', 'AWSCURRENT')).toBe('value');

    const [fromSdk, ours] = captured;
    for (const request of [fromSdk, ours]) {
      expect(request).toMatchObject({ method: 'POST', path: '/' });
      expect(request?.headers['x-amz-target']).toBe('secretsmanager.GetSecretValue');
      expect(request?.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(JSON.parse(request?.body ?? '')).toEqual({ SecretId: 'tokens', VersionStage: 'AWSCURRENT' });
      expect(request?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/secretsmanager\/aws4_request, SignedHeaders=[^,]*content-type;host;[^,]*x-amz-target[^,]*, Signature=[0-9a-f]{64}$/,
      );
    }
    const signature = /Signature=([0-9a-f]{64})/.exec(String(ours?.headers.authorization))?.[1];
    expect(signature).toBe(expectedSignature(ours as Captured));
  });

  it('a version with no SecretString is undefined', async () => {
    answers = [{ status: 200, body: { ARN: 'arn', SecretBinary: 'AAAA' } }];
    expect(await reader()('tokens', 'AWSPREVIOUS')).toBeUndefined();
    expect(JSON.parse(captured[0]?.body ?? '')).toEqual({ SecretId: 'tokens', VersionStage: 'AWSPREVIOUS' });
  });

  it.each([
    [
      'namespaced __type',
      { __type: 'com.amazonaws.secretsmanager#ResourceNotFoundException', message: 'no such secret' },
      {},
    ],
    ['plain __type', { __type: 'ResourceNotFoundException', Message: 'no such secret' }, {}],
    [
      'error type header',
      { message: 'no such secret' },
      { 'x-amzn-errortype': 'ResourceNotFoundException:http://internal' },
    ],
  ])('an AWS error (%s) keeps its code as the name and is not retried', async (_label, body, headers) => {
    answers = [{ status: 400, body, headers }];
    await expect(reader()('tokens', 'AWSCURRENT')).rejects.toMatchObject({
      name: 'ResourceNotFoundException',
      message: 'no such secret',
      httpStatusCode: 400,
    });
    expect(captured).toHaveLength(1);
  });

  it('AccessDenied is not retried; throttling and 5xx are, up to the policy', async () => {
    answers = [{ status: 400, body: { __type: 'AccessDeniedException', message: 'denied' } }];
    await expect(reader()('tokens', 'AWSCURRENT')).rejects.toMatchObject({ name: 'AccessDeniedException' });
    expect(captured).toHaveLength(1);

    captured = [];
    answers = [
      { status: 400, body: { __type: 'ThrottlingException', message: 'slow down' } },
      { status: 500, body: { __type: 'InternalServiceError', message: 'oops' } },
      { status: 200, body: { SecretString: 'after retries' } },
    ];
    expect(await reader()('tokens', 'AWSCURRENT')).toBe('after retries');
    expect(captured).toHaveLength(3);

    captured = [];
    answers = Array.from({ length: 5 }, () => ({ status: 503, body: {} }));
    await expect(reader()('tokens', 'AWSCURRENT')).rejects.toMatchObject({ httpStatusCode: 503 });
    expect(captured).toHaveLength(SECRET_READ_RETRY.attempts);
  });

  it('no answer at all (connection refused) is retried, then thrown', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    let sleeps = 0;
    const read = secretsManagerReader({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'eu-west-1',
      credentials: async () => CREDENTIALS,
      sleep: async () => {
        sleeps += 1;
      },
    });
    await expect(read('tokens', 'AWSCURRENT')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(sleeps).toBe(SECRET_READ_RETRY.attempts - 1);
  });
});

describe('secretEndpoint', () => {
  it.each([
    ['eu-west-1', {}, 'https://secretsmanager.eu-west-1.amazonaws.com'],
    ['us-east-1', { AWS_USE_FIPS_ENDPOINT: 'true' }, 'https://secretsmanager-fips.us-east-1.amazonaws.com'],
    ['cn-north-1', {}, 'https://secretsmanager.cn-north-1.amazonaws.com.cn'],
    ['us-iso-east-1', {}, 'https://secretsmanager.us-iso-east-1.c2s.ic.gov'],
    ['eu-west-1', { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }, 'http://127.0.0.1:5000'],
    [
      'eu-west-1',
      { AWS_ENDPOINT_URL: 'http://generic', AWS_ENDPOINT_URL_SECRETS_MANAGER: 'http://sm' },
      'http://sm',
    ],
  ])('%s with %j → %s', (region, env, expected) => {
    expect(secretEndpoint(region, env)).toBe(expected);
  });
});
