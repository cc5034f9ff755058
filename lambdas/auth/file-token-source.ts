/**
 * Token document read from a local JSON file (the local server's `.scim-local/tokens.json`,
 * shared with `scim-token --local`). The file is re-read whenever it changed, so tokens created
 * by the CLI work without restarting the server. "Changed" is judged on inode, size and mtime
 * together: writers replace the file by rename (new inode), so even two writes within one
 * mtime tick are told apart. A missing file means no tokens; an unreadable or corrupt one
 * makes the authenticator answer 'unavailable' (fail closed).
 *
 * The check runs on every request, because `scim-token revoke --local` promises the token is
 * rejected from the very next request (a time-based cache would break that). It is a
 * synchronous stat: a few microseconds of one system call, where the promise-based stat went
 * through libuv's thread pool and back, a hand-off that cost every request far more wall
 * time than the call itself. Only an actual change reads the file (asynchronously).
 */
import { type Stats, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { EMPTY_TOKEN_DOCUMENT, parseTokenDocument, type TokenDocument } from './token-document';
import { type TokenSource, TokenStoreUnavailableError } from './token-source';

export function fileTokenSource(path: string): TokenSource {
  let cached: { stamp: string; document: TokenDocument } | undefined;
  const load = async (): Promise<TokenDocument> => {
    let info: Stats | undefined;
    try {
      info = statSync(path, { throwIfNoEntry: false });
    } catch {
      info = undefined;
    }
    if (!info) return EMPTY_TOKEN_DOCUMENT;
    const stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    if (cached && cached.stamp === stamp) return cached.document;
    let document: TokenDocument;
    try {
      document = parseTokenDocument(await readFile(path, 'utf8'));
    } catch {
      throw new TokenStoreUnavailableError('token file is unreadable or not a token document', 1);
    }
    cached = { stamp, document };
    return document;
  };
  return { current: load, refresh: load };
}
