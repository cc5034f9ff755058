/**
 * toScimRequest and jsonBody on hostile input (issue #19 findings 1, 4 and 5): names from
 * Object.prototype are plain keys, bodies that are not UTF-8 and strings with lone surrogates
 * are refused, and a request carrying more than one credential authenticates nobody.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';
import { type DomainError, isDomainError } from '../../../lambdas/domain/errors';
import { jsonBody, type ScimRequest, toScimRequest } from '../../../lambdas/http/request';

const PROTOTYPE_NAMES = [
  ...new Set([...Object.getOwnPropertyNames(Object.prototype), '__proto__', 'constructor', 'prototype']),
];

/** An event as API Gateway sends it; `extra` is JSON so `__proto__` stays an own key. */
function event(extra: string = '{}'): APIGatewayProxyEvent {
  const base = {
    httpMethod: 'GET',
    path: '/scim/v2/Users',
    resource: '/scim/v2/Users',
    pathParameters: null,
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    headers: {},
    multiValueHeaders: {},
    body: null,
    isBase64Encoded: false,
    stageVariables: null,
    requestContext: { domainName: 'api.example.com', path: '/prod/scim/v2/Users' },
  };
  return { ...base, ...JSON.parse(extra) } as APIGatewayProxyEvent;
}

function domainError(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (isDomainError(error)) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

const withBody = (body: string, isBase64Encoded = false): ScimRequest =>
  toScimRequest({
    ...event(),
    httpMethod: 'POST',
    body,
    isBase64Encoded,
    headers: { 'Content-Type': 'application/scim+json' },
  });

describe('toScimRequest: names from Object.prototype', () => {
  it.each(PROTOTYPE_NAMES)('a header and a query parameter named %s are own keys only', (name) => {
    const single = JSON.stringify({ [name]: 'v' });
    const multi = JSON.stringify({ [name]: ['v'] });
    const request = toScimRequest(
      event(
        `{"headers":${single},"multiValueHeaders":${multi},"queryStringParameters":${single},"multiValueQueryStringParameters":${multi}}`,
      ),
    );
    expect(Object.getPrototypeOf(request.headers)).toBeNull();
    expect(Object.getPrototypeOf(request.query)).toBeNull();
    expect(request.query[name]).toBe('v');
    expect(request.headers[name.toLowerCase()]).toBe('v');
    expect(Object.keys(request.query)).toEqual([name]);
  });

  it('a request without such names has no inherited ones either', () => {
    const request = toScimRequest(event());
    for (const name of PROTOTYPE_NAMES) {
      expect(request.query[name]).toBeUndefined();
      expect(request.headers[name]).toBeUndefined();
    }
  });
});

describe('toScimRequest / jsonBody: strict decoding', () => {
  it('refuses a base64 body that is not UTF-8 (invalidSyntax), never repairing it to U+FFFD', () => {
    const bytes = Buffer.concat([
      Buffer.from('{"userName":"a'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}'),
    ]);
    expect(domainError(() => withBody(bytes.toString('base64'), true)).code).toBe('invalidSyntax');
    const overlong = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc0, 0xaf, 0x22, 0x7d]);
    expect(domainError(() => withBody(overlong.toString('base64'), true)).code).toBe('invalidSyntax');
  });

  it('accepts a base64 body that is UTF-8', () => {
    const request = withBody(Buffer.from('{"userName":"zoë"}').toString('base64'), true);
    expect(jsonBody(request)).toEqual({ userName: 'zoë' });
  });

  it.each([
    ['an escaped lone high surrogate', '{"userName":"a\\ud800"}'],
    ['an escaped lone low surrogate', '{"userName":"a\\udc00b"}'],
    ['a lone surrogate in a member name', '{"a\\ud800":"x"}'],
    ['a lone surrogate deep in an array', '{"emails":[{"value":["x","\\udfff"]}]}'],
    ['a raw lone surrogate in the text', `{"userName":"a${String.fromCharCode(0xd800)}"}`],
  ])('refuses %s (invalidValue)', (_what, body) => {
    expect(domainError(() => jsonBody(withBody(body))).code).toBe('invalidValue');
  });

  it('accepts surrogate pairs, escaped or not', () => {
    expect(jsonBody(withBody('{"userName":"\\ud83d\\ude00😀"}'))).toEqual({ userName: '😀😀' });
  });

  it('refuses a lone surrogate in a query parameter value or name (invalidValue)', () => {
    const value = JSON.stringify({ filter: 'userName eq "\ud800"' });
    expect(domainError(() => toScimRequest(event(`{"queryStringParameters":${value}}`))).code).toBe(
      'invalidValue',
    );
    const name = JSON.stringify({ '\udc00': 'x' });
    expect(domainError(() => toScimRequest(event(`{"queryStringParameters":${name}}`))).code).toBe(
      'invalidValue',
    );
  });
});

describe('toScimRequest: one credential at most', () => {
  const a = 'Bearer test-token-acme-0123456789abcdef0123456789';
  const b = 'Bearer test-token-globex-0123456789abcdef0123456789';

  it('refuses two Authorization values in multiValueHeaders, whatever headers kept', () => {
    const error = domainError(() =>
      toScimRequest({
        ...event(),
        headers: { Authorization: b },
        multiValueHeaders: { Authorization: [a, b] },
      }),
    );
    expect(error.code).toBe('unauthenticated');
  });

  it('refuses Authorization headers that differ only in the case of their name', () => {
    const error = domainError(() =>
      toScimRequest({
        ...event(),
        headers: { Authorization: a, authorization: b },
        multiValueHeaders: { Authorization: [a], authorization: [b] },
      }),
    );
    expect(error.code).toBe('unauthenticated');
  });

  it.each([`${a}, ${b}`, `${a},${b}`, 'scim_x,scim_y'])('refuses one header listing several: %s', (value) => {
    const error = domainError(() =>
      toScimRequest({
        ...event(),
        headers: { Authorization: value },
        multiValueHeaders: { Authorization: [value] },
      }),
    );
    expect(error.code).toBe('unauthenticated');
  });

  it('passes a single Authorization header through, with or without multiValueHeaders', () => {
    expect(toScimRequest({ ...event(), headers: { authorization: a } }).headers.authorization).toBe(a);
    expect(
      toScimRequest({ ...event(), headers: { Authorization: a }, multiValueHeaders: { Authorization: [a] } })
        .headers.authorization,
    ).toBe(a);
  });
});

it('a query parameter given twice is invalidValue, not its last value', () => {
  const twice = domainError(() =>
    toScimRequest(
      event(
        JSON.stringify({
          queryStringParameters: { count: '3' },
          multiValueQueryStringParameters: { count: ['1', '3'] },
        }),
      ),
    ),
  );
  expect(twice.code).toBe('invalidValue');
  expect(twice.message).toContain('count');
  const once = toScimRequest(
    event(
      JSON.stringify({
        queryStringParameters: { count: '3' },
        multiValueQueryStringParameters: { count: ['3'] },
      }),
    ),
  );
  expect(once.query.count).toBe('3');
});
