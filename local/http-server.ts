/**
 * A small HTTP server that turns each request into the API Gateway REST proxy event the deployed
 * API would send and calls the same handler function Lambda runs. Routing comes from the shared
 * route table, so local and deployed routes cannot drift. The handler's response headers are
 * renamed or dropped as API Gateway does (so a 401's WWW-Authenticate arrives as
 * x-amzn-Remapped-WWW-Authenticate, as deployed clients see it). Every answer is SCIM JSON,
 * including those to requests node:http cannot parse; the Host header is never reflected (base
 * URLs name the server's own address), and a client that hangs up mid-request is not a fault.
 */
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
  STATUS_CODES,
} from 'node:http';
import type { Duplex } from 'node:stream';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { TOKENLESS_TARGETS } from '../lambdas/auth/rate-limit';
import { DomainError } from '../lambdas/domain/errors';
import {
  type ClientErrorKind,
  clientErrorResponse,
  errorResponse,
  internalErrorResponse,
} from '../lambdas/http/error-response';
import type { LambdaHandler } from '../lambdas/http/handler';
import { emptyMap } from '../lambdas/http/request';
import { matchRoute, type RouteTarget } from '../lambdas/routes';
import { clipped } from '../lambdas/scim/clip';
import { escapeControl } from './escape-control';
import type { Gate } from './tenant-gate';

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
  /**
   * The server's public base URL (e.g. http://127.0.0.1:7643/scim/v2); its host is the domain
   * name handlers build `meta.location`, `$ref` and Location from. Default: the address the
   * connection was accepted on. The request's Host header is never used.
   */
  readonly baseUrl?: string;
  /** Where the server's own diagnostics go (default: stderr, control characters escaped). */
  readonly log?: LocalServerLog;
  /** What the deployed gateway decides before a function runs: tenant rate limits (local/tenant-gate.ts). */
  readonly gate?: Gate;
}

export type LocalServerLog = (level: 'debug' | 'warn' | 'error', message: string) => void;

const stderrLog: LocalServerLog = (level, message) => {
  if (level !== 'debug') process.stderr.write(`local server ${level}: ${escapeControl(message)}\n`);
};

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
  const log = options.log ?? stderrLog;
  const configuredHost = options.baseUrl === undefined ? undefined : new URL(options.baseUrl).host;
  // noDelay: answers go out as soon as they are written (no Nagle wait for a small response).
  const server = createServer({ noDelay: true }, (req, res) => {
    const domainName = configuredHost ?? ownHost(req);
    serve(handlers, { remap, gate: options.gate }, domainName, log, req, res).catch((error: unknown) => {
      // The handlers never throw; this only guards the adapter itself.
      log('error', `adapter fault: ${error instanceof Error ? error.message : String(error)}`);
      send(res, internalErrorResponse());
    });
  });
  server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
  // Kept above keepAliveTimeout, so the header timer never ends a connection the keep-alive
  // timer still holds open.
  server.headersTimeout = KEEP_ALIVE_TIMEOUT_MS + 1_000;
  // What node:http cannot parse never reaches the request listener; without these listeners
  // its answer would be an empty-bodied 400/431 (or a closed connection, for CONNECT).
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    log('debug', `client error ${error.code ?? error.message}`);
    writeRaw(socket, clientErrorResponse(clientErrorKind(error.code)));
  });
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    writeRaw(socket, clientErrorResponse('unknownMethod'));
  });
  return server;
}

function clientErrorKind(code: string | undefined): ClientErrorKind {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return 'headersTooLarge';
    case 'HPE_INVALID_METHOD':
      return 'unknownMethod';
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return 'timeout';
    default:
      return 'malformed';
  }
}

/**
 * A complete HTTP/1.1 response written straight to the socket (there is no ServerResponse for
 * a request node:http could not parse), then the connection is closed. Nothing is written when
 * the socket is gone or a response on it has already begun.
 */
function writeRaw(socket: Duplex, result: APIGatewayProxyResult): void {
  // node:http's own default clientError handler makes the same check on this internal field.
  const current = (socket as { _httpMessage?: ServerResponse })._httpMessage;
  if (!socket.writable || current?.headersSent) {
    socket.destroy();
    return;
  }
  const body = Buffer.from(result.body, 'utf8');
  const lines = [`HTTP/1.1 ${result.statusCode} ${STATUS_CODES[result.statusCode] ?? 'Error'}`];
  for (const [name, value] of Object.entries(stringHeaders(result))) lines.push(`${name}: ${value}`);
  lines.push(`Content-Length: ${body.length}`, 'Connection: close', '', '');
  socket.end(Buffer.concat([Buffer.from(lines.join('\r\n'), 'latin1'), body]));
}

