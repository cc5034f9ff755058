/**
 * The email index: one item per distinct folded `emails[].value` of a user (PK
 * `T#<t>#UEMAIL#<nameKey(email)>`, SK the user id; folded as the filter evaluator compares, so
 * the index finds exactly the users a walk would), written in the SAME transaction as the user
 * item, so `emails.value eq "x"` is one strongly consistent Query of a base-table partition
 * plus a read of the users it names, at any tenant size. Only the delta of a replace is
 * written. A user may hold MAX_INDEXED_EMAILS distinct values, so the worst transaction
 * (rename + every email changed) stays within DynamoDB's 100 actions. Rationale, costs:
 * docs/FILTERS.md.
 */
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../domain/errors';
import { nameKey } from '../scim/names';
import { isPlainObject, type JsonObject } from '../scim/schema/json';
import type { StoreContext } from './context';
import { userEmailKey, userEmailPk } from './keys';
import { MAX_EXAMINED_ITEMS, type StoredItem } from './listing';
import type { TransactItem } from './transactions';

/** Distinct email values one user may hold: 3 + 2 × 40 = 83 ≤ 100 transaction actions. */
const MAX_INDEXED_EMAILS = 40;
/** A folded email value is part of a partition key (DynamoDB allows 2048 bytes). */
const MAX_EMAIL_BYTES = 1000;
const USER_EMAIL_ITEM_TYPE = 'UserEmail';

/** The distinct folded email values of a user resource (400 past the limits). */
function indexedEmails(resource: JsonObject | undefined): string[] {
  const emails = resource?.emails;
  if (!Array.isArray(emails)) return [];
  const values = new Set<string>();
  for (const email of emails) {
    const value = isPlainObject(email) ? email.value : undefined;
    if (typeof value !== 'string' || value === '') continue;
    const folded = nameKey(value);
    if (Buffer.byteLength(folded, 'utf8') > MAX_EMAIL_BYTES) {
      throw new DomainError(
        'invalidValue',
        `emails.value must be at most ${MAX_EMAIL_BYTES} bytes long once folded for comparison (docs/NAMES.md)`,
      );
    }
    values.add(folded);
  }
  if (values.size > MAX_INDEXED_EMAILS) {
    throw new DomainError('invalidValue', `A user may have at most ${MAX_INDEXED_EMAILS} distinct emails`);
  }
  return [...values];
}

/** The index item of one email of a user (exported for tools that seed tables in bulk). */
const userEmailItem = (tenant: string, email: string, userId: string): StoredItem => ({
  ...userEmailKey(tenant, email, userId),
  type: USER_EMAIL_ITEM_TYPE,
  tenant,
  userId,
});

/** Every index item of a user resource. */
export const userEmailItems = (tenant: string, userId: string, resource: JsonObject): StoredItem[] =>
  indexedEmails(resource).map((email) => userEmailItem(tenant, email, userId));

/**
 * Transaction actions moving the index from `before` to `after` (undefined: no user): a Put
 * per added value, a Delete per removed one, nothing for a value kept (any case change of it).
 */
export function emailIndexActions(
  ctx: StoreContext,
  userId: string,
  before: JsonObject | undefined,
  after: JsonObject | undefined,
): TransactItem[] {
  const old = new Set(indexedEmails(before));
  const next = new Set(indexedEmails(after));
  return [
    ...[...old]
      .filter((email) => !next.has(email))
      .map((email) => ({
        Delete: { TableName: ctx.tableName, Key: userEmailKey(ctx.tenant, email, userId) },
      })),
    ...[...next]
      .filter((email) => !old.has(email))
      .map((email) => ({
        Put: { TableName: ctx.tableName, Item: userEmailItem(ctx.tenant, email, userId) },
      })),
  ];
}

/**
 * Ids of the users holding `email` (any case or Unicode form, as nameKey folds): ONE strongly consistent Query (keys only),
 * bounded like any walk. The caller reads the users and re-checks the filter on them.
 */
export async function findUserIdsByEmail(ctx: StoreContext, email: string): Promise<string[]> {
  const folded = nameKey(email);
  if (folded === '' || Buffer.byteLength(folded, 'utf8') > MAX_EMAIL_BYTES) return [];
  const ids: string[] = [];
  let startKey: Record<string, unknown> | undefined;
  do {
    const result = await ctx.db.send(
      new QueryCommand({
        TableName: ctx.tableName,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': userEmailPk(ctx.tenant, folded) },
        ProjectionExpression: 'SK',
        ConsistentRead: true,
        ...(startKey ? { ExclusiveStartKey: startKey } : {}),
      }),
    );
    for (const item of result.Items ?? []) ids.push(String(item.SK));
    if (ids.length > MAX_EXAMINED_ITEMS) {
      throw new DomainError(
        'tooMany',
        `More than ${MAX_EXAMINED_ITEMS} users share this email; narrow the filter`,
      );
    }
    startKey = result.LastEvaluatedKey;
  } while (startKey);
  return ids;
}
