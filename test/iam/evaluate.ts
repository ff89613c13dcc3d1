/**
 * The permission check: every AWS call a function made, evaluated against the
 * IAM policies of the role that function is deployed with and the resource
 * policies that decide it (bucket, topic, queue, key, function policies), as
 * synthesized by the CDK stack.
 *
 *   const calls: AwsCallRecord[] = [];          // filled by recordAwsCalls(...)
 *   await assertPermitted(calls, { ...synthesizeHerald(), environments });
 *
 * `environments` is what each function was given at run time (its environment
 * variables, by function name): matching it against the template's environment
 * resolves names and ARNs, and checks the wiring on the way (template-model.ts).
 *
 * The IAM evaluation is @cloud-copilot/iam-simulate, a maintained simulator of
 * AWS's policy evaluation logic (identity and resource policies, every condition
 * operator, KMS key-policy rules). It is AGPL-3.0: that is acceptable here only
 * because it is a devDependency used by tests and never shipped (no Lambda bundle
 * or published package contains it), so nothing Herald distributes is a
 * derivative work. Do not import it from lib/, functions/, core/ or local/.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import { Template } from 'aws-cdk-lib/assertions';
import { HeraldError } from '../../core/errors';
import type { AwsCallRecord } from '../../functions/shared/aws-call-recorder';
import type { HeraldStack } from '../../lib/herald-stack';
import { type BuildOptions, buildStack } from '../cdk/helpers';
import { type IamRequest, iamRequestsFor, type ResourceFacts } from './requests';
import {
  type CfnTemplate,
  Deployment,
  type PolicyDocument,
  UnsupportedTemplateError,
} from './template-model';

export interface PermissionCheckOptions {
  /** The synthesized template (a CDK assertions Template or its JSON). */
  readonly template: Template | CfnTemplate;
  /** Herald function name (`ingest`, …) → logical id of its AWS::Lambda::Function. */
  readonly functions: Readonly<Record<string, string>>;
  /** The environment variables each function was given at run time, by function name. */
  readonly environments: Readonly<Record<string, Readonly<Record<string, string | undefined>>>>;
  /**
   * Variables whose plain value may differ from the template's (not resource names),
   * e.g. `['WEBSITE_HOOK_URL']` when the local stack points it at its own receiver.
   * @default - none
   */
  readonly settingsThatMayDiffer?: readonly string[];
  /**
   * The verified SES identity `send` sends as (config `sender.sesIdentity`).
   * @default the domain of the sending function's SENDER_FROM
   */
  readonly sesIdentity?: string;
}

export interface PermissionDecision {
  readonly call: AwsCallRecord;
  readonly request: IamRequest;
  /** `Allowed`, `ImplicitlyDenied` or `ExplicitlyDenied`. */
  readonly result: string;
  readonly principal: string;
}

export interface PermissionReport {
  readonly decisions: readonly PermissionDecision[];
  readonly denied: readonly PermissionDecision[];
}

/** At least one call would be refused by AWS. */
export class PermissionDeniedError extends HeraldError {
  override name = 'PermissionDeniedError';
  constructor(readonly denied: readonly PermissionDecision[]) {
    const lines = [...new Set(denied.map(describeDenial))];
    super(`${lines.length} AWS call(s) would be denied as deployed:\n  ${lines.join('\n  ')}`);
  }
}

/** The simulator could not evaluate a request (a malformed policy, an unknown action). */
export class SimulationError extends HeraldError {
  override name = 'SimulationError';
}

/** The Herald stack as the tests synthesize it (bundling skipped), with its function ids. */
export function synthesizeHerald(options: BuildOptions = {}): {
  template: Template;
  functions: Record<string, string>;
  stack: HeraldStack;
} {
  const { stack } = buildStack(options);
  const template = Template.fromStack(stack);
  return { template, functions: functionIds(stack), stack };
}

/** Herald function name → logical id, from the stack object. */
export function functionIds(stack: HeraldStack): Record<string, string> {
  return Object.fromEntries(
    Object.entries(stack.functions).map(([name, fn]) => [
      name,
      stack.resolve((fn.node.defaultChild as unknown as { logicalId: string }).logicalId) as string,
    ]),
  );
}

/**
 * The environment the stack gives each function, resolved with made-up physical
 * names (what a deployment would set): for tests that run handlers the way the
 * stack wires them, and for seeing what a function would be given.
 */
