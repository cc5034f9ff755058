/**
 * The service logger: one JSON line per entry, the level threshold, warnings and errors on
 * stderr, attributes that cannot overwrite the entry's own keys, Error values kept readable.
 */
import { logger } from '../../../lambdas/observability/logger';

let out: string[];
let err: string[];
let restore: (() => void)[];

beforeEach(() => {
  out = [];
  err = [];
  const spies = [
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0),
    jest.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0),
  ];
  restore = spies.map((spy) => () => spy.mockRestore());
});

afterEach(() => {
  logger.setLogLevel('SILENT');
  for (const undo of restore) undo();
});

const parse = (line: string | undefined): Record<string, unknown> => JSON.parse(line ?? 'null');

it('writes one JSON line with level, message, timestamp, service and the attributes', () => {
  logger.setLogLevel('INFO');
  logger.info('request', { status: 200, tenant: 'acme' });
  expect(out).toHaveLength(1);
  expect(out[0]?.endsWith('\n')).toBe(true);
  expect(out[0]?.trimEnd()).not.toContain('\n');
  const entry = parse(out[0]);
  expect(entry).toMatchObject({
    level: 'INFO',
    message: 'request',
    service: 'scim',
    status: 200,
    tenant: 'acme',
  });
  expect(new Date(String(entry.timestamp)).toISOString()).toBe(entry.timestamp);
  expect(err).toEqual([]);
});

it('drops entries below the level and writes nothing when SILENT', () => {
  logger.setLogLevel('WARN');
  logger.debug('d');
  logger.info('i');
  logger.warn('w');
  logger.error('e');
  expect(out).toEqual([]);
  expect(err.map((line) => parse(line).level)).toEqual(['WARN', 'ERROR']);
  logger.setLogLevel('SILENT');
  logger.error('e');
  expect(err).toHaveLength(2);
});

it('keeps its own keys against attributes of the same name and renders Error values', () => {
  logger.setLogLevel('DEBUG');
  logger.error('failed', { level: 'INFO', message: 'spoofed', cause: new TypeError('boom') });
  const entry = parse(err[0]);
  expect(entry.level).toBe('ERROR');
  expect(entry.message).toBe('failed');
  expect(entry.cause).toMatchObject({ name: 'TypeError', message: 'boom' });
  expect(String((entry.cause as Record<string, unknown>).stack)).toContain('TypeError: boom');
});
