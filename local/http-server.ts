/**
 * A small HTTP server that turns each request into the API Gateway REST proxy event the deployed
 * API would send and calls the same handler function Lambda runs. Routing comes from the shared
 * route table, so local and deployed routes cannot drift. The handler's response headers are
 * renamed or dropped as API Gateway does (so a 401's WWW-Authenticate arrives as
 * x-amzn-Remapped-WWW-Authenticate, as deployed clients see it).
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DomainError } from '../lambdas/domain/errors';
import { errorResponse, internalErrorResponse } from '../lambdas/http/error-response';
import type { LambdaHandler } from '../lambdas/http/handler';
import { matchRoute, type RouteTarget } from '../lambdas/routes';

/** API Gateway's own payload limit; the handlers enforce SCIM's smaller one. */
const MAX_GATEWAY_PAYLOAD = 10 * 1024 * 1024;

export type HandlerTable = Readonly<Record<RouteTarget, LambdaHandler>>;

/**
 * How long an idle kept-alive connection stays open. Node's default (5 s) is shorter than the
 * pauses between an identity provider's requests, so each burst would pay a new TCP (and,
 * through a tunnel, TLS) handshake; a minute matches the usual idle timeout of load balancers.
 */
export const KEEP_ALIVE_TIMEOUT_MS = 60_000;

/**
 * What a REST API does to the response headers of a Lambda integration (the "Response" column
 * of the header table in "Amazon API Gateway important notes", REST APIs section:
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-known-issues.html).
 * Remapped headers are renamed `x-amzn-Remapped-<name>` (Date and Server are also given API
 * Gateway's own value, which node:http's Date stands in for); dropped ones never reach the client.
 */
const GATEWAY_REMAPPED_RESPONSE_HEADERS: readonly string[] = [
  'authorization',
  'connection',
  'content-md5',
  'date',
  'max-forwards',
  'server',
  'user-agent',
  'www-authenticate',
];
const GATEWAY_DROPPED_RESPONSE_HEADERS: readonly string[] = [
  'expect',
  'host',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'via',
];
const REMAPPED_HEADER_PREFIX = 'x-amzn-Remapped-';

export interface LocalServerOptions {
  /**
   * Rename and drop the handler's response headers as the deployed REST API does (default on,
   * so local clients and tests see what deployed clients see). Off: the handler's headers as is.
   */
  readonly gatewayHeaderRemap?: boolean;
}

/** The handler's response headers as a client of the deployed REST API receives them. */
function gatewayResponseHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (GATEWAY_DROPPED_RESPONSE_HEADERS.includes(lower)) continue;
    out[GATEWAY_REMAPPED_RESPONSE_HEADERS.includes(lower) ? `${REMAPPED_HEADER_PREFIX}${name}` : name] =
      value;
  }
  return out;
}

export function createLocalServer(handlers: HandlerTable, options: LocalServerOptions = {}): Server {
  const remap = options.gatewayHeaderRemap ?? true;
  // noDelay: answers go out as soon as they are written (no Nagle wait for a small response).
  const server = createServer({ noDelay: true }, (req, res) => {
    serve(handlers, remap, req, res).catch((error: unknown) => {
      // The handlers never throw; this only guards the adapter itself.
      process.stderr.write(`local server error: ${error instanceof Error ? error.message : String(error)}\n`);
      send(res, internalErrorResponse());
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Kept above keepAliveTimeout, so the header timer never ends a connection the keep-alive
  // timer still holds open.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  return server;
}

export async function listen(server: Server, port: number, host = '127.0.0.1'): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

async function serve(
  handlers: HandlerTable,
  remap: boolean,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://local');
  const body = await readBody(req);
  if (body === undefined) {
    send(res, errorResponse(new DomainError('payloadTooLarge', 'Request body too large')));
    return;
  }
  const match = matchRoute(url.pathname);
  if (!match) {
    send(
      res,
      errorResponse(new DomainError('notFound', `No SCIM endpoint at ${url.pathname.slice(0, 200)}`)),
    );
    return;
  }
  const event = buildProxyEvent({
    method: req.method ?? 'GET',
    url,
    rawHeaders: req.rawHeaders,
    body,
    resource: match.route.path,
    pathParameters: match.pathParameters,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    protocol: `HTTP/${req.httpVersion}`,
  });
  const result = await handlers[match.route.target](event);
  // Only the integration's answer is remapped; the server's own 404/413/500 stand for gateway
  // responses, whose headers API Gateway sends as configured.
  send(res, remap ? { ...result, headers: gatewayResponseHeaders(stringHeaders(result)) } : result);
}

export interface ProxyEventInput {
  readonly method: string;
  readonly url: URL;
  /** Alternating names and values, as node:http's `rawHeaders`. */
  readonly rawHeaders: readonly string[];
  readonly body: string;
  readonly resource: string;
  readonly pathParameters: Record<string, string>;
  readonly sourceIp?: string;
  readonly protocol?: string;
}

/** The API Gateway REST proxy event for a request (also used by tests that invoke handlers directly). */
export function buildProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const { url, resource, pathParameters, body } = input;
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (let i = 0; i + 1 < input.rawHeaders.length; i += 2) {
    const name = input.rawHeaders[i] as string;
    const value = input.rawHeaders[i + 1] as string;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  headers['X-Forwarded-Proto'] = 'http';
  const query = parseQuery(url.search);
  const hasQuery = Object.keys(query.single).length > 0;
  const host = Object.entries(headers).find(([n]) => n.toLowerCase() === 'host')?.[1] ?? '127.0.0.1';
  return {
    httpMethod: input.method,
    path: url.pathname,
    resource,
    pathParameters: Object.keys(pathParameters).length > 0 ? pathParameters : null,
    queryStringParameters: hasQuery ? query.single : null,
    multiValueQueryStringParameters: hasQuery ? query.multi : null,
    headers,
    multiValueHeaders,
    body: body === '' ? null : body,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      authorizer: null,
      domainName: host,
      httpMethod: input.method,
      identity: { sourceIp: input.sourceIp ?? '127.0.0.1' },
      path: url.pathname,
      protocol: input.protocol ?? 'HTTP/1.1',
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: resource,
      stage: 'local',
    } as APIGatewayProxyEvent['requestContext'],
  };
}

/**
 * Query decoding as API Gateway REST does it: percent-escapes are decoded, `+` is kept as a
 * literal plus (the filter parser treats a `+` between tokens as a space).
 */
function parseQuery(search: string): { single: Record<string, string>; multi: Record<string, string[]> } {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const pair of search.replace(/^\?/, '').split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq));
    const value = eq < 0 ? '' : decode(pair.slice(eq + 1));
    single[name] = value;
    multi[name] = [...(multi[name] ?? []), value];
  }
  return { single, multi };
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  // RFC 9112 §6.3: a request with neither Content-Length nor Transfer-Encoding has no body.
  // Most requests (every GET and DELETE) are such; skipping the stream's async iterator for
  // them saves its set-up and a few turns of the event loop (node:http discards the empty
  // remainder itself once the response is sent).
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_GATEWAY_PAYLOAD) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function stringHeaders(result: APIGatewayProxyResult): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  return headers;
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  if (res.headersSent) return;
  res.writeHead(result.statusCode, stringHeaders(result));
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}
