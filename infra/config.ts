import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { Node } from 'constructs';
import * as z from 'zod';
import { isResourceScope } from '../lambda/auth/config.js';
import { agentIdSchema, envSchema } from '../lambda/config.js';
import { contextVariablesSetting } from '../lambda/conversation/context-variables.js';
import { DEFAULT_TOOL_DEADLINE_MS, MAX_TOOL_DEADLINE_MS } from '../lambda/shared/deadline.js';
import { parseList } from '../lambda/shared/list.js';
import { StackConfigError } from './errors.js';

/**
 * Every deployment setting. Each is read from CDK context (`-c agentId=…` or `cdk.json`) and,
 * failing that, from the environment variable `MCP_` + its name in SCREAMING_SNAKE_CASE
 * (`agentId` → `MCP_AGENT_ID`). The prefix keeps a shell's local-run variables (`AUTH_MODE=none`
 * for a laptop server) from leaking into a deployment.
 */
export const SETTING_KEYS = [
  'agentId',
  'myDomainUrl',
  'apiUrl',
  'bypassUser',
  'plainText',
  'agentVariables',
  'maxSessionsPerTenant',
  'authMode',
  'allowedOrigins',
  'logLevel',
  'memorySize',
  'reservedConcurrency',
  'requestAlarmThreshold',
  'systemLogLevel',
  'toolDeadlineMs',
  'invokeMode',
  'logRetentionDays',
  'cognitoDomainPrefix',
  'jwtIssuer',
  'jwtAudience',
  'jwtJwksUrl',
  'jwtClientIds',
  'jwtRequiredScope',
  'salesforceSecretArn',
  'removalPolicy',
  'stackName',
  'alarmEmail',
  'alarmTopicArn',
  'tracing',
  'salesforceSecretKmsKeyArn',
  'allowAuthModeChange',
] as const;

/** A setting's name. */
export type SettingKey = (typeof SETTING_KEYS)[number];

