/**
 * Small readers over a synthesized template, shared by the infra tests: which API path a
 * Method is on, which function an integration calls, which IAM statements a role carries.
 * Hand-written because aws-cdk-lib/assertions matches shapes but cannot follow references
 * (Method → Resource → parent Resource, Policy → Role).
 */
import type { Template } from 'aws-cdk-lib/assertions';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface Statement {
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: unknown;
}

export function resources(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(template.findResources(type) as Record<string, CfnResource>);
}

/** Full path of every AWS::ApiGateway::Resource, e.g. `/scim/v2/Users/{id}`. */
function resourcePaths(template: Template): Map<string, string> {
  const all = new Map(resources(template, 'AWS::ApiGateway::Resource'));
  const paths = new Map<string, string>();
  const pathOf = (id: string): string => {
    const known = paths.get(id);
    if (known !== undefined) return known;
    const props = all.get(id)?.Properties ?? {};
    const parent = props.ParentId as { Ref?: string } | undefined;
    const prefix = parent?.Ref ? pathOf(parent.Ref) : '';
    const path = `${prefix}/${String(props.PathPart)}`;
    paths.set(id, path);
    return path;
  };
  for (const id of all.keys()) pathOf(id);
  return paths;
}

/** The logical id of the Lambda function an AWS_PROXY integration URI invokes. */
function integrationFunction(method: CfnResource): string | undefined {
  const uri = JSON.stringify((method.Properties?.Integration as { Uri?: unknown } | undefined)?.Uri ?? null);
  return /"Fn::GetAtt":\["([^"]+)","Arn"\]/.exec(uri)?.[1];
}

export interface RouteMethod {
  readonly path: string;
  readonly httpMethod: string;
  readonly functionId: string | undefined;
  readonly integrationType: unknown;
}

export function routeMethods(template: Template): RouteMethod[] {
  const paths = resourcePaths(template);
  return resources(template, 'AWS::ApiGateway::Method').map(([, method]) => {
    const resourceRef = (method.Properties?.ResourceId as { Ref?: string } | undefined)?.Ref;
    return {
      path: (resourceRef && paths.get(resourceRef)) || '/',
      httpMethod: String(method.Properties?.HttpMethod),
      functionId: integrationFunction(method),
      integrationType: (method.Properties?.Integration as { Type?: unknown } | undefined)?.Type,
    };
  });
}

/** Every statement of every AWS::IAM::Policy attached to the role. */
export function roleStatements(template: Template, roleId: string): Statement[] {
  return resources(template, 'AWS::IAM::Policy')
    .filter(([, policy]) =>
      ((policy.Properties?.Roles as { Ref?: string }[] | undefined) ?? []).some((r) => r.Ref === roleId),
    )
    .flatMap(([, policy]) => policyStatements(policy));
}

/** The statements of one AWS::IAM::Policy resource. */
export function policyStatements(policy: CfnResource): Statement[] {
  const document = policy.Properties?.PolicyDocument as { Statement?: Statement[] } | undefined;
  return document?.Statement ?? [];
}

export const actionsOf = (statement: Statement): string[] =>
  Array.isArray(statement.Action) ? statement.Action : [statement.Action];

export const resourcesOf = (statement: Statement): unknown[] =>
  Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
