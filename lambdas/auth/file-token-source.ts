/**
 * Token document read from a local JSON file (the local server's `.scim-local/tokens.json`,
 * shared with `scim-token --local`). The file is re-read when its modification time changes,
 * so tokens created by the CLI work without restarting the server.
 */
import { readFile, stat } from 'node:fs/promises';
import { EMPTY_TOKEN_DOCUMENT, parseTokenDocument, type TokenDocument } from './token-document';
import type { TokenSource } from './token-source';

export function fileTokenSource(path: string): TokenSource {
  let cached: { mtimeMs: number; document: TokenDocument } | undefined;
  const load = async (): Promise<TokenDocument> => {
    let mtimeMs: number;
    try {
      mtimeMs = (await stat(path)).mtimeMs;
    } catch {
      return EMPTY_TOKEN_DOCUMENT;
    }
    if (cached && cached.mtimeMs === mtimeMs) return cached.document;
    const document = parseTokenDocument(await readFile(path, 'utf8'));
    cached = { mtimeMs, document };
    return document;
  };
  return { current: load, refresh: load };
}
