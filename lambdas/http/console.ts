/**
 * The console's static files as HTTP responses: the page at /console, its CSS and script at
 * /console/<content-hashed name>. No token is needed to load them; the page then calls the API
 * with the token a person pastes. Every answer carries the strict headers of docs/CONSOLE.md.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DomainError } from '../domain/errors';
import type { ConsoleAssets } from './console-assets';
import { errorResponse } from './error-response';
import { STRICT_TRANSPORT_SECURITY } from './response';

/** No inline script or style, no remote origin, no framing, no form posts (docs/CONSOLE.md). */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CONSOLE_CSP,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  ...STRICT_TRANSPORT_SECURITY,
};

/** The page is revalidated on every load; hashed files never change under their name. */
const PAGE_CACHE = 'no-cache';
const FILE_CACHE = 'public, max-age=31536000, immutable';

export function consoleResponse(assets: ConsoleAssets, event: APIGatewayProxyEvent): APIGatewayProxyResult {
  if (event.httpMethod !== 'GET' && event.httpMethod !== 'HEAD') {
    return withSecurity(
      errorResponse(
        new DomainError('methodNotAllowed', `${event.httpMethod} is not allowed on the console`, {
          allow: ['GET', 'HEAD'],
        }),
      ),
    );
  }
  const asset = event.pathParameters?.asset;
  const head = event.httpMethod === 'HEAD';
  if (asset === undefined) {
    // `/console/` would resolve the page's relative file names one level too deep.
    if (event.path.endsWith('/')) {
      return withSecurity({ statusCode: 308, headers: { Location: '../console' }, body: '' });
    }
    return file('text/html; charset=utf-8', assets.html, PAGE_CACHE, head);
  }
  const found = Object.hasOwn(assets.files, asset) ? assets.files[asset] : undefined;
  if (!found) {
    return withSecurity(errorResponse(new DomainError('notFound', 'No such console file')));
  }
  return file(found.contentType, found.body, FILE_CACHE, head);
}

function file(contentType: string, body: string, cache: string, head: boolean): APIGatewayProxyResult {
  return withSecurity({
    statusCode: 200,
    headers: { 'Content-Type': contentType, 'Cache-Control': cache },
    body: head ? '' : body,
  });
}

function withSecurity(result: APIGatewayProxyResult): APIGatewayProxyResult {
  return { ...result, headers: { ...result.headers, ...SECURITY_HEADERS } };
}
