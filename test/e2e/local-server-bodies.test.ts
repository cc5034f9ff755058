/**
 * How the local server reads request bodies on a kept-alive connection: requests without a
 * body (no Content-Length, no Transfer-Encoding) are answered without reading a stream at all,
 * so the next request on the same socket must still be parsed correctly, whether it carries a
 * Content-Length body or a chunked one. Idle connections stay open long enough to be reused.
 */
import { Agent, type IncomingHttpHeaders, request, type Server } from 'node:http';
import { createLocalServer, KEEP_ALIVE_TIMEOUT_MS, listen } from '../../local/http-server';
import { createScimTestClient, type ScimTestClient } from '../support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

let client: ScimTestClient;
let server: Server;
let port: number;
let agent: Agent;
let connections = 0;

beforeAll(async () => {
  client = await createScimTestClient();
  server = createLocalServer(client.handlers);
  server.on('connection', () => {
    connections += 1;
  });
  port = await listen(server, 0);
  agent = new Agent({ keepAlive: true, maxSockets: 1 });
});

afterAll(async () => {
  agent.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await client.close();
});

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Record<string, unknown> | undefined;
}

/** One request; `chunks` are written separately, without Content-Length when `chunked`. */
function send(
  method: string,
  path: string,
  options: { chunks?: string[]; chunked?: boolean; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const { chunks = [], chunked = false } = options;
  const payload = chunks.join('');
  const headers: Record<string, string> = {
    Authorization: `Bearer ${client.tokenFor('acme')}`,
    ...(chunks.length > 0 ? { 'Content-Type': 'application/scim+json' } : {}),
    ...(chunks.length > 0 && !chunked ? { 'Content-Length': String(Buffer.byteLength(payload)) } : {}),
    ...options.headers,
  };
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path: `/scim/v2${path}`, headers, agent },
      (res) => {
        const parts: Buffer[] = [];
        res.on('data', (chunk: Buffer) => parts.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(parts).toString('utf8');
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('local server request bodies', () => {
  it('bodyless GETs, a chunked POST and a Content-Length POST share one kept-alive connection', async () => {
    connections = 0;
    const body = JSON.stringify({ schemas: [USER], userName: 'chunked.body@example.com', active: true });
    const missing = await send('GET', '/Users/0190a0a0-0000-7000-8000-000000000000');
    expect(missing.status).toBe(404);
    const created = await send('POST', '/Users', {
      chunks: [body.slice(0, 10), body.slice(10, 30), body.slice(30)],
      chunked: true,
    });
    expect(created.status).toBe(201);
    expect(created.body?.userName).toBe('chunked.body@example.com');
    const id = String(created.body?.id);
    const got = await send('GET', `/Users/${id}`, { headers: { 'Content-Length': '0' } });
    expect(got.status).toBe(200);
    expect(got.body?.id).toBe(id);
    const patched = await send('PATCH', `/Users/${id}`, {
      chunks: [
        JSON.stringify({
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'title', value: 'Kept alive' }],
        }),
      ],
    });
    expect(patched.status).toBe(200);
    expect(patched.body?.title).toBe('Kept alive');
    const deleted = await send('DELETE', `/Users/${id}`);
    expect(deleted.status).toBe(204);
    expect((await send('GET', `/Users/${id}`)).status).toBe(404);
    expect(connections).toBe(1);
  });

  it("an idle connection outlives Node's 5 s default: the next request reuses it", async () => {
    expect(server.keepAliveTimeout).toBe(KEEP_ALIVE_TIMEOUT_MS);
    expect((await send('GET', '/ServiceProviderConfig')).status).toBe(200);
    const opened = connections;
    await new Promise((resolve) => setTimeout(resolve, 5_500));
    expect((await send('GET', '/ServiceProviderConfig')).status).toBe(200);
    expect(connections).toBe(opened);
  }, 20_000);

  it('a POST without a body is still a 400 invalidSyntax, not a hang or a 500', async () => {
    const empty = await send('POST', '/Users', { headers: { 'Content-Type': 'application/scim+json' } });
    expect(empty.status).toBe(400);
    expect(empty.body?.scimType).toBe('invalidSyntax');
  });
});
