/**
 * Which secret the CLI works on: `--secret-id`, else the `TokenSecretArn` output of the stack
 * named by `--stack` (the CDK stack declares that output), else SCIM_TOKEN_SECRET_ID.
 */
import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CliError, describeAwsError, usageError } from './errors';

export const STACK_OUTPUT_KEY = 'TokenSecretArn';
export const SECRET_ID_ENV = 'SCIM_TOKEN_SECRET_ID';

export async function resolveSecretId(input: {
  secretId?: string;
  stack?: string;
  env: NodeJS.ProcessEnv;
  cloudFormation: () => CloudFormationClient;
}): Promise<string> {
  if (input.secretId !== undefined && input.stack !== undefined) {
    throw usageError('give either --secret-id or --stack, not both');
  }
  if (input.secretId !== undefined) {
    if (input.secretId.trim() === '') throw usageError('--secret-id is empty');
    return input.secretId;
  }
  if (input.stack !== undefined) return secretFromStack(input.stack, input.cloudFormation());
  const fromEnv = input.env[SECRET_ID_ENV];
  if (fromEnv) return fromEnv;
  throw usageError(
    `say which token store to use: --secret-id <arn|name>, --stack <stack name>, ${SECRET_ID_ENV}, or --local`,
  );
}

async function secretFromStack(stack: string, client: CloudFormationClient): Promise<string> {
  let outputs: Array<{ OutputKey?: string; OutputValue?: string }> | undefined;
  try {
    const described = await client.send(new DescribeStacksCommand({ StackName: stack }));
    outputs = described.Stacks?.[0]?.Outputs;
  } catch (error) {
    // CloudFormation answers a missing stack with a generic ValidationError.
    if (error instanceof Error && error.name === 'ValidationError' && /does not exist/i.test(error.message)) {
      throw new CliError(`stack ${stack} was not found (check the name, region and account)`);
    }
    throw describeAwsError(error, `stack ${stack}`);
  }
  const value = outputs?.find((o) => o.OutputKey === STACK_OUTPUT_KEY)?.OutputValue;
  if (!value) throw new CliError(`stack ${stack} has no ${STACK_OUTPUT_KEY} output; is it the SCIM stack?`);
  return value;
}
