/**
 * Token document read from AWS Secrets Manager, cached for `ttlSeconds`. On an unknown token the
 * authenticator asks for a refresh, which is honoured at most once per `minRefreshSeconds`, so
 * a freshly created token works at once while a flood of bad tokens costs one read per interval.
 */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { parseTokenDocument, type TokenDocument } from './token-document';
import type { TokenSource } from './token-source';

export interface SecretsManagerTokenSourceOptions {
  readonly secretId: string;
  readonly ttlSeconds?: number;
  readonly minRefreshSeconds?: number;
  readonly client?: SecretsManagerClient;
  readonly now?: () => number;
}

export function secretsManagerTokenSource(options: SecretsManagerTokenSourceOptions): TokenSource {
  const client = options.client ?? new SecretsManagerClient({});
  const ttlMs = (options.ttlSeconds ?? 60) * 1000;
  const minRefreshMs = (options.minRefreshSeconds ?? 5) * 1000;
  const now = options.now ?? Date.now;
  let cached: { document: TokenDocument; fetchedAt: number } | undefined;
  let inFlight: Promise<TokenDocument> | undefined;

  const fetchDocument = (): Promise<TokenDocument> => {
    inFlight ??= (async () => {
      try {
        const output = await client.send(new GetSecretValueCommand({ SecretId: options.secretId }));
        if (output.SecretString === undefined) throw new Error('token secret has no SecretString');
        const document = parseTokenDocument(output.SecretString);
        cached = { document, fetchedAt: now() };
        return document;
      } finally {
        inFlight = undefined;
      }
    })();
    return inFlight;
  };

  return {
    async current() {
      if (cached && now() - cached.fetchedAt < ttlMs) return cached.document;
      return fetchDocument();
    },
    async refresh() {
      if (cached && now() - cached.fetchedAt < minRefreshMs) return cached.document;
      return fetchDocument();
    },
  };
}
