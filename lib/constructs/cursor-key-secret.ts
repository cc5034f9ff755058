/**
 * The HMAC key that signs RFC 9865 cursors: a random value Secrets Manager generates at
 * deploy time (never in the template), read by the users and groups functions only. Rotating
 * it is putting a new random value (`aws secretsmanager put-secret-value`, or `rotate-secret`
 * with a rotation function); the old value becomes AWSPREVIOUS, which still verifies, so
 * cursors survive a rotation (docs/ROOT-SEARCH.md, Cursor keys).
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export class CursorKeySecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'HMAC key signing SCIM paging cursors (RFC 9865); generated, never in the template',
      generateSecretString: { passwordLength: 64, excludePunctuation: true, includeSpace: false },
      // A lost key only invalidates cursors younger than an hour: nothing to retain.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The key only signs paging cursors, which expire after an hour and grant no access. It is rotated by putting a new random value; the functions verify with the current and the previous value, so no rotation function is needed.',
    });
  }
}
