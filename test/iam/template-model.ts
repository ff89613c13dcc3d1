/**
 * A synthesized CloudFormation template with concrete values: every `Ref`,
 * `Fn::GetAtt`, `Fn::Join`, `Fn::Sub`, `Fn::Select`, `Fn::Split` and pseudo
 * parameter resolved to the string it would be in one deployment.
 *
 * The values come from the environment each function was given at run time:
 * the template says `BUCKET_NAME: {Ref: StatementsBucket…}`, the function was
 * given `BUCKET_NAME=herald-bucket`, so in this deployment that bucket is
 * `herald-bucket` and its ARN `arn:aws:s3:::herald-bucket`. Matching them is
 * also the wiring check: a variable the stack does not set, a literal that
 * differs, or two functions given different names for one resource throw a
 * WiringError. Resources no function was told about get made-up names.
 *
 * Hand-written (no library resolves intrinsics offline against run-time values);
 * only the intrinsics and resource types Herald's template uses are modelled,
 * and anything else throws so the check never guesses.
 */
import { HeraldError } from '../../core/errors';

export interface CfnResource {
  readonly Type: string;
  readonly Properties?: Readonly<Record<string, unknown>>;
}

export interface CfnTemplate {
  readonly Resources: Readonly<Record<string, CfnResource>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement: Record<string, unknown>[];
}

/** The environment a function was given does not match what the stack gives it. */
export class WiringError extends HeraldError {
  override name = 'WiringError';
  constructor(readonly problems: readonly string[]) {
    super(`The functions were not wired the way the stack wires them:\n  ${problems.join('\n  ')}`);
  }
}

/** The template uses something this model does not resolve. */
export class UnsupportedTemplateError extends HeraldError {
  override name = 'UnsupportedTemplateError';
}

/** Variables the Lambda runtime sets itself; the stack never does. */
const RUNTIME_VARIABLES = /^(AWS_|_HANDLER$|_X_AMZN|LAMBDA_|TZ$|LANG$|PATH$|NODE_PATH$)/;

const DEFAULT_ACCOUNT = '123456789012';
const DEFAULT_REGION = 'eu-west-2';

export interface DeploymentOptions {
  /** Herald function name → the logical id of its AWS::Lambda::Function. */
  readonly functions: Readonly<Record<string, string>>;
  /** The environment each function was given at run time (by function name). */
  readonly environments: Readonly<Record<string, Readonly<Record<string, string | undefined>>>>;
  /**
   * Variables whose plain (non-resource) value may differ from the template's in this
   * deployment, e.g. WEBSITE_HOOK_URL pointed at a local receiver. Resource names and
   * ARNs are always matched.
   * @default - none
   */
  readonly settingsThatMayDiffer?: readonly string[];
}

export class Deployment {
  readonly partition: string;
  readonly region: string;
  readonly accountId: string;
  private readonly bound = new Map<string, string>();
  private readonly boundBy = new Map<string, string>();
  /** Physical names the template spells out (CDK generated them at synth) → their resource. */
  private readonly literalNames = new Map<string, string>();
  /** Those names → the name this deployment uses instead. */
  private readonly renames = new Map<string, string>();

