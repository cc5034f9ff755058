/**
 * An in-memory Secrets Manager behind aws-sdk-client-mock, with the version and staging-label
 * rules the token CLI depends on: PutSecretValue with custom stages leaves AWSCURRENT alone (the
 * first version of a secret gets AWSCURRENT anyway), UpdateSecretVersionStage fails when
 * RemoveFromVersionId does not hold the label, moving AWSCURRENT attaches AWSPREVIOUS to the old
 * version, and ClientRequestToken makes a put idempotent. Tests can inject failures and pause
 * calls to force interleavings of concurrent writers.
 */
import { randomUUID } from 'node:crypto';
import {
  DescribeSecretCommand,
  GetSecretValueCommand,
  InvalidParameterException,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
  SecretsManagerServiceException,
  UpdateSecretVersionStageCommand,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { type ReadSecret, SecretReadError } from '../../../lambdas/auth/secret-reader';

interface Version {
  readonly text: string;
  readonly stages: Set<string>;
}

interface Secret {
  readonly name: string;
  readonly arn: string;
  readonly versions: Map<string, Version>;
}

type CommandName = 'GetSecretValue' | 'PutSecretValue' | 'UpdateSecretVersionStage' | 'DescribeSecret';

export function awsError(name: string, message = name, httpStatusCode = 400): SecretsManagerServiceException {
  return new SecretsManagerServiceException({
    name,
    $fault: 'client',
    $metadata: { httpStatusCode },
    message,
  });
}

export class FakeSecretsManager {
  readonly client = new SecretsManagerClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  readonly calls: CommandName[] = [];
  private readonly secrets = new Map<string, Secret>();
  private readonly failures: Array<{ command: CommandName; error: Error }> = [];
  /** Awaited before each call of the command completes (to interleave concurrent writers). */
  readonly hooks: Partial<Record<CommandName, () => Promise<void>>> = {};

  /**
   * The Lambda's read of a secret (lambdas/auth/secret-reader.ts) served by this fake: an SDK
   * error becomes a SecretReadError with the same name and status, as the real reader raises.
   */
  readonly readSecret: ReadSecret = async (secretId, versionStage) => {
    try {
      const output = await this.client.send(
        new GetSecretValueCommand({ SecretId: secretId, VersionStage: versionStage }),
      );
      return output.SecretString;
    } catch (error) {
      if (!(error instanceof SecretsManagerServiceException)) throw error;
      throw new SecretReadError(error.name, error.message, error.$metadata.httpStatusCode);
    }
  };

  constructor() {
    const mock = mockClient(this.client);
    mock.on(GetSecretValueCommand).callsFake((input) => this.call('GetSecretValue', () => this.get(input)));
    mock.on(PutSecretValueCommand).callsFake((input) => this.call('PutSecretValue', () => this.put(input)));
    mock
      .on(UpdateSecretVersionStageCommand)
      .callsFake((input) => this.call('UpdateSecretVersionStage', () => this.updateStage(input)));
    mock
      .on(DescribeSecretCommand)
      .callsFake((input) => this.call('DescribeSecret', () => this.describe(input)));
  }

  /** Creates a secret, optionally with a first (AWSCURRENT) value. Returns its ARN. */
  createSecret(name: string, text?: string): string {
    const arn = `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}-AbCdEf`;
    const secret: Secret = { name, arn, versions: new Map() };
    if (text !== undefined) secret.versions.set(randomUUID(), { text, stages: new Set(['AWSCURRENT']) });
    this.secrets.set(name, secret);
    return arn;
  }

  /** The AWSCURRENT value, or undefined. */
  currentText(name: string): string | undefined {
    const secret = this.secrets.get(name);
    if (!secret) return undefined;
    return [...secret.versions.values()].find((v) => v.stages.has('AWSCURRENT'))?.text;
  }

  labels(name: string): string[][] {
    return [...(this.secrets.get(name)?.versions.values() ?? [])].map((v) => [...v.stages]);
  }

  failNext(command: CommandName, error: Error): void {
    this.failures.push({ command, error });
  }

  private async call<T>(command: CommandName, run: () => T): Promise<T> {
    this.calls.push(command);
    await this.hooks[command]?.();
    const index = this.failures.findIndex((f) => f.command === command);
    if (index >= 0) {
      const [failure] = this.failures.splice(index, 1);
      throw failure!.error;
    }
    return run();
  }

  private find(id: string | undefined): Secret {
    const secret = [...this.secrets.values()].find((s) => s.name === id || s.arn === id);
    if (!secret) {
      throw new ResourceNotFoundException({
        $metadata: {},
        message: "Secrets Manager can't find the specified secret.",
      });
    }
    return secret;
  }

  private get(input: { SecretId?: string; VersionId?: string; VersionStage?: string }) {
    const secret = this.find(input.SecretId);
    const stage = input.VersionStage ?? (input.VersionId ? undefined : 'AWSCURRENT');
    const entry = [...secret.versions].find(
      ([id, v]) =>
        (input.VersionId === undefined || id === input.VersionId) && (!stage || v.stages.has(stage)),
    );
    if (!entry) {
      throw new ResourceNotFoundException({
        $metadata: {},
        message: "Secrets Manager can't find the specified secret value for staging label: AWSCURRENT",
      });
    }
    const [versionId, version] = entry;
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: versionId,
      SecretString: version.text,
      VersionStages: [...version.stages],
    };
  }

  private put(input: {
    SecretId?: string;
    ClientRequestToken?: string;
    SecretString?: string;
    VersionStages?: string[];
  }) {
    const secret = this.find(input.SecretId);
    const versionId = input.ClientRequestToken ?? randomUUID();
    const existing = secret.versions.get(versionId);
    if (existing) {
      if (existing.text !== input.SecretString) {
        throw awsError('ResourceExistsException', 'A version with this ClientRequestToken already exists');
      }
      return {
        ARN: secret.arn,
        Name: secret.name,
        VersionId: versionId,
        VersionStages: [...existing.stages],
      };
    }
    const stages = input.VersionStages ?? ['AWSCURRENT'];
    const first = secret.versions.size === 0;
    for (const stage of stages) this.detach(secret, stage);
    const labels = new Set(stages);
    if (first) labels.add('AWSCURRENT');
    if (labels.has('AWSCURRENT') && !first) this.markPrevious(secret);
    secret.versions.set(versionId, { text: input.SecretString ?? '', stages: labels });
    return { ARN: secret.arn, Name: secret.name, VersionId: versionId, VersionStages: [...labels] };
  }

  private updateStage(input: {
    SecretId?: string;
    VersionStage?: string;
    RemoveFromVersionId?: string;
    MoveToVersionId?: string;
  }) {
    const secret = this.find(input.SecretId);
    const stage = input.VersionStage ?? '';
    const holder = [...secret.versions].find(([, v]) => v.stages.has(stage))?.[0];
    if (holder !== undefined && holder !== input.MoveToVersionId && holder !== input.RemoveFromVersionId) {
      throw new InvalidParameterException({
        $metadata: {},
        message: `Staging label ${stage} is currently attached to version ${holder}, so you must explicitly reference that version in RemoveFromVersionId.`,
      });
    }
    if (input.RemoveFromVersionId !== undefined) {
      const from = secret.versions.get(input.RemoveFromVersionId);
      if (!from?.stages.has(stage)) {
        throw new InvalidParameterException({
          $metadata: {},
          message: `Version stage ${stage} not found in version ${input.RemoveFromVersionId}`,
        });
      }
    }
    if (input.MoveToVersionId !== undefined) {
      const to = secret.versions.get(input.MoveToVersionId);
      if (!to) throw new InvalidParameterException({ $metadata: {}, message: 'Not a valid version' });
      if (stage === 'AWSCURRENT' && holder !== input.MoveToVersionId) this.markPrevious(secret);
      this.detach(secret, stage);
      to.stages.add(stage);
      if (stage === 'AWSCURRENT') to.stages.delete('AWSPREVIOUS');
    } else if (input.RemoveFromVersionId !== undefined) {
      secret.versions.get(input.RemoveFromVersionId)?.stages.delete(stage);
    }
    return { ARN: secret.arn, Name: secret.name };
  }

  private describe(input: { SecretId?: string }) {
    const secret = this.find(input.SecretId);
    const VersionIdsToStages: Record<string, string[]> = {};
    for (const [id, v] of secret.versions) VersionIdsToStages[id] = [...v.stages];
    return { ARN: secret.arn, Name: secret.name, VersionIdsToStages };
  }

  private detach(secret: Secret, stage: string): void {
    for (const v of secret.versions.values()) v.stages.delete(stage);
  }

  private markPrevious(secret: Secret): void {
    this.detach(secret, 'AWSPREVIOUS');
    for (const v of secret.versions.values()) if (v.stages.has('AWSCURRENT')) v.stages.add('AWSPREVIOUS');
  }
}
