/**
 * Optional WAF in front of the API stage: AWS managed rule groups (common exploits, known bad
 * inputs, IP reputation), one rate-based rule for all requests without a well-formed token
 * together (docs/FAIRNESS.md: they are answered 429 long before they could use up the stage
 * throttle tenants need) and a per-IP one. Okta and Entra call from a few addresses, so the
 * per-IP limit is generous; the stage throttle remains the overall limit.
 *
 * The common rule set's SizeRestrictions_BODY rule blocks bodies over 8 KB; a full PUT of a
 * large group (Okta Group Push) is legitimately bigger, so that one rule only counts. The
 * handler enforces SCIM's own body limit (413).
 */
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import { Construct } from 'constructs';

export interface ScimWafProps {
  /** ARN of the API stage to protect. */
  readonly stageArn: string;
  /** Requests per 5 minutes per source IP before blocking; default 10 000. */
  readonly rateLimitPer5Minutes?: number;
  /** Requests per minute without a well-formed token, all callers together; default 600 (10/s). */
  readonly withoutTokenPerMinute?: number;
}

/** Requests per minute without a well-formed token, all callers together (a fifth of the stage's 50/s). */
export const WITHOUT_TOKEN_PER_MINUTE = 600;

/**
 * An Authorization header holding a well-formed token (lambdas/auth/token-format.ts): `Bearer `
 * (any case, hence the lower-casing) or nothing, then `scim_`, 43 base64url characters, `_` and
 * 7 base36 characters. Lower-cased, the token's body matches [a-z0-9_-]. The checksum cannot be
 * checked here; the authorizer checks it, and the token.
 */
export const WELL_FORMED_TOKEN_HEADER = '^(bearer[ \\t]+)?scim_[a-z0-9_-]{43}_[0-9a-z]{7}[ \\t]*$';

const THROTTLED_BODY = 'throttled';

export class ScimWaf extends Construct {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: ScimWafProps) {
    super(scope, id);
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managed = (
      name: string,
      priority: number,
      countOnly: readonly string[] = [],
    ): wafv2.CfnWebACL.RuleProperty => ({
      name,
      priority,
      overrideAction: { none: {} },
      statement: {
        managedRuleGroupStatement: {
          vendorName: 'AWS',
          name,
          ...(countOnly.length > 0
            ? { ruleActionOverrides: countOnly.map((rule) => ({ name: rule, actionToUse: { count: {} } })) }
            : {}),
        },
      },
      visibilityConfig: visibility(name),
    });
    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      scope: 'REGIONAL',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('scim-waf'),
      customResponseBodies: {
        [THROTTLED_BODY]: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
            status: '429',
            detail: 'Too Many Requests',
          }),
        },
      },
      rules: [
        managed('AWSManagedRulesCommonRuleSet', 0, ['SizeRestrictions_BODY']),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 1),
        managed('AWSManagedRulesAmazonIpReputationList', 2),
        {
          name: 'RateWithoutToken',
          priority: 3,
          action: {
            block: {
              customResponse: {
                responseCode: 429,
                customResponseBodyKey: THROTTLED_BODY,
                responseHeaders: [{ name: 'Retry-After', value: '60' }],
              },
            },
          },
          statement: {
            rateBasedStatement: {
              limit: props.withoutTokenPerMinute ?? WITHOUT_TOKEN_PER_MINUTE,
              evaluationWindowSec: 60,
              // One count for all of them: however many addresses a flood comes from, it gets this much.
              aggregateKeyType: 'CONSTANT',
              scopeDownStatement: {
                notStatement: {
                  statement: {
                    regexMatchStatement: {
                      regexString: WELL_FORMED_TOKEN_HEADER,
                      fieldToMatch: { singleHeader: { Name: 'authorization' } },
                      textTransformations: [{ priority: 0, type: 'LOWERCASE' }],
                    },
                  },
                },
              },
            },
          },
          visibilityConfig: visibility('scim-rate-without-token'),
        },
        {
          name: 'RatePerIp',
          priority: 4,
          action: { block: {} },
          statement: {
            rateBasedStatement: { limit: props.rateLimitPer5Minutes ?? 10_000, aggregateKeyType: 'IP' },
          },
          visibilityConfig: visibility('scim-rate-per-ip'),
        },
      ],
    });
    new wafv2.CfnWebACLAssociation(this, 'Association', {
      resourceArn: props.stageArn,
      webAclArn: this.webAcl.attrArn,
    });
  }
}
