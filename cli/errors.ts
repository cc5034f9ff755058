/**
 * Errors the token CLI reports to its user: one line, no stack, an exit code that scripts can
 * branch on (2 = the command line is wrong, 1 = the operation failed).
 */
export class CliError extends Error {
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

export const usageError = (message: string): CliError => new CliError(message, 2);

/**
 * Turns an AWS SDK error into a sentence naming what to fix. `what` says which resource the call
 * was about ("secret scim/tokens", "stack ScimStack").
 */
export function describeAwsError(error: unknown, what: string): CliError {
  if (error instanceof CliError) return error;
  const name = error instanceof Error ? error.name : 'UnknownError';
  const message = error instanceof Error ? error.message : String(error);
  if (/region is missing/i.test(message)) {
    return new CliError('no AWS region: set AWS_REGION (or AWS_PROFILE with a region) or pass --region');
  }
  switch (name) {
    case 'ResourceNotFoundException':
      return new CliError(`${what} was not found (check the id, region and account): ${message}`);
    case 'AccessDeniedException':
    case 'AccessDenied':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'ExpiredTokenException':
      return new CliError(`no permission to use ${what} with these AWS credentials: ${message}`);
    case 'CredentialsProviderError':
      return new CliError(
        `no AWS credentials found (set AWS_PROFILE or the AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY variables): ${message}`,
      );
    case 'DecryptionFailure':
      return new CliError(`${what} cannot be decrypted with its KMS key by these credentials: ${message}`);
    default:
      return new CliError(`${what}: ${name}: ${message}`);
  }
}
