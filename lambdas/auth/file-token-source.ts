/**
 * Token document read from a local JSON file (the local server's `.scim-local/tokens.json`,
 * shared with `scim-token --local`). The file is re-read whenever it changed, so tokens created
 * by the CLI work without restarting the server. "Changed" is judged on inode, size and mtime
 * together: writers replace the file by rename (new inode), so even two writes within one
 * mtime tick are told apart. A missing file means no tokens; an unreadable or corrupt one
 * makes the authenticator answer 503 (fail closed).
 */
import { readFile, stat } from 'node:fs/promises';
import { EMPTY_TOKEN_DOCUMENT, parseTokenDocument, type TokenDocument } from './token-document';
import { type TokenSource, TokenStoreUnavailableError } from './token-source';

export function fileTokenSource(path: string): TokenSource {
  let cached: { stamp: string; document: TokenDocument } | undefined;
  const load = async (): Promise<TokenDocument> => {
    let stamp: string;
    try {
      const info = await stat(path);
      stamp = `${info.ino}:${info.size}:${info.mtimeMs}`;
    } catch {
      return EMPTY_TOKEN_DOCUMENT;
    }
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
