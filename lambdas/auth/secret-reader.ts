/**
 * Reads one version of a secret from AWS Secrets Manager: a GetSecretValue call (JSON 1.1
 * protocol) signed by the SDK's own SigV4 signer and sent by its Node HTTP handler, with
 * credentials from the environment, all of which the DynamoDB client already brings into a
 * bundle. Written instead of using @aws-sdk/client-secrets-manager (kept for the token CLI)
 * because that client adds 13 KB and about 1.3 ms to every function's cold start for this one
 * call; docs/DECISIONS.md has the measurement and what the SDK does that this leaves out.
 * Failed calls are retried by the one retry loop; errors keep AWS's error code as their name.
 * Nothing is built until the first read, so a runtime that never reads a secret pays nothing.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';
import { Sha256 } from '@smithy/core/checksum';
import { HttpRequest } from '@smithy/core/transport';
import { NodeHttpHandler, streamCollector } from '@smithy/node-http-handler';
import { SignatureV4 } from '@smithy/signature-v4';
import { type RetryPolicy, retry } from '../retry';

/** The value of `secretId` at `versionStage`; undefined when that version has no SecretString. */
export type ReadSecret = (
  secretId: string,
  versionStage: 'AWSCURRENT' | 'AWSPREVIOUS',
) => Promise<string | undefined>;

/** A failed read. `name` is AWS's error code (ResourceNotFoundException…) or the network error's name. */
export class SecretReadError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    /** The HTTP status of Secrets Manager's answer; undefined when none arrived. */
    readonly httpStatusCode?: number,
  ) {
    super(message);
  }
}

type Credentials = ReturnType<typeof fromEnv>;

export interface SecretReaderOptions {
  /** Default: AWS_REGION (set in every Lambda). */
  readonly region?: string;
  /** Default: AWS_ENDPOINT_URL_SECRETS_MANAGER, then AWS_ENDPOINT_URL, then the region's endpoint. */
  readonly endpoint?: string;
  /** Default: the environment's credentials, as Lambda provides them. */
  readonly credentials?: Credentials;
  readonly env?: NodeJS.ProcessEnv;
  /** Tests pass a sleep that does not wait. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** As the SDK's standard mode: 3 attempts, full jitter from 100 ms. */
export const SECRET_READ_RETRY: RetryPolicy = { attempts: 3, baseMs: 100, capMs: 1_000 };

const TIMEOUTS = { connectionTimeout: 2_000, requestTimeout: 5_000 } as const;

const RETRYABLE_CODES = new Set([
  'ThrottlingException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'InternalServiceError',
  'ServiceUnavailable',
  'RequestTimeout',
]);

/** DNS suffix of the region's partition (the SDK's partition table, for the partitions that have Secrets Manager). */
function dnsSuffix(region: string): string {
  if (region.startsWith('cn-')) return 'amazonaws.com.cn';
  if (region.startsWith('us-isob-')) return 'sc2s.sgov.gov';
  if (region.startsWith('us-isof-')) return 'csp.hci.ic.gov';
  if (region.startsWith('us-iso-')) return 'c2s.ic.gov';
  if (region.startsWith('eu-isoe-')) return 'cloud.adc-e.uk';
  return 'amazonaws.com';
}

export function secretEndpoint(region: string, env: NodeJS.ProcessEnv = process.env): string {
  const configured = env.AWS_ENDPOINT_URL_SECRETS_MANAGER || env.AWS_ENDPOINT_URL;
  if (configured) return configured;
  const host = env.AWS_USE_FIPS_ENDPOINT === 'true' ? 'secretsmanager-fips' : 'secretsmanager';
  return `https://${host}.${region}.${dnsSuffix(region)}`;
}

function isRetryable(error: unknown): boolean {
  if (!(error instanceof SecretReadError)) {
    // No answer (network, timeout) is worth another try; missing credentials are not.
    return !(error instanceof Error && error.name === 'CredentialsProviderError');
  }
  const status = error.httpStatusCode;
  return status === undefined || status >= 500 || status === 429 || RETRYABLE_CODES.has(error.name);
}

/** AWS's error code from a JSON 1.1 error answer: `__type` (maybe namespaced) or the header. */
function errorCode(headers: Record<string, string>, body: Record<string, unknown>): string {
  const raw = (typeof body.__type === 'string' && body.__type) || headers['x-amzn-errortype'] || '';
  const code = raw.split(':')[0]?.split('#').pop() ?? '';
  return code || 'UnknownError';
}

function parseJson(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

interface Connection {
  readonly url: URL;
  readonly signer: SignatureV4;
  readonly http: NodeHttpHandler;
}

function connect(options: SecretReaderOptions): Connection {
  const env = options.env ?? process.env;
  const region = options.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? '';
  return {
    url: new URL(options.endpoint ?? secretEndpoint(region, env)),
    signer: new SignatureV4({
      service: 'secretsmanager',
      region,
      credentials: options.credentials ?? fromEnv(),
      sha256: Sha256,
    }),
    http: new NodeHttpHandler(TIMEOUTS),
  };
}

export function secretsManagerReader(options: SecretReaderOptions = {}): ReadSecret {
  let connection: Connection | undefined;

  const readOnce = async (secretId: string, versionStage: string): Promise<string | undefined> => {
    connection ??= connect(options);
    const { url, signer, http } = connection;
    const body = JSON.stringify({ SecretId: secretId, VersionStage: versionStage });
    const request = new HttpRequest({
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      method: 'POST',
      path: url.pathname,
      headers: {
        host: url.host,
        'content-type': 'application/x-amz-json-1.1',
        'content-length': String(Buffer.byteLength(body)),
        'x-amz-target': 'secretsmanager.GetSecretValue',
      },
      body,
    });
    const { response } = await http.handle((await signer.sign(request)) as HttpRequest);
    const text = Buffer.from(await streamCollector(response.body)).toString('utf8');
    const answer = parseJson(text);
    if (response.statusCode === 200) {
      return typeof answer.SecretString === 'string' ? answer.SecretString : undefined;
    }
    const message = answer.message ?? answer.Message;
    throw new SecretReadError(
      errorCode(response.headers, answer),
      typeof message === 'string' ? message : `Secrets Manager answered ${response.statusCode}`,
      response.statusCode,
    );
  };

  return (secretId, versionStage) =>
    retry(SECRET_READ_RETRY, () => readOnce(secretId, versionStage), {
      retryIf: isRetryable,
      ...(options.sleep ? { sleep: options.sleep } : {}),
    });
}
