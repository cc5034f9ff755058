/**
 * The local server over raw TCP on requests node:http or the adapter used to get wrong (issue
 * #19 findings 1, 4, 5 and 8): every answer is a complete HTTP/1.1 response with a SCIM JSON
 * body — prototype names, bad UTF-8, lone surrogates, two Authorization headers, oversized or
 * malformed headers, malformed chunked bodies, unknown methods — a client hanging up mid-body
 * is no server error, and the Host header never reaches meta.location, $ref or Location.
 */
import type { Server } from 'node:http';
import { connect } from 'node:net';
import fc from 'fast-check';
import { createLocalServer, type LocalServerLog, listen } from '../../local/http-server';
import { assertScimAnswer, fuzzParameters } from '../hardening/support/fuzz';
import { createScimTestClient, type ScimResponse, type ScimTestClient } from '../support/scim-client';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';
const PROTOTYPE_NAMES = [
  ...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'constructor', 'prototype']),
];

let client: ScimTestClient;
let server: Server;
let port: number;
const logged: { level: string; message: string }[] = [];
const log: LocalServerLog = (level, message) => {
  logged.push({ level, message });
};

beforeAll(async () => {
  client = await createScimTestClient();
  server = createLocalServer(client.handlers, { log });
  port = await listen(server, 0);
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await client.close();
});

/** Writes `request` as is on a new connection and reads until the server closes it. */
function exchange(request: Buffer | string, options: { timeoutMs?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const parts: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer; got ${JSON.stringify(Buffer.concat(parts).toString('latin1'))}`));
    }, options.timeoutMs ?? 5_000);
    socket.on('data', (chunk: Buffer) => parts.push(chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(parts).toString('utf8'));
    });
    socket.write(request);
  });
}

/** A raw HTTP/1.1 answer as a ScimResponse; the body must be complete (Content-Length). */
function parse(raw: string): ScimResponse {
  const split = raw.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`not an HTTP response: ${JSON.stringify(raw)}`);
  const [statusLine = '', ...headerLines] = raw.slice(0, split).split('\r\n');
  const status = Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1]);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
  }
  let text = raw.slice(split + 4);
  if (headers['transfer-encoding'] === 'chunked') text = dechunk(text);
  else if (headers['content-length'] !== undefined) {
    expect(Buffer.byteLength(text)).toBe(Number(headers['content-length']));
  } else throw new Error(`no framing: ${JSON.stringify(raw)}`);
  return { status, headers, body: text === '' ? undefined : JSON.parse(text), text };
}

/** A chunked body's content; throws unless it ends with the last (zero) chunk. */
function dechunk(text: string): string {
  const bytes = Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = bytes.indexOf('\r\n', at);
    if (eol < 0) throw new Error(`truncated chunked body: ${JSON.stringify(text)}`);
    const size = Number.parseInt(bytes.subarray(at, eol).toString('latin1'), 16);
    if (size === 0) return Buffer.concat(parts).toString('utf8');
    parts.push(bytes.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
}

/** A request text; `Connection: close` so the server ends the exchange. */
function request(
  method: string,
  target: string,
  headers: [string, string][],
  body?: Buffer | string,
): Buffer {
  const lines = [`${method} ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
  for (const [name, value] of headers) lines.push(`${name}: ${value}`);
  if (body !== undefined) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), Buffer.from(body ?? '')]);
}

const bearer = (tenant = 'acme'): [string, string] => ['Authorization', `Bearer ${client.tokenFor(tenant)}`];
const scimJson: [string, string] = ['Content-Type', 'application/scim+json'];

/** The answer is SCIM JSON: a SCIM content type and, for an error, an RFC 7644 Error body. */
function expectScimError(res: ScimResponse, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
  expect(res.body.schemas).toEqual([ERROR_SCHEMA]);
  expect(res.body.status).toBe(String(status));
}

describe('finding 1: names from Object.prototype over HTTP', () => {
  it.each([
    '/scim/v2/Users?constructor=x',
    '/scim/v2/Users?__proto__=1',
    '/scim/v2/Users?toString=1&valueOf=2&hasOwnProperty=3',
  ])('unauthenticated GET %s is 401 SCIM JSON', async (target) => {
    expectScimError(parse(await exchange(request('GET', target, []))), 401);
  });

  it.each(['toString', 'valueOf', 'hasOwnProperty', '__proto__', 'constructor'])(
    'a header named %s is answered as SCIM JSON',
    async (name) => {
      expectScimError(parse(await exchange(request('GET', '/scim/v2/Users', [[name, 'x']]))), 401);
      const res = parse(await exchange(request('GET', '/scim/v2/Users', [[name, 'x'], bearer()])));
      expect(res.status).toBe(200);
    },
  );

  it('fuzzed header and parameter names from Object.prototype never get a 5xx', async () => {
    const name = fc.constantFrom(...PROTOTYPE_NAMES);
    const value = fc.constantFrom('1', 'x', '', 'a%20b');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(name, value), { maxLength: 4 }),
        fc.array(fc.tuple(name, value), { maxLength: 4 }),
        fc.boolean(),
        fc.constantFrom('/scim/v2/Users', '/scim/v2/Groups', '/scim/v2/ServiceProviderConfig'),
        async (headers, query, authenticated, path) => {
          const search = query.map(([n, v]) => `${n}=${v}`).join('&');
          const target = search === '' ? path : `${path}?${search}`;
          const all: [string, string][] = [...headers, ...(authenticated ? [bearer()] : [])];
          const res = parse(await exchange(request('GET', target, all)));
          assertScimAnswer(res, `GET ${target} ${JSON.stringify(all)}`);
          expect(res.headers['content-type']).toMatch(/^application\/scim\+json/);
        },
      ),
      fuzzParameters(40),
    );
  });
});