export function deployedEnvironments(
  template: Template | CfnTemplate,
  functions: Readonly<Record<string, string>>,
): Record<string, Record<string, string>> {
  const deployment = new Deployment(toJson(template), { functions, environments: {} });
  return Object.fromEntries(
    Object.entries(functions).map(([name, id]) => {
      const variables =
        (
          deployment.resource(id).Properties?.Environment as
            | { Variables?: Record<string, unknown> }
            | undefined
        )?.Variables ?? {};
      return [
        name,
        Object.fromEntries(
          Object.entries(variables).map(([k, v]) => [k, deployment.resolveString(v)]),
        ),
      ];
    }),
  );
}

function toJson(template: Template | CfnTemplate): CfnTemplate {
  return template instanceof Template ? (template.toJSON() as CfnTemplate) : template;
}

/** Throws PermissionDeniedError naming every call AWS would refuse. */
export async function assertPermitted(
  calls: readonly AwsCallRecord[],
  options: PermissionCheckOptions,
): Promise<PermissionReport> {
  const report = await evaluatePermissions(calls, options);
  if (report.denied.length > 0) throw new PermissionDeniedError(report.denied);
  return report;
}

/** Evaluates every call; never throws for a denial (see `denied`). */
export async function evaluatePermissions(
  calls: readonly AwsCallRecord[],
  options: PermissionCheckOptions,
): Promise<PermissionReport> {
  const unknown = [...new Set(calls.map((c) => c.function))].filter(
    (name) => options.environments[name] === undefined,
  );
  if (unknown.length > 0) {
    throw new SimulationError(
      `give the environment ${unknown.join(', ')} ran with (environments): names and ARNs in the calls are matched through it`,
    );
  }
  const deployment = new Deployment(toJson(options.template), {
    functions: options.functions,
    environments: options.environments,
    ...(options.settingsThatMayDiffer === undefined
      ? {}
      : { settingsThatMayDiffer: options.settingsThatMayDiffer }),
  });
  const checker = new Checker(deployment, options);
  const decisions: PermissionDecision[] = [];
  for (const call of calls) {
    for (const request of iamRequestsFor(call, checker.facts)) {
      decisions.push(await checker.decide(call, request));
    }
  }
  return { decisions, denied: decisions.filter((d) => d.result !== 'Allowed') };
}

function describeDenial(d: PermissionDecision): string {
  const context = d.request.context
    ? ` with ${Object.entries(d.request.context)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}`
    : '';
  const because = d.request.because ? ` (needed because ${d.request.because})` : '';
  return `${d.call.function}: ${d.request.action} on ${d.request.resource}${context} is ${d.result} for ${d.principal}, from ${d.call.service}:${d.call.command}${because}`;
}

interface RoleView {
  roleArn: string;
  principal: string;
  policies: { name: string; policy: PolicyDocument }[];
}

class Checker {
  readonly facts: ResourceFacts;
  private readonly roles = new Map<string, RoleView>();
  private readonly cache = new Map<string, string>();

  constructor(
    private readonly deployment: Deployment,
    private readonly options: PermissionCheckOptions,
  ) {
    const d = deployment;
    this.facts = {
      partition: d.partition,
      region: d.region,
      accountId: d.accountId,
      topicKey: (arn) => {
        const topic = this.find('AWS::SNS::Topic', (id) => d.attribute(id, 'Ref') === arn);
        const key = topic && d.resource(topic).Properties?.KmsMasterKeyId;
        return key === undefined ? undefined : this.keyArn(key);
      },
      queueArn: (url) => {
        const queue = this.find('AWS::SQS::Queue', (id) => d.attribute(id, 'Ref') === url);
        if (queue) return d.attribute(queue, 'Arn');
        // Not one of the stack's queues: name it the way SQS does, so the denial says which.
        const [account, name] = new URL(url).pathname.split('/').filter(Boolean);
        return `arn:${d.partition}:sqs:${d.region}:${account}:${name}`;
      },
      queueKey: (arn) => {
        const queue = this.find('AWS::SQS::Queue', (id) => d.attribute(id, 'Arn') === arn);
        const key = queue && d.resource(queue).Properties?.KmsMasterKeyId;
        return key === undefined ? undefined : this.keyArn(key);
      },
      secretArn: (secretId) => {
        if (secretId.startsWith('arn:')) return secretId;
        const secret = this.find('AWS::SecretsManager::Secret', (id) =>
          d.attribute(id, 'Ref').includes(`:secret:${secretId}`),
        );
        return secret ? d.attribute(secret, 'Ref') : secretId;
      },
      sesIdentity: (call) => {
        if (this.options.sesIdentity) return this.options.sesIdentity;
        const from = this.options.environments[call.function]?.SENDER_FROM;
        const domain = from && /@([^>\s]+)>?\s*$/.exec(from)?.[1];
        if (!domain) {
          throw new SimulationError(
            `${call.function} sent email, but neither sesIdentity nor its SENDER_FROM says as whom`,
          );
        }
        return domain;
      },
    };
  }

