/**
 * One structured logger for every handler. Events are never logged whole: they carry the
 * Authorization header and personal data. Level comes from POWERTOOLS_LOG_LEVEL.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: 'scim' });
