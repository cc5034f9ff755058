import { randomUUID } from 'node:crypto';

process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
process.env.AWS_REGION ??= 'us-east-1';
// aws-cdk-lib's built-in CloudFormation validation (a WebAssembly engine) costs about 12 s of CPU
// the first time each test process synthesizes, and only reports warnings; the stack test lints
// the synthesized template with cfn-lint instead, which fails on warnings too.
process.env.CDK_VALIDATION ??= 'false';
// One DynamoDB Local database per test file: test JVMs run without -sharedDb, and every local
// client reads its access key from here (localDynamoCredentials in lambdas/store/client.ts).
// DynamoDB Local accepts letters and digits only in an access key.
process.env.DYNAMODB_LOCAL_ACCESS_KEY_ID = `file${randomUUID().replaceAll('-', '')}`;