  async decide(call: AwsCallRecord, request: IamRequest): Promise<PermissionDecision> {
    const role = this.role(call.function);
    const key = `${call.function}|${request.action}|${request.resource}|${JSON.stringify(request.context ?? {})}`;
    let result = this.cache.get(key);
    if (result === undefined) {
      result = await this.simulate(role, request);
      this.cache.set(key, result);
    }
    return { call, request, result, principal: role.principal };
  }

  private async simulate(role: RoleView, request: IamRequest): Promise<string> {
    const resourcePolicy = this.resourcePolicy(request);
    const response = await runSimulation(
      {
        request: {
          principal: role.principal,
          action: request.action,
          resource: { resource: request.resource, accountId: this.deployment.accountId },
          contextVariables: {
            'aws:SecureTransport': 'true',
            'aws:PrincipalArn': role.roleArn,
            'aws:PrincipalAccount': this.deployment.accountId,
            'aws:RequestedRegion': this.deployment.region,
            ...request.context,
          },
        },
        identityPolicies: role.policies,
        serviceControlPolicies: [],
        resourceControlPolicies: [],
        ...(resourcePolicy === undefined ? {} : { resourcePolicy }),
      },
      {},
    );
    if (response.resultType === 'error') {
      throw new SimulationError(
        `cannot evaluate ${request.action} on ${request.resource}: ${JSON.stringify(response.errors)}`,
      );
    }
    return response.overallResult;
  }

