/**
 * The stack's dead-letter queues (the stream functions' on-failure destinations and the
 * webhook deliveries' redrive target): SQS-managed encryption, TLS only, 14 days to look and
 * redrive. Such a queue has no dead-letter queue of its own; the caller says why in `reason`,
 * which acknowledges the two cdk-nag findings about it.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

export function deadLetterQueue(scope: Construct, id: string, reason: string): sqs.Queue {
  const queue = new sqs.Queue(scope, id, {
    encryption: sqs.QueueEncryption.SQS_MANAGED,
    enforceSSL: true,
    retentionPeriod: Duration.days(14),
  });
  for (const rule of ['AwsSolutions-SQS3', 'Serverless-SQSRedrivePolicy']) {
    Validations.of(queue).acknowledge({ id: rule, reason });
  }
  return queue;
}