/** The environment variable that sets `key` when the context does not. */
export function envVarName(key: SettingKey): string {
  return `MCP_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

/** Context values are strings on the command line but may be any JSON in cdk.json. */
const blankToUndefined = (value: unknown) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

const text = z.string().trim();

/** A list string as the function parses it (`-c allowedOrigins=a,b`), or a JSON array (cdk.json). */
const list = z.preprocess(
  (value) => (typeof value === 'string' ? parseList(value) : (value ?? [])),
  z.array(z.string().trim().min(1))
);

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** `true`/`false` on the command line, or a JSON boolean in cdk.json. */
const flag = (fallback: boolean) =>
  z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
    z
      .union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')])
      .default(fallback)
  );

/** An `https://` URL with nothing but scheme and host, returned as the origin. */
const httpsOrigin = text
  .refine((value) => URL.canParse(value), { message: 'must be an absolute URL' })
  .transform((value) => new URL(value))
  .refine((url) => url.protocol === 'https:', { message: 'must use https', abort: true })
  .refine((url) => url.pathname === '/' && !url.search && !url.hash && !url.username, {
    message: 'must be scheme and host only (no path, query or credentials)',
  })
  .transform((url) => url.origin);

const httpsUrl = text.refine(
  (value) => URL.canParse(value) && new URL(value).protocol === 'https:',
  {
    message: 'must be an absolute https URL',
  }
);

/** Function URL requests per 5 minutes that raise the request-volume alarm by default. */
export const DEFAULT_REQUEST_ALARM_THRESHOLD = 30_000;

/** The stack name when `stackName` is not set (the name of the first release's only stack). */
export const DEFAULT_STACK_NAME = 'AgentforceMcpServer';
/**
 * 256 MB: a turn is billed for the whole Salesforce wait, so cost per turn scales with memory;
 * peak RSS leaves headroom at 256 and its cold start under Lambda's CPU share is acceptable
 * (BENCHMARKS.md, "Cold start at Lambda CPU shares").
 */
export const DEFAULT_MEMORY_MB = 256;

const RETENTION_DAYS = Object.values(RetentionDays).filter(
  (v): v is number => typeof v === 'number'
);

const settingsSchema = z.object({
  // The function's own check (lambda/config.ts), so a typo fails at synth, not cold start.
  agentId: text.pipe(agentIdSchema),
  myDomainUrl: httpsOrigin,
  apiUrl: httpsUrl.transform((value) => value.replace(/\/+$/, '')).optional(),
  // The function's own settings, checked with its own schemas so a typo fails at synth.
  bypassUser: flag(true),
  plainText: flag(false),
  agentVariables: z.preprocess(
    (value) => (value === undefined || typeof value === 'string' ? value : JSON.stringify(value)),
    contextVariablesSetting
  ),
  maxSessionsPerTenant: envSchema.shape.MAX_SESSIONS_PER_TENANT,
  authMode: z.enum(['cognito', 'jwt', 'none']).default('cognito'),
  allowedOrigins: list.pipe(
    z.array(
      z
        .string()
        .refine(
          (origin) =>
            URL.canParse(origin) &&
            ['https:', 'http:'].includes(new URL(origin).protocol) &&
            new URL(origin).origin === origin,
          { message: 'each entry must be an origin like https://app.example.com (no path, no *)' }
        )
    )
  ),
  logLevel: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toUpperCase() || undefined : value),
    z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT']).default('INFO')
  ),
  memorySize: int(128, 10_240).default(DEFAULT_MEMORY_MB),
  reservedConcurrency: int(1, 10_000).optional(),
  // Function URL requests per 5 minutes: 100 a second sustained, far above one org's agent
  // traffic, far below what an unthrottled flood reaches. The alarm is free of deploy risk.
  requestAlarmThreshold: int(100, 100_000_000).default(DEFAULT_REQUEST_ALARM_THRESHOLD),
  // Opt-in: Lambda's own START/END/REPORT lines are most of a refused request's log bytes.
  systemLogLevel: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toUpperCase() || undefined : value),
    z.enum(['DEBUG', 'INFO', 'WARN']).optional()
  ),
  // The same default and ceiling as the function (lambda/shared/deadline.ts).
  toolDeadlineMs: int(5_000, MAX_TOOL_DEADLINE_MS).default(DEFAULT_TOOL_DEADLINE_MS),
  // RESPONSE_STREAM: a tool call asking for progress hears the agent while it works; JSON answers
  // cost the same within noise (bench/sections/streaming.ts). BUFFERED answers every call as JSON.
  invokeMode: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toUpperCase() || undefined : value),
    z.enum(['BUFFERED', 'RESPONSE_STREAM']).default('RESPONSE_STREAM')
  ),
  logRetentionDays: int(1, 3_653)
    .refine((days) => RETENTION_DAYS.includes(days), {
      message: `must be one of ${RETENTION_DAYS.filter((d) => d < 9999).join(', ')}`,
    })
    .default(30),
  cognitoDomainPrefix: text
    .pipe(
      z
        .string()
        .regex(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, {
          message: 'must be 1-63 lower-case letters, digits and inner hyphens',
        })
        .refine((prefix) => !/aws|amazon|cognito/.test(prefix), {
          message: 'must not contain "aws", "amazon" or "cognito" (reserved by Cognito)',
        })
    )
    .optional(),
  jwtIssuer: httpsUrl.optional(),
  jwtAudience: list,
  jwtJwksUrl: httpsUrl.optional(),
  jwtClientIds: list,
  jwtRequiredScope: list,
  salesforceSecretArn: text
    .pipe(
      z
        .string()
        .regex(
          /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+-[A-Za-z0-9]{6}$/,
          { message: 'must be the complete secret ARN, ending in the 6-character suffix (-AbCdEf)' }
        )
    )
    .optional(),
  removalPolicy: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
    z.enum(['retain', 'destroy']).default('retain')
  ),
  // Two agents, or dev and prod, side by side in one account: every name derives from it.
  stackName: text
    .pipe(
      z.string().regex(/^[A-Za-z][A-Za-z0-9-]{0,127}$/, {
        message: 'must be 1-128 letters, digits and hyphens, starting with a letter',
      })
    )
    .default(DEFAULT_STACK_NAME),
  alarmEmail: text.pipe(z.email({ message: 'must be an email address' })).optional(),
  alarmTopicArn: text
    .pipe(
      z.string().regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, {
        message: 'must be an SNS topic ARN',
      })
    )
    .optional(),
  tracing: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
    z.enum(['off', 'active']).default('off')
  ),
  salesforceSecretKmsKeyArn: text
    .pipe(
      z.string().regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]+$/, {
        message: 'must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>, not an alias)',
      })
    )
    .optional(),
  allowAuthModeChange: z.preprocess(
    (value) => (typeof value === 'string' ? value.trim().toLowerCase() || undefined : value),
    z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')]).default(false)
  ),
});

