/**
 * A filter that parses and fits the schema but asks for something this server does not serve
 * (RFC 7644 §3.4.2.2 lets a provider refuse such filters with 400 invalidFilter).
 */
import { badRequest, type ScimError } from '../errors';

export const unsupportedFilter = (detail: string): ScimError => badRequest('invalidFilter', detail);
