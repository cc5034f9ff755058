/**
 * What every store call needs: the document client, the table, and the tenant whose items it
 * may touch (the tenant is the first component of every key, keys.ts) — and, for a write
 * request, the one item that rides along with its first committed transaction.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

export interface StoreContext {
  readonly db: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly tenant: string;
  /** The request's companion item (its activity record), written by transactions.ts. */
  readonly companion?: CompanionWrite;
}

/**
 * An item a write request adds to the first of its writes that commits, so it costs no request
 * of its own (docs/ACTIVITY.md): appended to a transaction that has room, or, on a single Put
 * or Update when `viaStream`, stamped on the written item for the stream consumer to write.
 */
export interface CompanionWrite {
  /** The item for a write of resource `resourceId`; undefined once written. */
  pending(resourceId: string): Record<string, unknown> | undefined;
  /** Its compact form, stamped on the written item when `viaStream`; undefined once written. */
  stamp(resourceId: string): Record<string, unknown> | undefined;
  /** The write that carried the pending item committed. */
  committed(): void;
  /** Whether a single write carries it as a stamp (the stream consumer writes it) rather than as a transaction. */
  readonly viaStream: boolean;
}
