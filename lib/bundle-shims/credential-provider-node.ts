/**
 * Stands in for `@aws-sdk/credential-provider-node` in the deployed bundles only: lib/bundling.ts
 * aliases that package to this module at esbuild time. The local server, the tests and the CLIs
 * run from source (tsx, jest) and keep the SDK's full default chain.
 *
 * Why: every SDK client imports `defaultProvider` from the default chain, which drags in the SSO,
 * ini-file, process, web-identity, login, container and IMDS providers plus the STS, SSO and
 * sign-in clients they call — about a third of a handler bundle, parsed at every cold start. A
 * Lambda function never needs them: the runtime puts the execution role's credentials in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN before INIT and they last for the
 * life of the execution environment, so the environment provider is the whole chain there.
 *
 * The export keeps the name and call shape the SDK clients use (`defaultProvider(init)` returning
 * a credential provider). When the environment holds no credentials (a bundle run outside
 * Lambda), the error says so and why, instead of the SDK's generic "could not load credentials".
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
