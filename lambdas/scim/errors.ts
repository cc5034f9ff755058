/**
 * SCIM protocol errors (RFC 7644 §3.12). Every failure a client can cause is thrown as a
 * ScimError and rendered once, by the HTTP layer, as an Error body with a string `status`.
 * Anything else that escapes is an internal fault and becomes a generic 500 without details.
 */

export const ERROR_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** scimType values of RFC 7644 §3.12 Table 9, plus RFC 9865's invalidCursor/expiredCursor. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor';

export class ScimError extends Error {
  readonly status: number;
  readonly scimType: ScimType | undefined;
  /** Extra response headers, e.g. Retry-After on 429/503 or WWW-Authenticate on 401. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(status: number, detail: string, scimType?: ScimType, headers: Record<string, string> = {}) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
    this.headers = headers;
  }

  get detail(): string {
    return this.message;
  }
}

export interface ScimErrorBody {
  schemas: [typeof ERROR_SCHEMA];
  status: string;
  scimType?: ScimType;
  detail: string;
}

export function toErrorBody(error: ScimError): ScimErrorBody {
  const body: ScimErrorBody = { schemas: [ERROR_SCHEMA], status: String(error.status), detail: error.detail };
  if (error.scimType) body.scimType = error.scimType;
  return body;
}

export const badRequest = (scimType: ScimType, detail: string): ScimError =>
  new ScimError(400, detail, scimType);
export const notFound = (detail = 'Resource not found'): ScimError => new ScimError(404, detail);
export const conflict = (detail: string): ScimError => new ScimError(409, detail, 'uniqueness');
export const preconditionFailed = (detail = 'Resource version does not match If-Match'): ScimError =>
  new ScimError(412, detail);
export const unauthorized = (): ScimError =>
  new ScimError(401, 'Authentication failed: a valid bearer token is required', undefined, {
    'WWW-Authenticate': 'Bearer realm="SCIM"',
  });
export const serviceUnavailable = (detail: string, retryAfterSeconds = 5): ScimError =>
  new ScimError(503, detail, undefined, { 'Retry-After': String(retryAfterSeconds) });

export function isScimError(value: unknown): value is ScimError {
  return value instanceof ScimError;
}
