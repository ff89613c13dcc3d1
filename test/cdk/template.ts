/**
 * Small readers over a synthesized template, so the tests can state intent
 * ("send may publish to no topic") instead of matching whole resources.
 */
import { Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

export type Json = Record<string, unknown>;

export interface CfnResource {
  Type: string;
  Properties?: Json;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface PolicyStatementJson {
  Effect: 'Allow' | 'Deny';
  Action: string | string[];
  Resource?: unknown;
  Principal?: unknown;
  Condition?: Json;
  Sid?: string;
}

export function resources(template: Template): Record<string, CfnResource> {
  return (template.toJSON() as { Resources: Record<string, CfnResource> }).Resources;
}

export function resourcesOfType(template: Template, type: string): [string, CfnResource][] {
  return Object.entries(resources(template)).filter(([, r]) => r.Type === type);
}

/** The logical id CloudFormation sees for a construct's default resource. */
export function logicalId(construct: IConstruct): string {
  const child = construct.node.defaultChild ?? construct;
  return Stack.of(construct).resolve(
    (child as unknown as { logicalId: string }).logicalId,
  ) as string;
}

export function actions(statement: PolicyStatementJson): string[] {
  return Array.isArray(statement.Action) ? statement.Action : [statement.Action];
}

export function resourceList(statement: PolicyStatementJson): unknown[] {
  if (statement.Resource === undefined) return [];
  return Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
}

function policyStatements(r: CfnResource): PolicyStatementJson[] {
  const document = r.Properties?.PolicyDocument as
    | { Statement?: PolicyStatementJson[] }
    | undefined;
  return document?.Statement ?? [];
}

/** Every identity-policy statement attached to the role with this logical id. */
export function roleStatements(template: Template, roleLogicalId: string): PolicyStatementJson[] {
  return resourcesOfType(template, 'AWS::IAM::Policy')
    .filter(([, r]) =>
      ((r.Properties?.Roles as unknown[] | undefined) ?? []).some(
        (role) => JSON.stringify(role) === JSON.stringify({ Ref: roleLogicalId }),
      ),
    )
    .flatMap(([, r]) => policyStatements(r));
}

/** Every identity-policy statement in the template (any role). */
export function allIdentityStatements(template: Template): PolicyStatementJson[] {
  return resourcesOfType(template, 'AWS::IAM::Policy').flatMap(([, r]) => policyStatements(r));
}

export const ref = (id: string): Json => ({ Ref: id });
export const arnOf = (id: string): Json => ({ 'Fn::GetAtt': [id, 'Arn'] });

/** `<bucket ARN>/<prefix>*` as CDK renders `bucket.arnForObjects`. */
export function objectsArn(bucketId: string, prefix: string): Json {
  return { 'Fn::Join': ['', [arnOf(bucketId), `/${prefix}*`]] };
}
