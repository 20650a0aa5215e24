import * as z from 'zod';
import { type AuthConfig, toAuthConfig } from './auth/config.js';
import { type ContextVariable, contextVariablesSetting } from './conversation/context-variables.js';
import { DEFAULT_TOOL_DEADLINE_MS, MAX_TOOL_DEADLINE_MS } from './shared/deadline.js';
import { parseList } from './shared/list.js';
import { DEFAULT_TTL_SECONDS } from './state/store-support.js';

const list = z.string().optional().transform(parseList);

/** An agent (BotDefinition) id; `cdk synth` checks `agentId` with this same schema. */
export const agentIdSchema = z.string().regex(/^0Xx[A-Za-z0-9]{12}(?:[A-Za-z0-9]{3})?$/, {
  message: 'must be a 15- or 18-character agent (BotDefinition) id starting with 0Xx',
});

const positiveInt = (fallback: number, max?: number) => {
  const base = z.coerce.number().int().positive();
  return (max === undefined ? base : base.max(max)).default(fallback);
};

/** The function's own variables (inbound auth has its own schema, `authEnvSchema`). */
export const envSchema = z.object({
  TABLE_NAME: z.string().min(3).max(255),
  SALESFORCE_SERVER_URL: z.string().min(1),
  SALESFORCE_AGENT_ID: agentIdSchema,
  SALESFORCE_API_URL: z.url().optional(),
  SALESFORCE_SECRET_ARN: z.string().startsWith('arn:').optional(),
  SALESFORCE_CLIENT_ID: z.string().min(1).optional(),
  SALESFORCE_CLIENT_SECRET: z.string().min(1).optional(),
  SALESFORCE_BYPASS_USER: z
    .enum(['true', 'false'])
    .default('true')
    .transform((value) => value === 'true'),
  // Off by default: the MCP hosts this serves render markdown, and a model caller (Agentforce
  // included) reads it as well as plain text, while what no-builder removes cannot be restored.
  SALESFORCE_PLAIN_TEXT: z
    .enum(['true', 'false'])
    .default('false')
    .transform((value) => value === 'true'),
  SALESFORCE_AGENT_VARIABLES: contextVariablesSetting,
  TOOL_DEADLINE_MS: positiveInt(DEFAULT_TOOL_DEADLINE_MS, MAX_TOOL_DEADLINE_MS),
  LEASE_WAIT_MS: positiveInt(20_000, MAX_TOOL_DEADLINE_MS),
  MAX_MESSAGE_CHARS: positiveInt(10_000, 100_000),
  MAX_BODY_BYTES: positiveInt(1_048_576, 6_000_000),
  SESSION_IDLE_MINUTES: positiveInt(10),
  // Per tenant, so one OAuth client cannot take the org's whole (undocumented) session budget:
  // 100 end users in a live conversation at once is a large single caller, and a tenant's roster
  // of 1000 emails (at most 254 bytes each) stays well inside DynamoDB's 400 KB item limit. 0 turns
  // the cap off: a single-tenant deployment (AUTH_MODE=none, one Agentforce org) has no other
  // tenant to protect, and then no session start or end writes the roster item (billed by size).
  MAX_SESSIONS_PER_TENANT: z.coerce.number().int().min(0).max(1_000).default(100),
  // One day, the store's own default: a record outlives its Agentforce session (idle-expired after
  // minutes) only to keep `authenticatedAt`, and a week of end-user emails
  // buys nothing a day does not.
  STATE_TTL_HOURS: positiveInt(DEFAULT_TTL_SECONDS / 3600),
  ALLOWED_ORIGINS: list,
  ALLOWED_HOSTS: list,
});

/** Where the Salesforce client credentials come from. */
export type CredentialsConfig =
  | { readonly source: 'secrets-manager'; readonly secretArn: string }
  | { readonly source: 'environment'; readonly clientId: string; readonly clientSecret: string };

