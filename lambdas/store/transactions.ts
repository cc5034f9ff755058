/**
 * Every write the request path commits goes out through here: TransactWriteItems, or a single
 * conditional Put/Update. The request's companion item (context.ts) is appended to the first
 * one that has room, turning a single write into a transaction of two; it goes last, so the
 * cancellation reasons of the caller's own actions keep their indexes.
 */
import {
  PutCommand,
  type PutCommandInput,
  TransactWriteCommand,
  type TransactWriteCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { StoreContext } from './context';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** DynamoDB's limit of actions per TransactWriteItems. */
export const TRANSACTION_ACTION_LIMIT = 100;

/** One TransactWriteItems of `actions` about resource `resourceId`, with the companion if it fits. */
export async function sendTransaction(
  ctx: StoreContext,
  actions: readonly TransactItem[],
  resourceId: string,
): Promise<void> {
  const companion =
    actions.length < TRANSACTION_ACTION_LIMIT ? ctx.companion?.pending(resourceId) : undefined;
  const items = companion ? [...actions, { Put: { TableName: ctx.tableName, Item: companion } }] : actions;
  await ctx.db.send(new TransactWriteCommand({ TransactItems: [...items] }));
  if (companion) ctx.companion?.committed();
}

/**
 * One conditional write of resource `resourceId`: a PutItem or UpdateItem, or a transaction of
 * it and the companion while one is pending. Either way a failed condition reaches the caller
 * as translateConditionFailure reads it (the write is action 0).
 */
export async function sendWrite(
  ctx: StoreContext,
  write: { readonly Put: PutCommandInput } | { readonly Update: UpdateCommandInput },
  resourceId: string,
): Promise<void> {
  if (ctx.companion?.pending(resourceId)) {
    await sendTransaction(ctx, [write as TransactItem], resourceId);
  } else if ('Put' in write) {
    await ctx.db.send(new PutCommand(write.Put));
  } else {
    await ctx.db.send(new UpdateCommand(write.Update));
  }
}
