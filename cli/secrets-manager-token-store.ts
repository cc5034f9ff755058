/**
 * The token document in Secrets Manager, written without losing concurrent changes.
 *
 * A write reads AWSCURRENT (v0), puts the new document as a version that is not yet current
 * (v1, under a label unique to this write, idempotent by ClientRequestToken), then moves
 * AWSCURRENT from v0 to v1 with UpdateSecretVersionStage — a compare-and-swap that fails if
 * someone else moved it first, in which case the write starts again from their document.
 * Readers only ever see complete documents.
 *
 * The protocol step by step, and why: docs/DECISIONS.md.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import {
  EMPTY_TOKEN_DOCUMENT,
  parseTokenDocumentReport,
  type TokenDocument,
} from '../lambdas/auth/token-document';
import { type RetryPolicy, retry } from '../lambdas/retry';
import { CliError, describeAwsError } from './errors';
import type { Change } from './token-operations';
import type { TokenStore } from './token-store';

const CURRENT = 'AWSCURRENT';

/** Writes that lose the AWSCURRENT race start again from a fresh read, up to 10 times in all. */
const SECRET_WRITE_RETRY: RetryPolicy = { attempts: 10, baseMs: 50, capMs: 1_000 };

/** Another writer moved AWSCURRENT between our read and our promote. */
class LostRace extends Error {}

interface Snapshot {
  /** Undefined when the secret has no value yet. */
  readonly versionId: string | undefined;
  readonly document: TokenDocument;
}

export interface SecretsManagerTokenStoreOptions {
  readonly client: SecretsManagerClient;
  readonly secretId: string;
  /** How to wait between attempts after losing a race (tests pass one that does not wait). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Told about stored records that do not validate (they are dropped on the next write). */
  readonly onWarning?: (message: string) => void;
}

export function secretsManagerTokenStore(options: SecretsManagerTokenStoreOptions): TokenStore {
  const { client, secretId } = options;
  const what = `secret ${secretId}`;

  const send = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      throw describeAwsError(error, what);
    }
  };

  const snapshot = async (): Promise<Snapshot> => {
    let output: { VersionId?: string; SecretString?: string; SecretBinary?: Uint8Array };
    try {
      output = await client.send(new GetSecretValueCommand({ SecretId: secretId, VersionStage: CURRENT }));
    } catch (error) {
      // The same exception means "no such secret" and "secret without a value": ask which.
      if (error instanceof Error && error.name === 'ResourceNotFoundException') {
        await send(() => client.send(new DescribeSecretCommand({ SecretId: secretId })));
        return { versionId: undefined, document: EMPTY_TOKEN_DOCUMENT };
      }
      throw describeAwsError(error, what);
    }
    return {
      versionId: output.VersionId,
      document: parseStored(output.SecretString, what, options.onWarning),
    };
  };

  const stagesOf = async (versionId: string): Promise<string[]> => {
    const described = await send(() => client.send(new DescribeSecretCommand({ SecretId: secretId })));
    return described.VersionIdsToStages?.[versionId] ?? [];
  };

  const dropLabel = async (label: string, versionId: string): Promise<void> => {
    // Best effort: a left-over label is harmless, it only keeps an unused version from being deprecated.
    await client
      .send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: label,
          RemoveFromVersionId: versionId,
        }),
      )
      .catch(() => undefined);
  };

  /** Step 3: true when our version became AWSCURRENT, false when another writer won. */
  const promote = async (base: Snapshot, versionId: string): Promise<boolean> => {
    if (base.versionId === undefined) return (await stagesOf(versionId)).includes(CURRENT);
    try {
      await client.send(
        new UpdateSecretVersionStageCommand({
          SecretId: secretId,
          VersionStage: CURRENT,
          MoveToVersionId: versionId,
          RemoveFromVersionId: base.versionId,
        }),
      );
      return true;
    } catch (error) {
      // Lost the race (AWSCURRENT moved) or a real failure: the label tells which.
      if ((await stagesOf(base.versionId)).includes(CURRENT)) throw describeAwsError(error, what);
      return false;
    }
  };

  return {
    description: what,
    read: async () => (await snapshot()).document,
    async update<T>(change: (document: TokenDocument) => Change<T>): Promise<T> {
      const attempt = async (): Promise<T> => {
        const base = await snapshot();
        const { document, result } = change(base.document);
        const versionId = randomUUID();
        const label = `scim-token-${versionId}`;
        await send(() =>
          client.send(
            new PutSecretValueCommand({
              SecretId: secretId,
              ClientRequestToken: versionId,
              SecretString: serialize(document),
              VersionStages: [label],
            }),
          ),
        );
        const won = await promote(base, versionId);
        await dropLabel(label, versionId);
        if (!won) throw new LostRace();
        return result;
      };
      try {
        return await retry(SECRET_WRITE_RETRY, attempt, {
          retryIf: (error) => error instanceof LostRace,
          ...(options.sleep ? { sleep: options.sleep } : {}),
        });
      } catch (error) {
        if (!(error instanceof LostRace)) throw error;
        throw new CliError(
          `${what} kept changing under us (${SECRET_WRITE_RETRY.attempts} attempts); try again`,
        );
      }
    },
  };
}

/**
 * A fresh secret may hold nothing or `{}` (placeholder); anything else must be a token document,
 * or the CLI refuses to overwrite it.
 */
function parseStored(
  text: string | undefined,
  what: string,
  onWarning: ((message: string) => void) | undefined,
): TokenDocument {
  if (text === undefined)
    throw new CliError(`${what} holds binary data, not a token document; refusing to touch it`);
  if (text.trim() === '' || text.trim() === '{}') return EMPTY_TOKEN_DOCUMENT;
  let parsed: ReturnType<typeof parseTokenDocumentReport>;
  try {
    parsed = parseTokenDocumentReport(text);
  } catch {
    // Not the parse error's message: it would quote the secret.
    throw new CliError(
      `${what} does not hold a token document ({"tokens": [...]}); refusing to overwrite it`,
    );
  }
  if (parsed.dropped > 0) {
    onWarning?.(
      `${what} has ${parsed.dropped} invalid token record(s); the service ignores them and this write drops them`,
    );
  }
  return parsed.document;
}

export function serialize(document: TokenDocument): string {
  const { tokens, limits } = document;
  return `${JSON.stringify({ tokens, ...(limits ? { limits } : {}) }, null, 2)}\n`;
}
