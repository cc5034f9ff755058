/**
 * Optional WAF in front of the API stage: AWS managed rule groups (common exploits, known bad
 * inputs, IP reputation) and a per-IP rate-based rule. Okta and Entra call from a few
 * addresses, so the rate limit is per source IP and generous; the stage throttle remains the
 * overall limit.
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
}

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
      rules: [
        managed('AWSManagedRulesCommonRuleSet', 0, ['SizeRestrictions_BODY']),
        managed('AWSManagedRulesKnownBadInputsRuleSet', 1),
        managed('AWSManagedRulesAmazonIpReputationList', 2),
        {
          name: 'RatePerIp',
          priority: 3,
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