describe('finding 4: strict decoding over HTTP', () => {
  it('bodies that are not UTF-8 are 400 invalidSyntax, not one userName repaired to U+FFFD', async () => {
    for (const bad of [[0xff], [0xfe], [0xc3, 0x28], [0xed, 0xa0, 0x80]]) {
      const body = Buffer.concat([
        Buffer.from(`{"schemas":["${USER}"],"userName":"utf8-`),
        Buffer.from(bad),
        Buffer.from('"}'),
      ]);
      const res = parse(await exchange(request('POST', '/scim/v2/Users', [bearer(), scimJson], body)));
      expectScimError(res, 400);
      expect(res.body.scimType).toBe('invalidSyntax');
    }
    const list = await client.request('GET', `/Users?filter=${encodeURIComponent('userName sw "utf8-"')}`);
    expect(list.body.totalResults).toBe(0);
  });

  it('a lone surrogate in a body string (userName, members.value) is 400 invalidValue', async () => {
    const body = `{"schemas":["${USER}"],"userName":"surrogate-\\ud800"}`;
    const res = parse(await exchange(request('POST', '/scim/v2/Users', [bearer(), scimJson], body)));
    expectScimError(res, 400);
    expect(res.body.scimType).toBe('invalidValue');
    const group = `{"schemas":["${GROUP}"],"displayName":"g","members":[{"value":"\\udc00"}]}`;
    const groupRes = parse(await exchange(request('POST', '/scim/v2/Groups', [bearer(), scimJson], group)));
    expect(groupRes.body.scimType).toBe('invalidValue');
  });
});

describe('finding 5: two Authorization headers', () => {
  it('two Authorization headers are 401, whichever tenant comes last', async () => {
    const created = await client.request('POST', '/Users', {
      token: client.tokenFor('globex'),
      body: { schemas: [USER], userName: 'globex.only@example.com' },
    });
    expect(created.status).toBe(201);
    for (const headers of [
      [bearer('acme'), bearer('globex')],
      [bearer('globex'), bearer('acme')],
      [bearer('acme'), ['authorization', `Bearer ${client.tokenFor('globex')}`] as [string, string]],
      [bearer('acme'), bearer('acme')],
    ]) {
      const res = parse(await exchange(request('GET', '/scim/v2/Users', headers)));
      expectScimError(res, 401);
      expect(res.headers['x-amzn-remapped-www-authenticate']).toMatch(/^Bearer/);
    }
  });

  it('one header holding two bearer tokens is 401', async () => {
    const two = `Bearer ${client.tokenFor('acme')}, Bearer ${client.tokenFor('globex')}`;
    expectScimError(parse(await exchange(request('GET', '/scim/v2/Users', [['Authorization', two]]))), 401);
  });
});