/** The server's whole configuration, parsed once per container. */
export interface Config {
  readonly tableName: string;
  readonly salesforce: {
    readonly myDomainUrl: string;
    readonly agentId: string;
    readonly apiUrl?: string;
    readonly bypassUser: boolean;
    /** Start sessions with `x-attributed-client: no-builder` (replies without markdown). */
    readonly plainText: boolean;
    /** Context variables callers may set, as optional tool arguments. */
    readonly variables: readonly ContextVariable[];
    readonly credentials: CredentialsConfig;
  };
  readonly limits: {
    readonly toolDeadlineMs: number;
    readonly leaseWaitMs: number;
    readonly maxMessageChars: number;
    readonly maxBodyBytes: number;
    readonly sessionIdleMs: number;
    /** Live sessions per tenant; 0 means no cap (and no roster writes). */
    readonly maxSessionsPerTenant: number;
    readonly stateTtlSeconds: number;
  };
  readonly http: {
    readonly allowedOrigins: readonly string[];
    readonly allowedHosts: readonly string[];
  };
  readonly auth: AuthConfig;
}

/** Thrown when the environment does not describe a runnable server; names every offending variable. */
export class ConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigError';
  }
}

/**
 * Parses and validates the environment once (call it at module scope, not per request). Variables
 * it does not know are ignored, among them `SALESFORCE_ORG_ID`, which environments written for the
 * Python server carry: nothing here needs the org id (the token endpoint is the org's My Domain).
 *
 * @example
 * const config = loadConfig(process.env); // throws ConfigError: "TABLE_NAME: … is required"
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success
    ? []
    : parsed.error.issues.map(
        (issue) => `${issue.path.join('.') || 'environment'}: ${issue.message}`
      );
  // Checked outside the schema so it is reported together with every other problem.
  if (!env.SALESFORCE_SECRET_ARN && !(env.SALESFORCE_CLIENT_ID && env.SALESFORCE_CLIENT_SECRET)) {
    problems.push(
      'SALESFORCE_SECRET_ARN: is required (or set both SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET for a local run)'
    );
  }
  if (!parsed.success || problems.length > 0) {
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  let auth: AuthConfig;
  try {
    auth = toAuthConfig(env);
  } catch (err) {
    throw new ConfigError(`Invalid configuration: ${(err as Error).message}`, { cause: err });
  }
  const e = parsed.data;
  const credentials: CredentialsConfig = e.SALESFORCE_SECRET_ARN
    ? { source: 'secrets-manager', secretArn: e.SALESFORCE_SECRET_ARN }
    : {
        source: 'environment',
        clientId: e.SALESFORCE_CLIENT_ID as string,
        clientSecret: e.SALESFORCE_CLIENT_SECRET as string,
      };
  return Object.freeze({
    tableName: e.TABLE_NAME,
    salesforce: {
      myDomainUrl: e.SALESFORCE_SERVER_URL,
      agentId: e.SALESFORCE_AGENT_ID,
      apiUrl: e.SALESFORCE_API_URL,
      bypassUser: e.SALESFORCE_BYPASS_USER,
      plainText: e.SALESFORCE_PLAIN_TEXT,
      variables: e.SALESFORCE_AGENT_VARIABLES,
      credentials,
    },
    limits: {
      toolDeadlineMs: e.TOOL_DEADLINE_MS,
      leaseWaitMs: Math.min(e.LEASE_WAIT_MS, e.TOOL_DEADLINE_MS),
      maxMessageChars: e.MAX_MESSAGE_CHARS,
      maxBodyBytes: e.MAX_BODY_BYTES,
      sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
      maxSessionsPerTenant: e.MAX_SESSIONS_PER_TENANT,
      stateTtlSeconds: e.STATE_TTL_HOURS * 3600,
    },
    http: { allowedOrigins: e.ALLOWED_ORIGINS, allowedHosts: e.ALLOWED_HOSTS },
    auth,
  });
}