/** The validated deployment settings, defaults applied. */
export type StackConfig = z.output<typeof settingsSchema>;

/** Settings that only mean something in one auth mode; setting them in another is a mistake. */
const MODE_ONLY: Partial<Record<SettingKey, StackConfig['authMode']>> = {
  cognitoDomainPrefix: 'cognito',
  jwtIssuer: 'jwt',
  jwtAudience: 'jwt',
  jwtJwksUrl: 'jwt',
  jwtClientIds: 'jwt',
  jwtRequiredScope: 'jwt',
};

function isSet(value: unknown): boolean {
  return value !== undefined && !(Array.isArray(value) && value.length === 0);
}

/**
 * Validates raw settings (context values or environment strings, keyed by setting name).
 *
 * @throws StackConfigError listing every problem, each with the context key and env variable
 * @example
 * const config = parseStackConfig({ agentId: '0XxKZ000000abcdEFG', myDomainUrl: 'https://acme.my.salesforce.com' });
 */
export function parseStackConfig(raw: Readonly<Partial<Record<SettingKey, unknown>>>): StackConfig {
  const values = Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [key, blankToUndefined(value)])
  ) as Partial<Record<SettingKey, unknown>>;
  const result = settingsSchema.safeParse(values);
  const problems: { key: SettingKey; message: string }[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      const key = issue.path[0] as SettingKey;
      problems.push({ key, message: values[key] === undefined ? 'is required' : issue.message });
    }
  } else {
    const config = result.data;
    for (const [key, mode] of Object.entries(MODE_ONLY) as [SettingKey, string][]) {
      if (isSet(config[key as keyof StackConfig]) && config.authMode !== mode) {
        problems.push({ key, message: `only applies when authMode=${mode}` });
      }
    }
    if (
      config.salesforceSecretKmsKeyArn !== undefined &&
      config.salesforceSecretArn === undefined
    ) {
      problems.push({
        key: 'salesforceSecretKmsKeyArn',
        message:
          'only applies with salesforceSecretArn (the secret the stack creates uses the AWS managed key)',
      });
    }
    if (config.authMode === 'jwt') {
      if (config.jwtIssuer === undefined) {
        problems.push({ key: 'jwtIssuer', message: 'is required when authMode=jwt' });
      }
      if (config.jwtJwksUrl === undefined) {
        problems.push({ key: 'jwtJwksUrl', message: 'is required when authMode=jwt' });
      }
      // The function's own rule (lambda/auth/config.ts): a token must be bound to this server.
      if (config.jwtAudience.length === 0 && !config.jwtRequiredScope.some(isResourceScope)) {
        problems.push({
          key: 'jwtAudience',
          message:
            'is required when authMode=jwt (or set jwtRequiredScope to a resource-server scope like <server>/<scope>)',
        });
      }
    }
    if (problems.length === 0) return config;
  }
  throw new StackConfigError(
    problems.map(({ key, message }) => ({
      key,
      message: `${message} (-c ${key}=… or ${envVarName(key)})`,
    }))
  );
}

/**
 * The settings given for this run: CDK context first, then `MCP_*` environment variables.
 *
 * @example
 * const given = readSettings(app.node, process.env); // { agentId: '0Xx…', authMode: undefined, … }
 */
export function readSettings(
  node: Node,
  env: Readonly<Record<string, string | undefined>>
): Partial<Record<SettingKey, unknown>> {
  const raw: Partial<Record<SettingKey, unknown>> = {};
  for (const key of SETTING_KEYS) {
    raw[key] = blankToUndefined(node.tryGetContext(key) ?? env[envVarName(key)]);
  }
  return raw;
}

/**
 * Reads every setting from the construct tree's context, else from `env`, else from `saved`
 * (the settings persisted by an earlier run), and validates them.
 *
 * @example
 * const config = loadStackConfig(app.node, process.env);
 */
export function loadStackConfig(
  node: Node,
  env: Readonly<Record<string, string | undefined>>,
  saved: Readonly<Partial<Record<SettingKey, unknown>>> = {}
): StackConfig {
  const given = readSettings(node, env);
  const raw: Partial<Record<SettingKey, unknown>> = {};
  for (const key of SETTING_KEYS) raw[key] = given[key] ?? saved[key];
  return parseStackConfig(raw);
}
