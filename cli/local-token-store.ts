/**
 * The local server's token file (`.scim-local/tokens.json`, same JSON shape as the secret).
 * Read-modify-write happens under a lock file created with O_EXCL, so two CLI runs cannot lose
 * each other's tokens; the file is replaced atomically (temp file + rename, mode 0600), so the
 * running server (which re-reads the file when it changes) never sees half a document.
 * Records the server manages itself (`local-env-…`) are carried over untouched.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { chmod, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EMPTY_TOKEN_DOCUMENT,
  parseTokenDocumentReport,
  type TokenDocument,
} from '../lambdas/auth/token-document';
import { CliError } from './errors';
import { serialize } from './secrets-manager-token-store';
import type { Change } from './token-operations';
import type { TokenStore } from './token-store';

const LOCAL_TOKEN_FILE = 'tokens.json';
/** A lock older than this was left by a crashed run. */
const STALE_LOCK_MS = 30_000;
const LOCK_TIMEOUT_MS = 10_000;

export interface LocalTokenStoreOptions {
  readonly dir: string;
  readonly staleLockMs?: number;
  readonly lockTimeoutMs?: number;
  /** Told about stored records that do not validate (they are dropped on the next write). */
  readonly onWarning?: (message: string) => void;
}

export function localTokenStore(options: LocalTokenStoreOptions): TokenStore {
  const file = join(options.dir, LOCAL_TOKEN_FILE);
  const lockFile = `${file}.lock`;
  const staleLockMs = options.staleLockMs ?? STALE_LOCK_MS;
  const lockTimeoutMs = options.lockTimeoutMs ?? LOCK_TIMEOUT_MS;

  const read = async (): Promise<TokenDocument> => {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return EMPTY_TOKEN_DOCUMENT;
      throw new CliError(`cannot read ${file}: ${(error as Error).message}`);
    }
    let parsed: ReturnType<typeof parseTokenDocumentReport>;
    try {
      parsed = parseTokenDocumentReport(text);
    } catch {
      throw new CliError(`${file} is not a token document ({"tokens": [...]}); fix or delete it`);
    }
    if (parsed.dropped > 0) {
      options.onWarning?.(
        `${file} has ${parsed.dropped} invalid token record(s); the server ignores them and a write drops them`,
      );
    }
    return parsed.document;
  };

  const acquire = async (): Promise<() => Promise<void>> => {
    const deadline = Date.now() + lockTimeoutMs;
    for (;;) {
      try {
        const handle = await open(lockFile, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
        await handle.writeFile(`${process.pid}\n`);
        await handle.close();
        return () => unlink(lockFile).catch(() => undefined);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new CliError(`cannot create lock ${lockFile}: ${(error as Error).message}`);
        }
      }
      const age = await stat(lockFile).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > staleLockMs) {
        await unlink(lockFile).catch(() => undefined);
        continue;
      }
      if (Date.now() > deadline) {
        throw new CliError(`${lockFile} is held by another scim-token run; if none is running, delete it`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20 + Math.floor(Math.random() * 30)));
    }
  };

  const write = async (document: TokenDocument): Promise<void> => {
    const temp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(serialize(document));
      await handle.sync();
    } finally {
      await handle.close();
    }
    // The umask may have narrowed the mode, never widened it; make it exactly 0600.
    await chmod(temp, 0o600);
    await rename(temp, file);
  };

  return {
    description: `file ${file}`,
    read,
    async update<T>(change: (document: TokenDocument) => Change<T>): Promise<T> {
      await mkdir(options.dir, { recursive: true, mode: 0o700 });
      const release = await acquire();
      try {
        const { document, result } = change(await read());
        await write(document);
        return result;
      } finally {
        await release();
      }
    },
  };
}
