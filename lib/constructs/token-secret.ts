/**
 * The Secrets Manager secret that holds token hashes ({"tokens":[…]}, see
 * lambdas/auth/token-document.ts). It is created empty; `npm run token -- create` adds records.
 * Only hashes are stored, so the secret is not a credential by itself: rotation is done per
 * token by the CLI (create new, switch the IdP, revoke old), not by a rotation Lambda.
 */
import { RemovalPolicy, SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

export const EMPTY_TOKEN_DOCUMENT = '{"tokens":[]}';

export interface TokenSecretProps {
  /** Default RETAIN: deleting the stack must not lock every IdP out of a retained table. */
  readonly removalPolicy?: RemovalPolicy;
}

export class TokenSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string, props: TokenSecretProps = {}) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'SCIM bearer token hashes (SHA-256) per tenant; managed with npm run token',
      // A fixed, non-sensitive initial value: an empty token list. Nothing secret is in the template.
      secretStringValue: SecretValue.unsafePlainText(EMPTY_TOKEN_DOCUMENT),
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The secret holds SHA-256 hashes of bearer tokens, not a credential. Tokens are rotated one by one with the token CLI (create, switch the IdP, revoke), which a Secrets Manager rotation function cannot do: it cannot reach the IdP.',
    });
  }
}
