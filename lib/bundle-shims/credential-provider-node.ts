/**
 * Stands in for `@aws-sdk/credential-provider-node` in the deployed bundles only: lib/bundling.ts
 * aliases that package to this module at esbuild time. The local server, the tests and the CLIs
 * run from source (tsx, jest) and keep the SDK's full default chain.
 *
 * `defaultProvider(init)` keeps the SDK's name and call shape and reads only the environment
 * (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN); without them it fails saying
 * so and why.
 *
 * Why the environment is the whole chain in Lambda: docs/DECISIONS.md.
 */
import { type FromEnvInit, fromEnv } from '@aws-sdk/credential-provider-env';

/** The SDK's credential provider type, taken from fromEnv so no other package is named. */
type CredentialProvider = ReturnType<typeof fromEnv>;

export const MISSING_ENV_CREDENTIALS =
  'No AWS credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY). This bundle ' +
  'reads credentials from the environment only, as AWS Lambda provides them; the SDK default ' +
  'chain (profiles, SSO, IMDS…) was left out at bundle time (lib/bundling.ts).';

export class MissingEnvCredentialsError extends Error {
  override readonly name = 'MissingEnvCredentialsError';
}

export function defaultProvider(init: FromEnvInit = {}): CredentialProvider {
  const fromEnvironment = fromEnv(init);
  return async (identityProperties) => {
    try {
      return await fromEnvironment(identityProperties);
    } catch (cause) {
      throw new MissingEnvCredentialsError(MISSING_ENV_CREDENTIALS, { cause });
    }
  };
}