  constructor(
    readonly template: CfnTemplate,
    readonly options: DeploymentOptions,
  ) {
    const problems: string[] = [];
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      const name = resource.Properties?.[NAME_PROPERTIES[resource.Type] ?? ''];
      if (typeof name === 'string') this.literalNames.set(name, logicalId);
    }
    for (const [name, env] of Object.entries(options.environments)) {
      const logicalId = options.functions[name];
      if (logicalId === undefined) {
        problems.push(`${name}: the stack has no function of that name`);
        continue;
      }
      const variables =
        (
          this.resource(logicalId).Properties?.Environment as
            | { Variables?: Record<string, unknown> }
            | undefined
        )?.Variables ?? {};
      for (const [variable, value] of Object.entries(env)) {
        if (value === undefined || RUNTIME_VARIABLES.test(variable)) continue;
        const expression = variables[variable];
        if (expression === undefined) {
          problems.push(
            `${name} was given ${variable}, but the stack does not set ${variable} on it`,
          );
          continue;
        }
        if (typeof expression === 'string' && options.settingsThatMayDiffer?.includes(variable)) {
          continue;
        }
        this.unify(expression, value, `${name} ${variable}`, problems);
      }
    }
    const where = this.accountAndRegion(problems);
    if (problems.length > 0) throw new WiringError(problems);
    this.partition = where.partition;
    this.region = where.region;
    this.accountId = where.accountId;
  }

  resource(logicalId: string): CfnResource {
    const resource = this.template.Resources[logicalId];
    if (resource === undefined) {
      throw new UnsupportedTemplateError(`the template has no resource ${logicalId}`);
    }
    return resource;
  }

  resourcesOfType(type: string): [string, CfnResource][] {
    return Object.entries(this.template.Resources).filter(([, r]) => r.Type === type);
  }

  /** Resolves every intrinsic in `value` to concrete strings. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (typeof value === 'string') return this.renamed(value);
    if (typeof value !== 'object' || value === null) return value;
    const entries = Object.entries(value);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      return this.intrinsic(first[0], first[1]);
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, this.resolve(v)]));
  }

  /** Resolves `value` and insists on a string. */
  resolveString(value: unknown): string {
    const resolved = this.resolve(value);
    if (typeof resolved !== 'string') {
      throw new UnsupportedTemplateError(`${JSON.stringify(value)} does not resolve to a string`);
    }
    return resolved;
  }

  /** `Ref` or an attribute of a resource in this deployment. */
  attribute(logicalId: string, attribute: string): string {
    const bound = this.bound.get(`${logicalId}.${attribute}`);
    if (bound !== undefined) return bound;
    const resource = this.resource(logicalId);
    const model = MODELS[resource.Type];
    if (model === undefined) {
      throw new UnsupportedTemplateError(
        `${logicalId} (${resource.Type}).${attribute} is needed but that resource type is not modelled in test/iam/template-model.ts`,
      );
    }
    return model(this.view(logicalId), attribute);
  }

  // ── intrinsics ──────────────────────────────────────────────────────────────

  private intrinsic(name: string, argument: unknown): unknown {
    switch (name) {
      case 'Ref':
        return this.ref(String(argument));
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(argument)
          ? argument.map(String)
          : String(argument).split(/\.(.*)/);
        return this.attribute(String(id), String(attr));
      }
      case 'Fn::Join': {
        const [separator, list] = argument as [string, unknown];
        const parts = this.resolve(list);
        if (!Array.isArray(parts)) throw new UnsupportedTemplateError('Fn::Join of a non-list');
        return parts.map(String).join(separator);
      }
      case 'Fn::Select': {
        const [index, list] = argument as [unknown, unknown];
        const parts = this.resolve(list);
        if (!Array.isArray(parts)) throw new UnsupportedTemplateError('Fn::Select of a non-list');
        return parts[Number(this.resolve(index))];
      }
      case 'Fn::Split': {
        const [separator, text] = argument as [string, unknown];
        return this.resolveString(text).split(separator);
      }
      case 'Fn::Sub': {
        const [text, variables] = Array.isArray(argument)
          ? (argument as [string, Record<string, unknown>])
          : [String(argument), {}];
        return text.replace(/\$\{(!?)([^}]+)\}/g, (_, literal: string, ref: string) => {
          if (literal) return `\${${ref}}`;
          if (ref in variables) return this.resolveString(variables[ref]);
          const dot = ref.indexOf('.');
          return dot === -1 ? this.ref(ref) : this.attribute(ref.slice(0, dot), ref.slice(dot + 1));
        });
      }
      default:
        throw new UnsupportedTemplateError(`${name} is not resolved by test/iam/template-model.ts`);
    }
  }

  /** A literal with the template's generated names replaced by this deployment's. */
  private renamed(text: string): string {
    let out = text;
    for (const [from, to] of this.renames) out = out.split(from).join(to);
    return out;
  }

  private ref(id: string): string {
    switch (id) {
      case 'AWS::Partition':
        return this.partition;
      case 'AWS::Region':
        return this.region;
      case 'AWS::AccountId':
        return this.accountId;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return 'Herald';
      default:
        return this.attribute(id, 'Ref');
    }
  }

  // ── run-time values → bindings ──────────────────────────────────────────────

  /** Matches a template expression against the value a function was given. */
  private unify(expression: unknown, value: string, where: string, problems: string[]): void {
    if (typeof expression === 'string') {
      if (expression === value) return;
      // A name CDK generated at synth (a schedule group's, say) is one deployment's choice:
      // another deployment (the local stack) may name the resource differently.
      const named = this.literalNames.get(expression);
      if (named !== undefined) {
        this.bind(`${named}.Ref`, value, where, problems);
        this.renames.set(expression, value);
        return;
      }
      problems.push(`${where} is "${value}", but the stack sets it to "${expression}"`);
      return;
    }
    if (typeof expression !== 'object' || expression === null) return;
    const record = expression as Record<string, unknown>;
    if (typeof record.Ref === 'string') {
      this.bind(`${record.Ref}.Ref`, value, where, problems);
      return;
    }
    const getAtt = record['Fn::GetAtt'];
    if (Array.isArray(getAtt)) {
      this.bind(`${getAtt[0]}.${getAtt[1]}`, value, where, problems);
      return;
    }
    const join = record['Fn::Join'];
    if (Array.isArray(join) && join[0] === '' && Array.isArray(join[1])) {
      // Literal parts anchor the match; each intrinsic part captures what lies between.
      const parts = join[1] as unknown[];
      const pattern = parts
        .map((p) => (typeof p === 'string' ? p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') : '(.+?)'))
        .join('');
      const match = new RegExp(`^${pattern}$`).exec(value);
      if (match === null) {
        problems.push(`${where} is "${value}", which does not have the shape the stack gives it`);
        return;
      }
      let group = 1;
      for (const part of parts) {
        if (typeof part !== 'string') this.unify(part, match[group++] ?? '', where, problems);
      }
    }
    // Other intrinsics cannot be matched against a value; they are resolved, not checked.
  }

  private bind(key: string, value: string, where: string, problems: string[]): void {
    const earlier = this.bound.get(key);
    if (earlier !== undefined && earlier !== value) {
      problems.push(
        `${where} is "${value}", but ${this.boundBy.get(key)} is "${earlier}" for the same ${key}`,
      );
      return;
    }
    this.bound.set(key, value);
    this.boundBy.set(key, where);
  }

  /** The account and Region every bound ARN agrees on (or the defaults when none names one). */
  private accountAndRegion(problems: string[]): {
    partition: string;
    region: string;
    accountId: string;
  } {
    const seen = {
      partition: new Set<string>(),
      region: new Set<string>(),
      accountId: new Set<string>(),
    };
    for (const [key, value] of this.bound) {
      if (key === 'AWS::Partition.Ref') seen.partition.add(value);
      if (key === 'AWS::Region.Ref') seen.region.add(value);
      if (key === 'AWS::AccountId.Ref') seen.accountId.add(value);
      const arn = /^arn:([^:]+):([^:]+):([^:]*):([^:]*):/.exec(value);
      if (arn) {
        seen.partition.add(arn[1] ?? '');
        if (arn[3]) seen.region.add(arn[3]);
        if (arn[4]) seen.accountId.add(arn[4]);
      }
    }
    const one = (name: keyof typeof seen, fallback: string): string => {
      const values = [...seen[name]];
      if (values.length > 1) {
        problems.push(
          `the functions were given ARNs in more than one ${name}: ${values.join(', ')}`,
        );
      }
      return values[0] ?? fallback;
    };
    return {
      partition: one('partition', 'aws'),
      region: one('region', DEFAULT_REGION),
      accountId: one('accountId', DEFAULT_ACCOUNT),
    };
  }

  private view(logicalId: string): ResourceView {
    return {
      logicalId,
      properties: this.resource(logicalId).Properties ?? {},
      bound: (attribute) => this.bound.get(`${logicalId}.${attribute}`),
      deployment: this,
    };
  }
}

/** The property that holds a resource's physical name when the template names it. */
const NAME_PROPERTIES: Readonly<Record<string, string>> = {
  'AWS::Scheduler::ScheduleGroup': 'Name',
  'AWS::S3::Bucket': 'BucketName',
  'AWS::DynamoDB::Table': 'TableName',
  'AWS::SNS::Topic': 'TopicName',
  'AWS::SQS::Queue': 'QueueName',
  'AWS::Lambda::Function': 'FunctionName',
  'AWS::IAM::Role': 'RoleName',
  'AWS::SES::ConfigurationSet': 'Name',
  'AWS::SecretsManager::Secret': 'Name',
};

/** What a resource model sees of its resource. */
interface ResourceView {
  readonly logicalId: string;
  readonly properties: Readonly<Record<string, unknown>>;
  bound(attribute: string): string | undefined;
  readonly deployment: Deployment;
}

type Model = (r: ResourceView, attribute: string) => string;

const lastSegment = (value: string, separator: RegExp) => value.split(separator).at(-1) ?? value;
/** The name the template gives the resource, else one as CloudFormation would make up. */
const madeUpName = (r: ResourceView) => {
  const named = Object.values(NAME_PROPERTIES)
    .map((property) => r.properties[property])
    .find((name) => typeof name === 'string');
  return typeof named === 'string' ? named : `herald-${r.logicalId.toLowerCase()}`;
};
const regional = (r: ResourceView, service: string) =>
  `arn:${r.deployment.partition}:${service}:${r.deployment.region}:${r.deployment.accountId}`;

function unsupported(r: ResourceView, attribute: string): never {
  throw new UnsupportedTemplateError(
    `${r.logicalId}.${attribute} is not modelled in test/iam/template-model.ts`,
  );
}

/**
 * Per resource type: the physical name from whatever is bound (a name, an ARN or
 * a URL), else a made-up one, and each attribute from it.
 */
const MODELS: Readonly<Record<string, Model>> = {
  'AWS::S3::Bucket': (r, attribute) => {
    const arn = r.bound('Arn');
    const name = r.bound('Ref') ?? (arn ? lastSegment(arn, /:/) : madeUpName(r));
    if (attribute === 'Ref') return name;
    if (attribute === 'Arn') return `arn:${r.deployment.partition}:s3:::${name}`;
    return unsupported(r, attribute);
  },
  'AWS::DynamoDB::Table': (r, attribute) => {
    const arn = r.bound('Arn');
    const name = r.bound('Ref') ?? (arn ? lastSegment(arn, /\//) : madeUpName(r));
    if (attribute === 'Ref') return name;
    if (attribute === 'Arn') return `${regional(r, 'dynamodb')}:table/${name}`;
    return unsupported(r, attribute);
  },
  'AWS::SNS::Topic': (r, attribute) => {
    const arn =
      r.bound('Ref') ??
      r.bound('TopicArn') ??
      `${regional(r, 'sns')}:${r.bound('TopicName') ?? madeUpName(r)}`;
    if (attribute === 'Ref' || attribute === 'TopicArn') return arn;
    if (attribute === 'TopicName') return lastSegment(arn, /:/);
    return unsupported(r, attribute);
  },
  'AWS::SQS::Queue': (r, attribute) => {
    const url = r.bound('Ref') ?? r.bound('QueueUrl');
    const arn = r.bound('Arn');
    const name =
      r.bound('QueueName') ??
      (arn ? lastSegment(arn, /:/) : url ? lastSegment(url, /\//) : madeUpName(r));
    if (attribute === 'Ref' || attribute === 'QueueUrl') {
      return (
        url ?? `https://sqs.${r.deployment.region}.amazonaws.com/${r.deployment.accountId}/${name}`
      );
    }
    if (attribute === 'Arn') return arn ?? `${regional(r, 'sqs')}:${name}`;
    if (attribute === 'QueueName') return name;
    return unsupported(r, attribute);
  },
  'AWS::Lambda::Function': (r, attribute) => {
    const arn = r.bound('Arn');
    const name = r.bound('Ref') ?? (arn ? lastSegment(arn, /:/) : madeUpName(r));
    if (attribute === 'Ref') return name;
    if (attribute === 'Arn') return arn ?? `${regional(r, 'lambda')}:function:${name}`;
    return unsupported(r, attribute);
  },
  'AWS::IAM::Role': (r, attribute) => {
    const arn = r.bound('Arn');
    const name = r.bound('Ref') ?? (arn ? lastSegment(arn, /\//) : madeUpName(r));
    if (attribute === 'Ref') return name;
    if (attribute === 'Arn') {
      return arn ?? `arn:${r.deployment.partition}:iam::${r.deployment.accountId}:role/${name}`;
    }
    return unsupported(r, attribute);
  },
  'AWS::KMS::Key': (r, attribute) => {
    const arn = r.bound('Arn');
    const id = r.bound('Ref') ?? (arn ? lastSegment(arn, /\//) : madeUpName(r));
    if (attribute === 'Ref' || attribute === 'KeyId') return id;
    if (attribute === 'Arn') return arn ?? `${regional(r, 'kms')}:key/${id}`;
    return unsupported(r, attribute);
  },
  'AWS::SecretsManager::Secret': (r, attribute) => {
    const arn =
      r.bound('Ref') ??
      r.bound('Id') ??
      `${regional(r, 'secretsmanager')}:secret:${madeUpName(r)}-AbCdEf`;
    if (attribute === 'Ref' || attribute === 'Id') return arn;
    return unsupported(r, attribute);
  },
  'AWS::Scheduler::ScheduleGroup': (r, attribute) => {
    const arn = r.bound('Arn');
    const name = r.bound('Ref') ?? (arn ? lastSegment(arn, /\//) : madeUpName(r));
    if (attribute === 'Ref') return name;
    if (attribute === 'Arn') return arn ?? `${regional(r, 'scheduler')}:schedule-group/${name}`;
    return unsupported(r, attribute);
  },
  'AWS::SES::ConfigurationSet': (r, attribute) => {
    if (attribute === 'Ref') return r.bound('Ref') ?? madeUpName(r);
    return unsupported(r, attribute);
  },
  'AWS::Lambda::Url': (r, attribute) => {
    if (attribute === 'FunctionUrl') {
      return (
        r.bound('FunctionUrl') ??
        `https://${r.logicalId.toLowerCase()}.lambda-url.${r.deployment.region}.on.aws/`
      );
    }
    if (attribute === 'FunctionArn')
      return r.deployment.resolveString(r.properties.TargetFunctionArn);
    return unsupported(r, attribute);
  },
  'AWS::Logs::LogGroup': (r, attribute) => {
    const name = r.bound('Ref') ?? `/aws/lambda/${madeUpName(r)}`;
    if (attribute === 'Ref') return name;
    if (attribute === 'Arn') return `${regional(r, 'logs')}:log-group:${name}:*`;
    return unsupported(r, attribute);
  },
};
