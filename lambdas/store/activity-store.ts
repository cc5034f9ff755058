/**
 * Provisioning activity: one item per mutating SCIM request, so an administrator can answer
 * "did Okta's deactivate arrive, and what did we answer?" without reading logs. Items hold
 * names and outcomes only (never attribute values or tokens) and expire through TTL.
 *
 * Partitions are per tenant and UTC day, sorted by time, so "the last hour" is one Query read
 * newest first; a resource's history is a Query of the sparse lookup index (GSI2).
 */

import { randomBytes } from 'node:crypto';
import { type DynamoDBDocumentClient, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { activityPk, activityResourcePk } from './keys';
import { LOOKUP_INDEX, TTL_ATTRIBUTE } from './table-definition';

export const DEFAULT_ACTIVITY_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;

export interface ActivityRecord {
  readonly tenant: string;
  readonly time: string;
  readonly tokenId: string;
  readonly tokenLabel: string;
  readonly method: string;
  /** Path without query string: ids only, no filter values. */
  readonly path: string;
  readonly operation: string;
  readonly resourceType: string;
  readonly resourceId?: string;
  readonly status: number;
  readonly changedAttributes: readonly string[];
}

export async function recordActivity(
  db: DynamoDBDocumentClient,
  tableName: string,
  record: ActivityRecord,
  retentionDays: number = DEFAULT_ACTIVITY_RETENTION_DAYS,
): Promise<void> {
  const time = new Date(record.time);
  await db.send(
    new PutCommand({
      TableName: tableName,
      Item: {
        PK: activityPk(record.tenant, record.time.slice(0, 10)),
        // The random suffix keeps two requests in the same millisecond apart.
        SK: `${record.time}#${randomBytes(4).toString('hex')}`,
        type: 'Activity',
        ...record,
        ...(record.resourceId
          ? { GSI2PK: activityResourcePk(record.tenant, record.resourceId), GSI2SK: record.time }
          : {}),
        [TTL_ATTRIBUTE]: Math.floor(time.getTime() / 1000) + retentionDays * 86_400,
      },
    }),
  );
}

export interface ActivityQuery {
  readonly tenant: string;
  readonly since: Date;
  readonly until?: Date;
  readonly resourceId?: string;
  /** Exact status (404) or a class given by its first digit (4 for 4xx). */
  readonly status?: { readonly exact: number } | { readonly class: number };
  readonly limit?: number;
}

/** Newest first. */
export async function listActivity(
  db: DynamoDBDocumentClient,
  tableName: string,
  query: ActivityQuery,
): Promise<ActivityRecord[]> {
  const limit = query.limit ?? 100;
  const until = query.until ?? new Date();
  const matches = (record: ActivityRecord): boolean =>
    query.status === undefined ||
    ('exact' in query.status
      ? record.status === query.status.exact
      : Math.floor(record.status / 100) === query.status.class);
  const out: ActivityRecord[] = [];
  const collect = async (input: ConstructorParameters<typeof QueryCommand>[0]): Promise<void> => {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await db.send(new QueryCommand({ ...input, ExclusiveStartKey: startKey }));
      for (const item of page.Items ?? []) {
        const record = toRecord(item);
        if (matches(record)) out.push(record);
        if (out.length >= limit) return;
      }
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  };
  const range = { ':from': query.since.toISOString(), ':to': `${until.toISOString()}~` };
  if (query.resourceId) {
    await collect({
      TableName: tableName,
      IndexName: LOOKUP_INDEX.indexName,
      KeyConditionExpression: `${LOOKUP_INDEX.partitionKey} = :pk AND ${LOOKUP_INDEX.sortKey} BETWEEN :from AND :to`,
      ExpressionAttributeValues: { ':pk': activityResourcePk(query.tenant, query.resourceId), ...range },
      ScanIndexForward: false,
    });
    return out;
  }
  for (let day = startOfDay(until); day >= startOfDay(query.since) && out.length < limit; day -= DAY_MS) {
    await collect({
      TableName: tableName,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
      ExpressionAttributeValues: {
        ':pk': activityPk(query.tenant, new Date(day).toISOString().slice(0, 10)),
        ...range,
      },
      ScanIndexForward: false,
    });
  }
  return out;
}

function startOfDay(date: Date): number {
  return Math.floor(date.getTime() / DAY_MS) * DAY_MS;
}

function toRecord(item: Record<string, unknown>): ActivityRecord {
  const text = (name: string): string => (typeof item[name] === 'string' ? (item[name] as string) : '');
  return {
    tenant: text('tenant'),
    time: text('time'),
    tokenId: text('tokenId'),
    tokenLabel: text('tokenLabel'),
    method: text('method'),
    path: text('path'),
    operation: text('operation'),
    resourceType: text('resourceType'),
    ...(typeof item.resourceId === 'string' ? { resourceId: item.resourceId } : {}),
    status: typeof item.status === 'number' ? item.status : 0,
    changedAttributes: Array.isArray(item.changedAttributes)
      ? item.changedAttributes.filter((v): v is string => typeof v === 'string')
      : [],
  };
}
