/**
 * SCIM protocol errors (RFC 7644 §3.12): what the protocol code (filters, paths, PATCH, schema
 * validation, cursors, discovery) rejects, with its status and scimType. The service's own
 * failures are DomainErrors (domain/errors.ts); http/error-response.ts renders both.
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
  constructor(status: number, detail: string, scimType?: ScimType) {
    super(detail);
    this.name = 'ScimError';
    this.status = status;
    this.scimType = scimType;
  }

  get detail(): string {
    return this.message;
  }
}

export const badRequest = (scimType: ScimType, detail: string): ScimError =>
  new ScimError(400, detail, scimType);
export const notFound = (detail = 'Resource not found'): ScimError => new ScimError(404, detail);

export function isScimError(value: unknown): value is ScimError {
  return value instanceof ScimError;
}