/** host:port of the address the connection was accepted on (IPv6 in brackets). */
function ownHost(req: IncomingMessage): string {
  const address = req.socket.localAddress ?? '127.0.0.1';
  const host = address.includes(':') ? `[${address}]` : address;
  return req.socket.localPort === undefined ? host : `${host}:${req.socket.localPort}`;
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
  { remap, gate }: { remap: boolean; gate: Gate | undefined },
  domainName: string,
  log: LocalServerLog,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://local');
  } catch {
    send(res, errorResponse(new DomainError('invalidSyntax', 'The request target is not a valid URL')));
    return;
  }
  const body = await readBody(req);
  if (body === 'aborted') {
    // The client hung up (or sent a body node:http could not parse, answered by 'clientError'):
    // there is no one to answer, and nothing went wrong on this side.
    log('debug', `client aborted ${req.method ?? ''} ${url.pathname.slice(0, 200)}`);
    return;
  }
  if (body === 'tooLarge') {
    send(res, errorResponse(new DomainError('payloadTooLarge', 'Request body too large')));
    return;
  }
  const match = matchRoute(url.pathname);
  if (!match) {
    send(res, errorResponse(new DomainError('notFound', `No SCIM endpoint at ${clipped(url.pathname)}`)));
    return;
  }
  const event = buildProxyEvent({
    method: req.method ?? 'GET',
    url,
    rawHeaders: req.rawHeaders,
    ...proxyBody(body),
    resource: match.route.path,
    pathParameters: match.pathParameters,
    sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
    protocol: `HTTP/${req.httpVersion}`,
    domainName,
  });
  // A gateway answer (throttled, unauthorized) is sent as configured, never remapped.
  const gated = TOKENLESS_TARGETS.has(match.route.target) ? undefined : await gate?.(event);
  if (gated) {
    send(res, gated);
    return;
  }
  const result = await handlers[match.route.target](event);
  // Only the integration's answer is remapped; the server's own 404/413/500 stand for gateway
  // responses, whose headers API Gateway sends as configured.
  send(res, remap ? { ...result, headers: gatewayResponseHeaders(stringHeaders(result)) } : result);
}

/**
 * The body as the proxy event carries it: text when it is UTF-8, otherwise base64 with
 * isBase64Encoded (as API Gateway passes binary bodies), so the handler sees the exact bytes
 * and refuses them instead of a copy repaired to U+FFFD.
 */
function proxyBody(bytes: Buffer): { body: string; isBase64Encoded?: boolean } {
  try {
    return { body: STRICT_UTF8.decode(bytes) };
  } catch {
    return { body: bytes.toString('base64'), isBase64Encoded: true };
  }
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export interface ProxyEventInput {
  readonly method: string;
  readonly url: URL;
  /** Alternating names and values, as node:http's `rawHeaders`. */
  readonly rawHeaders: readonly string[];
  readonly body: string;
  /** The body is base64 of bytes that are not UTF-8 text. */
  readonly isBase64Encoded?: boolean;
  readonly resource: string;
  readonly pathParameters: Record<string, string>;
  readonly sourceIp?: string;
  readonly protocol?: string;
  /** The server's own host[:port]; without it the Host header stands in (in-process tests). */
  readonly domainName?: string;
}

/** The API Gateway REST proxy event for a request (also used by tests that invoke handlers directly). */
export function buildProxyEvent(input: ProxyEventInput): APIGatewayProxyEvent {
  const { url, resource, pathParameters, body } = input;
  const headers = emptyMap<string>();
  const multiValueHeaders = emptyMap<string[]>();
  for (let i = 0; i + 1 < input.rawHeaders.length; i += 2) {
    const name = input.rawHeaders[i] as string;
    const value = input.rawHeaders[i + 1] as string;
    // API Gateway sets the forwarding headers itself; a client's own never get through.
    if (FORWARDING_HEADERS.has(name.toLowerCase())) continue;
    headers[name] = value;
    multiValueHeaders[name] = [...(multiValueHeaders[name] ?? []), value];
  }
  headers['X-Forwarded-Proto'] = 'http';
  multiValueHeaders['X-Forwarded-Proto'] = ['http'];
  const query = parseQuery(url.search);
  const hasQuery = Object.keys(query.single).length > 0;
  const host =
    input.domainName ?? Object.entries(headers).find(([n]) => n.toLowerCase() === 'host')?.[1] ?? '127.0.0.1';
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
    isBase64Encoded: input.isBase64Encoded ?? false,
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
  const single = emptyMap<string>();
  const multi = emptyMap<string[]>();
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

const FORWARDING_HEADERS = new Set(['x-forwarded-proto', 'x-forwarded-for', 'x-forwarded-port']);

/** The body's bytes; 'tooLarge' past API Gateway's limit, 'aborted' when it never fully arrived. */
async function readBody(req: IncomingMessage): Promise<Buffer | 'tooLarge' | 'aborted'> {
  // RFC 9112 §6.3: a request with neither Content-Length nor Transfer-Encoding has no body.
  // Most requests (every GET and DELETE) are such; skipping the stream's async iterator for
  // them saves its set-up and a few turns of the event loop (node:http discards the empty
  // remainder itself once the response is sent).
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) {
    return Buffer.alloc(0);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of req) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_GATEWAY_PAYLOAD) return 'tooLarge';
      chunks.push(buffer);
    }
  } catch {
    return 'aborted';
  }
  // A stream that ends early without an error (the socket closed) is a hang-up too.
  if (!req.complete) return 'aborted';
  return Buffer.concat(chunks);
}

function stringHeaders(result: APIGatewayProxyResult): Record<string, string> {
  const headers = emptyMap<string>();
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name] = String(value);
  return headers;
}

function send(res: ServerResponse, result: APIGatewayProxyResult): void {
  // The socket may be gone (client abort) or ended by the clientError listener's own answer.
  if (res.headersSent || !res.writable || res.socket === null || !res.socket.writable) return;
  res.writeHead(result.statusCode, stringHeaders(result));
  res.end(result.isBase64Encoded ? Buffer.from(result.body, 'base64') : result.body);
}
