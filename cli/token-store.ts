/**
 * Where the CLI keeps the token document: the deployed stack's Secrets Manager secret, or the
 * local server's token file. `update` runs a read-modify-write that never loses a concurrent
 * writer's change: `change` may be called again on a fresher document if another writer won.
 */
import type { TokenDocument } from '../lambdas/auth/token-document';
import type { Change } from './token-operations';

export interface TokenStore {
  /** For messages: "secret arn:aws:…" or "file .scim-local/tokens.json". */
  readonly description: string;
  read(): Promise<TokenDocument>;
  update<T>(change: (document: TokenDocument) => Change<T>): Promise<T>;
}