  /** The function's execution role: its ARN, a session principal and every identity policy. */
  private role(functionName: string): RoleView {
    const cached = this.roles.get(functionName);
    if (cached) return cached;
    const d = this.deployment;
    const fnId = this.options.functions[functionName];
    if (fnId === undefined) {
      throw new SimulationError(
        `calls were recorded for "${functionName}", which the stack does not have`,
      );
    }
    const roleRef = d.resource(fnId).Properties?.Role as { 'Fn::GetAtt'?: unknown[] } | undefined;
    const roleId = roleRef?.['Fn::GetAtt']?.[0];
    if (typeof roleId !== 'string') {
      throw new UnsupportedTemplateError(`${fnId}'s role is not a role in this template`);
    }
    const role = d.resource(roleId).Properties ?? {};
    if (role.ManagedPolicyArns !== undefined || role.PermissionsBoundary !== undefined) {
      throw new UnsupportedTemplateError(
        `${roleId} has managed policies or a boundary, which the check cannot read offline`,
      );
    }
    const isThisRole = (roles: unknown) =>
      Array.isArray(roles) &&
      roles.some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }));
    const policies = [
      ...(
        (role.Policies as { PolicyName: string; PolicyDocument: unknown }[] | undefined) ?? []
      ).map((p) => ({ name: p.PolicyName, document: p.PolicyDocument })),
      ...[...d.resourcesOfType('AWS::IAM::Policy'), ...d.resourcesOfType('AWS::IAM::ManagedPolicy')]
        .filter(([, r]) => isThisRole(r.Properties?.Roles))
        .map(([id, r]) => ({ name: id, document: r.Properties?.PolicyDocument })),
    ].map((p) => ({ name: p.name, policy: d.resolve(p.document) as PolicyDocument }));
    const roleArn = d.attribute(roleId, 'Arn');
    const view: RoleView = {
      roleArn,
      principal: `arn:${d.partition}:sts::${d.accountId}:assumed-role/${d.attribute(roleId, 'Ref')}/${d.attribute(fnId, 'Ref')}`,
      policies,
    };
    this.roles.set(functionName, view);
    return view;
  }

  /** The resource policy that takes part in this request's decision, if the resource has one. */
  private resourcePolicy(request: IamRequest): PolicyDocument | undefined {
    const d = this.deployment;
    const [, , service, , , rest = ''] =
      /^arn:([^:]+):([^:]+):([^:]*):([^:]*):(.*)$/.exec(request.resource) ?? [];
    const statements = (
      type: string,
      matches: (properties: Readonly<Record<string, unknown>>) => boolean,
      documentOf: (properties: Readonly<Record<string, unknown>>) => unknown = (p) =>
        p.PolicyDocument,
    ): PolicyDocument | undefined => {
      const found = d
        .resourcesOfType(type)
        .filter(([, r]) => matches(r.Properties ?? {}))
        .flatMap(
          ([, r]) => (d.resolve(documentOf(r.Properties ?? {})) as PolicyDocument).Statement,
        );
      return found.length === 0 ? undefined : { Version: '2012-10-17', Statement: found };
    };
    const has = (list: unknown, value: string) =>
      Array.isArray(d.resolve(list)) && (d.resolve(list) as unknown[]).includes(value);
    switch (service) {
      case 's3': {
        const bucket = rest.split('/')[0] ?? '';
        return statements('AWS::S3::BucketPolicy', (p) => d.resolve(p.Bucket) === bucket);
      }
      case 'sns':
        return statements('AWS::SNS::TopicPolicy', (p) => has(p.Topics, request.resource));
      case 'sqs': {
        const queue = this.find(
          'AWS::SQS::Queue',
          (id) => d.attribute(id, 'Arn') === request.resource,
        );
        if (queue === undefined) return undefined;
        const url = d.attribute(queue, 'Ref');
        return statements('AWS::SQS::QueuePolicy', (p) => has(p.Queues, url));
      }
      case 'kms':
        return this.keyPolicy(request.resource);
      case 'lambda':
        return this.functionPolicy(request.resource);
      case 'secretsmanager':
        return statements(
          'AWS::SecretsManager::ResourcePolicy',
          (p) => d.resolve(p.SecretId) === request.resource,
          (p) => p.ResourcePolicy,
        );
      default:
        return undefined;
    }
  }

  private keyPolicy(keyArn: string): PolicyDocument | undefined {
    const d = this.deployment;
    const key = this.find('AWS::KMS::Key', (id) => d.attribute(id, 'Arn') === keyArn);
    return key === undefined
      ? undefined
      : (d.resolve(d.resource(key).Properties?.KeyPolicy) as PolicyDocument);
  }

  /** AWS::Lambda::Permission resources as the function policy Lambda would build from them. */
  private functionPolicy(functionArn: string): PolicyDocument | undefined {
    const d = this.deployment;
    const statements = d
      .resourcesOfType('AWS::Lambda::Permission')
      .filter(([, r]) => {
        const target = d.resolveString(r.Properties?.FunctionName);
        return target === functionArn || functionArn.endsWith(`:function:${target}`);
      })
      .map(([id, r]) => {
        const p = r.Properties ?? {};
        const principal = d.resolveString(p.Principal);
        const conditions: Record<string, Record<string, string>> = {};
        if (p.SourceArn !== undefined) {
          conditions.ArnLike = { 'aws:SourceArn': d.resolveString(p.SourceArn) };
        }
        if (p.SourceAccount !== undefined) {
          conditions.StringEquals = { 'aws:SourceAccount': d.resolveString(p.SourceAccount) };
        }
        return {
          Sid: id,
          Effect: 'Allow',
          Principal: principal.endsWith('.amazonaws.com')
            ? { Service: principal }
            : { AWS: principal },
          Action: d.resolveString(p.Action),
          Resource: functionArn,
          ...(Object.keys(conditions).length > 0 ? { Condition: conditions } : {}),
        };
      });
    return statements.length === 0 ? undefined : { Version: '2012-10-17', Statement: statements };
  }

  private keyArn(key: unknown): string {
    const resolved = this.deployment.resolveString(key);
    if (resolved.startsWith('arn:')) return resolved;
    return `arn:${this.deployment.partition}:kms:${this.deployment.region}:${this.deployment.accountId}:key/${resolved}`;
  }

  private find(type: string, matches: (logicalId: string) => boolean): string | undefined {
    return this.deployment.resourcesOfType(type).find(([id]) => matches(id))?.[0];
  }
}
