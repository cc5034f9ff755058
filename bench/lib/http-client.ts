/**
 * A minimal SCIM client over node:http with a keep-alive agent: the latency driver needs to
 * measure the server, not connection set-up, and fetch's pooling is not tunable per run. Every
 * response carries the server's DynamoDB cost header (SCIM_COST_HEADER=1), parsed here.
 */
import { Agent, request as httpRequest } from 'node:http';
import { type DynamoCost, parseCost } from '../../lambdas/observability/dynamo-cost';
import { COST_HEADER } from '../../lambdas/observability/dynamo-cost-report';

export interface BenchResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  // biome-ignore lint/suspicious/noExplicitAny: SCIM JSON of any shape; callers read known fields.
  readonly body: any;
  readonly cost: DynamoCost | undefined;
  /** Wall time from sending the request to the last byte of the response. */
  readonly ms: number;
}

export class ScimHttpClient {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 64 });
  private readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly token: string,
  ) {
    this.base = new URL(baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`);
  }

  request(method: string, path: string, body?: unknown): Promise<BenchResponse> {
    const url = new URL(path.replace(/^\//, ''), this.base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string> = {
      authorization: `Bearer ${this.token}`,
      accept: 'application/scim+json',
    };
    if (payload) {
      headers['content-type'] = 'application/scim+json; charset=utf-8';
      headers['content-length'] = String(payload.length);
    }
    return new Promise((resolve, reject) => {
      const started = process.hrtime.bigint();
      const req = httpRequest(url, { method, headers, agent: this.agent }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - started) / 1e6;
          const text = Buffer.concat(chunks).toString('utf8');
          const flat: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            if (value !== undefined) flat[name] = Array.isArray(value) ? value.join(', ') : value;
          }
          let parsed: unknown;
          try {
            parsed = text === '' ? undefined : JSON.parse(text);
          } catch {
            parsed = text;
          }
          resolve({
            status: res.statusCode ?? 0,
            headers: flat,
            body: parsed,
            cost: parseCost(flat[COST_HEADER]),
            ms,
          });
        });
      });
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Thrown when an endpoint is not built yet (404 unknown route, 405, 501): the row says so. */
export class NotAvailable extends Error {}

/** Thrown for any other unexpected answer; the row shows status and SCIM detail. */
class UnexpectedResponse extends Error {}

/** Returns the response when its status is one of `expected`, otherwise throws one of the above. */
export function expectStatus(response: BenchResponse, expected: number[], what: string): BenchResponse {
  if (expected.includes(response.status)) return response;
  const detail =
    typeof response.body === 'object' && response.body && 'detail' in response.body
      ? String((response.body as { detail: unknown }).detail)
      : '';
  if (
    response.status === 405 ||
    response.status === 501 ||
    (response.status === 404 && /No SCIM endpoint/.test(detail))
  ) {
    throw new NotAvailable(`${what}: not available (HTTP ${response.status})`);
  }
  throw new UnexpectedResponse(`${what}: HTTP ${response.status}${detail ? ` ${detail.slice(0, 160)}` : ''}`);
}
