import { randomUUID } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { FunctionUrlHandler } from '../../local/function-url-event.js';
import { lambdaContext } from '../../local/function-url-event.js';
import type * as WarmApp from '../entries/warm-app.js';
import { snapshot } from '../lib/aws-stand-ins.js';
import { mcpEvent, resultOutcome, toolCallBody } from '../lib/mcp-requests.js';
import type { StandIns } from '../lib/stand-ins.js';

/** Requests one tool call caused, on the wire, by backend. */
export interface IoRow {
  readonly tool: string;
  readonly phase: 'cold' | 'warm';
  /** What state the call found, for the reader. */
  readonly situation: string;
  readonly dynamoRequests: number;
  /** DynamoDB operations, e.g. `UpdateItem×2`. */
  readonly dynamoOperations: string;
  readonly operations: Readonly<Record<string, number>>;
  /** What the store's own `stats` counted (must equal the wire count). */
  readonly storeOperations: number;
  readonly secretsManagerRequests: number;
  readonly tokenRequests: number;
  /** Agent API requests (start, message, end). */
  readonly agentApiRequests: number;
  readonly ok: boolean;
  readonly error?: string;
}

/** The tools whose call is a conversation turn (budget: at most two DynamoDB requests). */
export const TURN_TOOLS = new Set(['send-message-to-agent', 'complete-agentforce-conversation']);

interface Container {
  readonly handler: FunctionUrlHandler;
  readonly store: { readonly stats?: { reads: number; writes: number } };
  readonly tokens: { readonly stats: { tokenFetches: number } };
}

const MESSAGE = 'Where is my order?';

/**
 * Counts the I/O of each tool, cold (the first call of a fresh container: new module-scope
 * clients, caches and credentials) and warm (the next call in the same container), with the
 * production composition root, the DynamoDB store on DynamoDB Local behind a counting proxy,
 * Secrets Manager credentials from a counting fake, and the simulator's counters.
 */
export async function measureIo(options: {
  warmAppBundle: string;
  standIns: StandIns;
}): Promise<IoRow[]> {
  const { standIns } = options;
  // The bundle reads its logger settings at import and the AWS SDK reads endpoints per client.
  Object.assign(
    process.env,
    standIns.handlerEnv({ dynamoEndpoint: standIns.dynamoProxy.endpoint }),
    {
      POWERTOOLS_LOG_LEVEL: 'SILENT',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    }
  );
  const app = (await import(pathToFileURL(options.warmAppBundle).href)) as typeof WarmApp;
  const container = (): Container => {
    const deps = app.createDependencies(app.loadConfig(process.env));
    return {
      handler: app.createHandler(app.createApp(deps)) as unknown as FunctionUrlHandler,
      store: deps.store as Container['store'],
      tokens: deps.tokens,
    };
  };
  const sim = standIns.simulator.counters;
  const rows: IoRow[] = [];

  async function call(
    target: Container,
    tool: string,
    args: Record<string, unknown>
  ): Promise<{ ok: boolean; error?: string }> {
    const result = await target.handler(mcpEvent(toolCallBody(tool, args)), lambdaContext(60_000));
    const outcome = resultOutcome(result);
    return outcome.ok ? { ok: true } : { ok: false, error: outcome.reason ?? 'failed' };
  }

  async function count(
    target: Container,
    tool: string,
    phase: IoRow['phase'],
    situation: string,
    args: Record<string, unknown>
  ): Promise<void> {
    const dynamo = snapshot(standIns.dynamoProxy.counts);
    const secrets = standIns.secretsManager.total();
    const store = (target.store.stats?.reads ?? 0) + (target.store.stats?.writes ?? 0);
    const tokens = sim.tokenRequests;
    const agentApi = sim.sessionsStarted + sim.messagesReceived + sim.sessionsEnded;
    const outcome = await call(target, tool, args);
    const operations: Record<string, number> = {};
    let dynamoRequests = 0;
    for (const [operation, value] of standIns.dynamoProxy.counts) {
      const delta = value - (dynamo.get(operation) ?? 0);
      if (delta > 0) operations[operation] = delta;
      dynamoRequests += delta;
    }
    rows.push({
      tool,
      phase,
      situation,
      dynamoRequests,
      dynamoOperations:
        Object.entries(operations)
          .map(([operation, n]) => `${operation}×${n}`)
          .join(', ') || '—',
      operations,
      storeOperations: (target.store.stats?.reads ?? 0) + (target.store.stats?.writes ?? 0) - store,
      secretsManagerRequests: standIns.secretsManager.total() - secrets,
      tokenRequests: sim.tokenRequests - tokens,
      agentApiRequests: sim.sessionsStarted + sim.messagesReceived + sim.sessionsEnded - agentApi,
      ...outcome,
    });
  }

  const email = () => `io-${randomUUID().slice(0, 8)}@example.com`;
  const setup = container();
  const openSession = async (clientEmail: string) => {
    const outcome = await call(setup, 'create-agent-session', { client_email: clientEmail });
    if (!outcome.ok) throw new Error(`I/O setup failed: ${outcome.error}`);
  };

  {
    const target = container();
    const who = { client_email: email() };
    await count(target, 'authenticate', 'cold', 'new client', who);
    await count(target, 'authenticate', 'warm', 'authenticated client', who);
  }
  {
    const target = container();
    const who = { client_email: email() };
    await count(target, 'create-agent-session', 'cold', 'new client', who);
    await count(target, 'create-agent-session', 'warm', 'ends the open session first', who);
  }
  {
    const who = { client_email: email() };
    await openSession(who.client_email);
    const target = container();
    await count(target, 'send-message-to-agent', 'cold', 'open session', {
      ...who,
      message: MESSAGE,
    });
    await count(target, 'send-message-to-agent', 'warm', 'open session', {
      ...who,
      message: MESSAGE,
    });
  }
  {
    const who = { client_email: email() };
    await openSession(who.client_email);
    const target = container();
    await count(target, 'get-session-status', 'cold', 'open session', who);
    await count(target, 'get-session-status', 'warm', 'open session', who);
  }
  {
    const target = container();
    const who = { client_email: email() };
    await count(
      target,
      'complete-agentforce-conversation',
      'cold',
      'new client: starts a session',
      {
        ...who,
        message: MESSAGE,
      }
    );
    await count(target, 'complete-agentforce-conversation', 'warm', 'open session', {
      ...who,
      message: MESSAGE,
    });
  }
  {
    const who = { client_email: email() };
    await openSession(who.client_email);
    const target = container();
    await count(target, 'end-agent-session', 'cold', 'open session', who);
    await call(target, 'create-agent-session', who);
    await count(target, 'end-agent-session', 'warm', 'open session', who);
  }
  return rows;
}