describe('finding 8: what node:http itself rejects is answered as SCIM JSON', () => {
  it('a header block over 16 KB is 431 SCIM JSON', async () => {
    const res = parse(
      await exchange(request('GET', '/scim/v2/Users', [['X-Big', 'x'.repeat(20_000)], bearer()])),
    );
    expectScimError(res, 431);
  });

  it.each([
    ['a control character in a header value', 'X-Test: a\u0001b'],
    ['a header name with a space', 'Bad Name: x'],
  ])('%s is 400 SCIM JSON', async (_what, line) => {
    const raw = `GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n${line}\r\n\r\n`;
    const res = parse(await exchange(Buffer.from(raw, 'latin1')));
    expectScimError(res, 400);
    expect(res.body.scimType).toBe('invalidSyntax');
  });

  it('a malformed chunked body is 400 SCIM JSON, and not a server error', async () => {
    logged.length = 0;
    const raw = [
      'POST /scim/v2/Users HTTP/1.1',
      'Host: x',
      `Authorization: Bearer ${client.tokenFor('acme')}`,
      'Content-Type: application/scim+json',
      'Transfer-Encoding: chunked',
      '',
      'zz',
      '{}',
      '0',
      '',
      '',
    ].join('\r\n');
    const res = parse(await exchange(raw));
    expectScimError(res, 400);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(logged.filter((l) => l.level === 'error')).toEqual([]);
  });

  it.each(['BREW', 'FOO'])('an unknown method (%s) is 501 SCIM JSON', async (method) => {
    expectScimError(parse(await exchange(request(method, '/scim/v2/Users', [bearer()]))), 501);
  });

  it('CONNECT is 501 SCIM JSON instead of a dropped connection', async () => {
    expectScimError(
      parse(await exchange('CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n')),
      501,
    );
  });

  it('HEAD of a resource collection is 200 with the GET headers and no body on the wire', async () => {
    const raw = await exchange(request('HEAD', '/scim/v2/Users?count=1', [bearer()]));
    expect(raw).toMatch(/^HTTP\/1\.1 200 /);
    expect(raw).toMatch(/\r\nContent-Type: application\/scim\+json/);
    expect(raw.endsWith('\r\n\r\n')).toBe(true); // headers only: nothing after them
  });

  it('a method node:http knows but SCIM does not is 405 SCIM JSON', async () => {
    expectScimError(parse(await exchange(request('PROPFIND', '/scim/v2/Users', [bearer()]))), 405);
  });

  it('a client that hangs up mid-body is logged as a client abort, not a server error', async () => {
    logged.length = 0;
    const written = jest.spyOn(process.stderr, 'write');
    try {
      await new Promise<void>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            request('POST', '/scim/v2/Users', [bearer(), scimJson, ['Content-Length', '1000']]).toString() +
              '{"schemas":',
          );
          setTimeout(() => {
            socket.destroy();
            resolve();
          }, 100);
        });
        socket.on('error', reject);
      });
      const deadline = Date.now() + 3_000;
      while (!logged.some((l) => l.message.includes('client aborted')) && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(logged.filter((l) => l.level === 'error')).toEqual([]);
      expect(logged.some((l) => l.level !== 'error' && l.message.includes('client aborted'))).toBe(true);
      expect(written.mock.calls.filter(([text]) => String(text).includes('local server error'))).toEqual([]);
    } finally {
      written.mockRestore();
    }
  });
});

describe('finding 8: the Host header is never reflected', () => {
  it('meta.location, Location and $ref name the server, whatever Host and X-Forwarded-Proto say', async () => {
    const own = `http://127.0.0.1:${port}/scim/v2`;
    const forged: [string, string][] = [
      ['X-Forwarded-Proto', 'https'],
      ['x-forwarded-proto', 'javascript'],
    ];
    const body = JSON.stringify({ schemas: [USER], userName: 'host.check@example.com' });
    const raw = request('POST', '/scim/v2/Users', [bearer(), scimJson, ...forged], body)
      .toString()
      .replace('Host: 127.0.0.1', 'Host: evil.example');
    const user = parse(await exchange(raw));
    expect(user.status).toBe(201);
    expect(user.headers.location).toBe(`${own}/Users/${user.body.id}`);
    expect(user.body.meta.location).toBe(`${own}/Users/${user.body.id}`);

    const groupBody = JSON.stringify({
      schemas: [GROUP],
      displayName: 'host check',
      members: [{ value: user.body.id }],
    });
    const groupRaw = request('POST', '/scim/v2/Groups', [bearer(), scimJson], groupBody)
      .toString()
      .replace('Host: 127.0.0.1', 'Host: evil.example:666');
    const group = parse(await exchange(groupRaw));
    expect(group.status).toBe(201);
    expect(group.body.meta.location).toBe(`${own}/Groups/${group.body.id}`);
    expect(group.body.members[0].$ref).toBe(`${own}/Users/${user.body.id}`);
  });

  it('the configured base URL wins over the accepting address', async () => {
    const configured = createLocalServer(client.handlers, { log, baseUrl: 'http://scim.local:7643/scim/v2' });
    const configuredPort = await listen(configured, 0);
    try {
      const res = await new Promise<string>((resolve, reject) => {
        const socket = connect(configuredPort, '127.0.0.1');
        const parts: Buffer[] = [];
        socket.on('data', (c: Buffer) => parts.push(c));
        socket.on('close', () => resolve(Buffer.concat(parts).toString('utf8')));
        socket.on('error', reject);
        socket.write(
          request('GET', '/scim/v2/Users?count=1', [bearer()])
            .toString()
            .replace('127.0.0.1', 'evil.example'),
        );
      });
      const list = parse(res);
      expect(list.status).toBe(200);
      expect(list.body.Resources[0].meta.location).toMatch(/^http:\/\/scim\.local:7643\/scim\/v2\/Users\//);
    } finally {
      await new Promise<void>((resolve) => configured.close(() => resolve()));
    }
  });
});
