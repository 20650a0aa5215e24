import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import {
  AgentforceClient,
  type CredentialsSource,
  staticCredentials,
  TokenProvider,
} from './agentforce/index.js';
import type { AppDependencies } from './app.js';
import { createInboundAuth } from './auth/index.js';
import type { Config } from './config.js';
import { ConversationService } from './conversation/conversation-service.js';
import { logger } from './logger.js';
import { EmfMetrics } from './observability/emf-metrics.js';
import { agentApiOperation, measureDynamoDb, measuredFetch } from './observability/instrument.js';
import type { MetricsPort } from './observability/metrics.js';
import { SecretsManagerCredentialsSource } from './secrets/credentials.js';
import { invocationBudgetMs } from './shared/deadline.js';
import { createDocumentClient, DynamoDbSessionStore } from './state/dynamodb-session-store.js';
import type { SessionStore } from './state/session-store.js';

/** Seams tests and benchmarks may replace; production uses the defaults. */
export interface DependencyOverrides {
  readonly credentials?: CredentialsSource;
  readonly store?: SessionStore;
  readonly documentClient?: DynamoDBDocumentClient;
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
  readonly metrics?: MetricsPort;
}

/** Everything expensive, built once per container and shared by all requests. */
export interface Dependencies extends AppDependencies {
  readonly tokens: TokenProvider;
  readonly agentforce: AgentforceClient;
  readonly store: SessionStore;
  readonly metrics: MetricsPort;
}

/**
 * The composition root: wires config to adapters and use cases.
 *
 * @example
 * const deps = createDependencies(loadConfig(process.env));
 */
export function createDependencies(
  config: Config,
  overrides: DependencyOverrides = {}
): Dependencies {
  const sf = config.salesforce;
  const metrics = overrides.metrics ?? new EmfMetrics();
  // Late-bound: a global `fetch` replaced after start-up is still the one measured.
  const baseFetch: typeof fetch =
    overrides.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const credentials =
    overrides.credentials ??
    (sf.credentials.source === 'environment'
      ? staticCredentials({
          clientId: sf.credentials.clientId,
          clientSecret: sf.credentials.clientSecret,
        })
      : new SecretsManagerCredentialsSource({ secretArn: sf.credentials.secretArn }));
  const tokens = new TokenProvider({
    myDomainUrl: sf.myDomainUrl,
    credentials,
    fetch: measuredFetch(baseFetch, metrics, 'SalesforceToken', () => 'SalesforceToken.Fetch'),
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  const agentforce = new AgentforceClient({
    tokens,
    myDomainUrl: sf.myDomainUrl,
    ...(sf.apiUrl ? { apiUrl: sf.apiUrl } : {}),
    fetch: measuredFetch(baseFetch, metrics, 'AgentApi', agentApiOperation),
  });
  const store =
    overrides.store ??
    new DynamoDbSessionStore({
      tableName: config.tableName,
      client: measureDynamoDb(overrides.documentClient ?? createDocumentClient(), metrics),
      ttlSeconds: config.limits.stateTtlSeconds,
      ...(overrides.now ? { now: overrides.now } : {}),
    });
  const conversations = new ConversationService({
    store,
    agentforce,
    tokens,
    agentId: sf.agentId,
    bypassUser: sf.bypassUser,
    plainText: sf.plainText,
    leaseMs: invocationBudgetMs(config.limits.toolDeadlineMs),
    leaseWaitMs: config.limits.leaseWaitMs,
    sessionIdleMs: config.limits.sessionIdleMs,
    maxSessionsPerTenant: config.limits.maxSessionsPerTenant,
    ...(overrides.now ? { now: overrides.now } : {}),
  });
  const auth = createInboundAuth(config.auth, {
    logger: { warn: (message, extra) => logger.warn(message, { ...extra }) },
  });
  return { config, conversations, auth, tokens, agentforce, store, metrics };
}
