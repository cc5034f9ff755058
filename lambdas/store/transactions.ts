/**
 * Every write the request path commits goes out through here: TransactWriteItems, or a single
 * conditional Put/Update. The request's companion item (context.ts) goes with the first one that
 * commits. With a stream consumer it is stamped on the resource item the write puts or updates
 * (ACTIVITY_STAMP); otherwise, and when the write deletes the resource, it is a Put appended last
 * to a transaction (so the cancellation reasons of the caller's own actions keep their indexes).
 * A single write without a consumer leaves it to the request's finish (its own PutItem).
 */
import {
  PutCommand,
  type PutCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { ACTIVITY_STAMP } from './activity-store';
import type { StoreContext } from './context';
import { isConditionalCheckFailed } from './errors';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit of actions per TransactWriteItems. */
export const TRANSACTION_ACTION_LIMIT = 100;

/**
 * One TransactWriteItems of `actions` about resource `resourceId`, whose action 0 is the
 * resource item's own write. The companion goes with it: stamped on that item when it is a Put
 * or Update and `viaStream` (no item of its own), else as a Put appended if it fits.
 */
export async function sendTransaction(
  ctx: StoreContext,
  actions: readonly TransactItem[],
  resourceId: string,
): Promise<void> {
  const [own, ...rest] = actions;
  const ownWrite: SingleWrite | undefined = own?.Put
    ? { Put: own.Put as PutCommandInput }
    : own?.Update
      ? { Update: own.Update as UpdateCommandInput }
      : undefined;
  const stamp = ctx.companion?.viaStream && ownWrite ? ctx.companion.stamp(resourceId) : undefined;
  const companion =
    !stamp && actions.length < TRANSACTION_ACTION_LIMIT ? ctx.companion?.pending(resourceId) : undefined;
  const items =
    stamp && ownWrite
      ? [stampedWith(ownWrite, stamp) as TransactItem, ...rest]
      : companion
        ? [...actions, { Put: { TableName: ctx.tableName, Item: companion } }]
        : actions;
  await ctx.db.send(new TransactWriteCommand({ TransactItems: [...items] }));
  if (stamp || companion) ctx.companion?.committed();
}

/**
 * A TransactWriteItems that is not the request's own change but a clean-up after it (a deleted
 * user's memberships): it never carries the companion, which describes the change itself.
 */
export async function sendCleanupTransaction(
  ctx: StoreContext,
  actions: readonly TransactItem[],
): Promise<void> {
  await ctx.db.send(new TransactWriteCommand({ TransactItems: [...actions] }));
}

type SingleWrite = { readonly Put: PutCommandInput } | { readonly Update: UpdateCommandInput };

/**
 * One conditional write of resource `resourceId`, a PutItem or UpdateItem; returns the
 * attributes an Update asked for (ReturnValues). With a stream consumer it stamps the pending
 * companion on the item. Without one the companion stays pending: a transaction of two would be
 * slower and twice the write units of the record's own PutItem (docs/DECISIONS.md).
 */
export async function sendWrite(
  ctx: StoreContext,
  write: SingleWrite,
  resourceId: string,
): Promise<Record<string, unknown> | undefined> {
  const companion = ctx.companion;
  const stamp = companion?.viaStream ? companion.stamp(resourceId) : undefined;
  const attributes = await plainWrite(ctx, stamp ? stampedWith(write, stamp) : write);
  if (stamp) companion?.committed();
  return attributes;
}

async function plainWrite(
  ctx: StoreContext,
  write: SingleWrite,
): Promise<Record<string, unknown> | undefined> {
  if ('Put' in write) {
    await ctx.db.send(new PutCommand(write.Put));
    return undefined;
  }
  return (await ctx.db.send(new UpdateCommand(write.Update))).Attributes;
}

/** The write with the companion's stamp as the written item's ACTIVITY_STAMP attribute. */
function stampedWith(write: SingleWrite, stamp: Record<string, unknown>): SingleWrite {
  if ('Put' in write) {
    return { Put: { ...write.Put, Item: { ...write.Put.Item, [ACTIVITY_STAMP]: stamp } } };
  }
  const update = write.Update;
  const expression = update.UpdateExpression ?? '';
  // An update expression names each clause once: the stamp joins its SET clause, or opens one.
  // (This store writes clause keywords in capitals and placeholders in lower case.)
  const set = '#activityStamp = :activityStamp';
  const setClause = /(^|\s)SET\s/;
  const stampedExpression = setClause.test(expression)
    ? expression.replace(setClause, (clause) => `${clause}${set}, `)
    : `SET ${set} ${expression}`;
  return {
    Update: {
      ...update,
      UpdateExpression: stampedExpression,
      ExpressionAttributeNames: { ...update.ExpressionAttributeNames, '#activityStamp': ACTIVITY_STAMP },
      ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':activityStamp': stamp },
    },
  };
}

/**
 * An UpdateItem whose failed condition is an answer, not an error: true when it wrote, false
 * when its condition did not hold. Not stamped: for bookkeeping on an item (a claimed version, a
 * released lock), never the change a request's activity record describes.
 */
export async function updateIf(ctx: StoreContext, update: UpdateCommandInput): Promise<boolean> {
  try {
    await ctx.db.send(new UpdateCommand(update));
    return true;
  } catch (error) {
    if (isConditionalCheckFailed(error)) return false;
    throw error;
  }
}
