/**
 * cdk-nag v3 acknowledgements. v3 reads CDK's own `Validations.of(c).acknowledge`
 * metadata (there is no `NagSuppressions` any more) and wants every finding of a
 * multi-finding rule (IAM5) acknowledged on its own, e.g.
 * `AwsSolutions-IAM5[Action::kms:GenerateDataKey*]`. These helpers keep the
 * finding strings in one place so each call site only states its reason.
 */
import { type CfnElement, Stack, Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** Acknowledges each rule id (or finding id) on `scope` and everything below it. */
export function acknowledge(scope: IConstruct, ids: readonly string[], reason: string): void {
  for (const id of ids) Validations.of(scope).acknowledge({ id, reason });
}

/** The IAM5 finding id for a wildcard action, e.g. `kms:GenerateDataKey*`. */
export function wildcardAction(action: string): string {
  return `AwsSolutions-IAM5[Action::${action}]`;
}

/**
 * The IAM5 finding id for a wildcard resource under a resource's ARN, e.g.
 * `<StatementsBucket1234.Arn>/incoming/*` (cdk-nag prints GetAtt as `<LogicalId.Arn>`).
 */
export function wildcardResource(resource: CfnElement, suffix: string): string {
  const logicalId = Stack.of(resource).resolve(resource.logicalId) as string;
  return `AwsSolutions-IAM5[Resource::<${logicalId}.Arn>${suffix}]`;
}

/** The IAM5 finding id for a literal wildcard resource such as `*`. */
export function wildcardLiteral(resource: string): string {
  return `AwsSolutions-IAM5[Resource::${resource}]`;
}

/**
 * Renders a resolved `Fn::Join` ARN the way cdk-nag prints it in finding ids:
 * pseudo parameters as `<AWS::Region>`, GetAtt as `<LogicalId.Attr>`, Ref as `<LogicalId>`.
 */
export function nagArn(resolved: unknown): string {
  if (typeof resolved === 'string') return resolved;
  if (isRecord(resolved)) {
    const join = resolved['Fn::Join'];
    if (Array.isArray(join) && Array.isArray(join[1])) {
      return (join[1] as unknown[]).map(nagArn).join(String(join[0]));
    }
    const ref = resolved.Ref;
    if (typeof ref === 'string') return `<${ref}>`;
    const getAtt = resolved['Fn::GetAtt'];
    if (Array.isArray(getAtt)) return `<${getAtt.join('.')}>`;
  }
  throw new Error(`Cannot render ${JSON.stringify(resolved)} as a cdk-nag finding`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
