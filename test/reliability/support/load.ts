import { randomUUID } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { createApp } from '../../../lambda/app.js';
import { ConversationService } from '../../../lambda/conversation/conversation-service.js';
import type { DependencyOverrides } from '../../../lambda/dependencies.js';
import { createHandler } from '../../../lambda/function-url-handler.js';
import { type Harness, startHarness } from '../../helpers/harness.js';
import { type HandlerServer, serveHandler } from './http-server.js';
import { call, connectOverHttp, type Outcome, percentile, pool } from './mcp.js';
import { type AnsweredTurn, auditConsistency, scanTable } from './state-audit.js';
import { observeUpstream, type UpstreamObserver } from './upstream-observer.js';

/** A running bridge over real HTTP with everything inspectable in-process. */
export interface LoadRig {
  readonly harness: Harness;
  readonly server: HandlerServer;
  readonly upstream: UpstreamObserver;
  close(): Promise<void>;
}

/**
 * Starts the real handler (strict sequence ids in the simulator) behind a loopback HTTP server.
 * `lease` rebuilds the conversation service with a shorter lease than the production
 * deadline + 5 s, so a test can watch a dead holder's lease expire in about a second.
 */
export async function startRig(
  options: {
    env?: Record<string, string>;
    latencyMs?: number | { min: number; max: number };
    overrides?: Omit<DependencyOverrides, 'fetch'>;
    lease?: { leaseMs: number; leaseWaitMs: number };
  } = {}
): Promise<LoadRig> {
  const upstream = observeUpstream();
  const harness = await startHarness({
    env: options.env ?? {},
    simulator: { sequenceIdMode: 'strict', latencyMs: options.latencyMs ?? 0 },
    overrides: { ...options.overrides, fetch: upstream.fetch },
  });
  let handler = harness.handler;
  if (options.lease) {
    const { deps } = harness;
    const conversations = new ConversationService({
      store: deps.store,
      agentforce: deps.agentforce,
      tokens: deps.tokens,
      agentId: deps.config.salesforce.agentId,
      bypassUser: deps.config.salesforce.bypassUser,
      leaseMs: options.lease.leaseMs,
      leaseWaitMs: options.lease.leaseWaitMs,
      sessionIdleMs: deps.config.limits.sessionIdleMs,
      maxSessionsPerTenant: deps.config.limits.maxSessionsPerTenant,
    });
    handler = createHandler(createApp({ config: deps.config, auth: deps.auth, conversations }));
  }
  const server = await serveHandler(handler);
  return {
    harness,
    server,
    upstream,
    async close() {
      await server.close();
      await harness.close();
    },
  };
}

/** The tally of a run: what every turn came to, and what the audit found. */
export interface RunReport {
  readonly attempted: number;
  readonly answered: number;
  readonly busy: number;
  /** Tool errors other than BUSY, by code. */
  readonly errors: Record<string, number>;
  readonly protocolErrors: number;
  /** Answers that did not quote the turn's own message (a cross-talk symptom). */
  readonly crossTalk: number;
  readonly latency: { p50: number; p95: number; p99: number; max: number };
  readonly durationMs: number;
  readonly problems: string[];
  /** Every outcome, for assertions on the exact texts. */
  readonly outcomes: Outcome[];
  readonly answeredTurns: AnsweredTurn[];
}

class Tally {
  readonly outcomes: Outcome[] = [];
  readonly latencies: number[] = [];
  readonly answeredTurns: AnsweredTurn[] = [];
  crossTalk = 0;

  /** Sends one turn and checks an answer quotes this turn's own message. */
  async turn(client: Client, tool: string, email: string, message: string): Promise<Outcome> {
    const started = performance.now();
    const outcome = await call(client, tool, { client_email: email, message });
    this.latencies.push(performance.now() - started);
    this.outcomes.push(outcome);
    if (outcome.kind === 'ok') {
      const { session_id, sequence_id, reply, client_email } = outcome.structured;
      this.answeredTurns.push({ sessionId: String(session_id), sequenceId: Number(sequence_id) });
      if (!String(reply).includes(message) || client_email !== email.toLowerCase())
        this.crossTalk++;
    }
    return outcome;
  }

  async report(
    rig: LoadRig,
    startedAt: number,
    sequence: 'exact' | 'no-reuse',
    expired?: ReadonlySet<string>,
    scope?: ReadonlySet<string>
  ): Promise<RunReport> {
    const durationMs = Math.round(performance.now() - startedAt);
    const items = await scanTable(rig.harness.tableName);
    const problems = auditConsistency({
      items,
      simulator: rig.harness.simulator,
      upstream: rig.upstream,
      answered: this.answeredTurns,
      sequence,
      ...(expired ? { expired } : {}),
      ...(scope ? { scope } : {}),
    });
    const errors: Record<string, number> = {};
    let busy = 0;
    let protocolErrors = 0;
    for (const outcome of this.outcomes) {
      if (outcome.kind === 'protocol-error') protocolErrors++;
      else if (outcome.kind === 'tool-error' && outcome.code === 'BUSY') busy++;
      else if (outcome.kind === 'tool-error')
        errors[outcome.code] = (errors[outcome.code] ?? 0) + 1;
    }
    if (rig.server.stats.crashes > 0)
      problems.push(`${rig.server.stats.crashes} invocation(s) crashed`);
    return {
      attempted: this.outcomes.length,
      answered: this.answeredTurns.length,
      busy,
      errors,
      protocolErrors,
      crossTalk: this.crossTalk,
      latency: {
        p50: percentile(this.latencies, 50),
        p95: percentile(this.latencies, 95),
        p99: percentile(this.latencies, 99),
        max: percentile(this.latencies, 100),
      },
      durationMs,
      problems,
      outcomes: this.outcomes,
      answeredTurns: this.answeredTurns,
    };
  }
}

/** A message the simulator quotes back whole (under 200 characters, no script keywords). */
const utterance = (client: number, turn: number, nonce: string) =>
  `hello from client ${client} turn ${turn} ${nonce}`;

/**
 * Many emails at once: each of `emails` MCP clients (its own HTTP connection, `initialize`
 * included) talks to its own email for `turns` turns, alternating
 * complete-agentforce-conversation and send-message-to-agent; every other client then ends its
 * session. `during` runs while the clients are busy (to inject faults).
 */
export async function runManyEmails(
  rig: LoadRig,
  options: {
    emails: number;
    turns: number;
    concurrency?: number;
    during?: (progress: () => number) => Promise<void>;
    sequence?: 'exact' | 'no-reuse';
    /** Sessions `during` expired in the simulator. */
    expired?: ReadonlySet<string>;
    /** Count lost and duplicated turns in these clients' sessions only (other traffic shares the server). */
    onlyOwnSessions?: boolean;
  }
): Promise<RunReport> {
  const tally = new Tally();
  const nonce = randomUUID().slice(0, 8);
  const startedAt = performance.now();
  const tasks = Array.from({ length: options.emails }, (_, index) => async () => {
    const email = `Load-${index}-${nonce}@Example.com`;
    const client = await connectOverHttp(rig.server.mcpUrl, { name: `load-${index}` });
    try {
      for (let turn = 1; turn <= options.turns; turn++) {
        const tool = turn % 2 === 1 ? 'complete-agentforce-conversation' : 'send-message-to-agent';
        await tally.turn(client, tool, email, utterance(index, turn, nonce));
      }
      if (index % 2 === 0) await call(client, 'end-agent-session', { client_email: email });
    } finally {
      await client.close();
    }
  });
  const load = pool(options.concurrency ?? options.emails, tasks);
  if (options.during) await options.during(() => tally.outcomes.length);
  await load;
  const own = options.onlyOwnSessions
    ? new Set(rig.upstream.sent.filter((t) => t.text.endsWith(nonce)).map((t) => t.sessionId))
    : undefined;
  return tally.report(rig, startedAt, options.sequence ?? 'exact', options.expired, own);
}

/**
 * One email, many callers at once: `calls` concurrent complete-agentforce-conversation calls
 * spread over `clients` MCP clients, on an email that has no session yet (so they also race to
 * create it).
 */
export async function runHotEmail(
  rig: LoadRig,
  options: { calls: number; clients: number }
): Promise<RunReport & { email: string }> {
  const tally = new Tally();
  const nonce = randomUUID().slice(0, 8);
  const email = `hot-${nonce}@example.com`;
  const clients = await Promise.all(
    Array.from({ length: options.clients }, (_, i) =>
      connectOverHttp(rig.server.mcpUrl, { name: `hot-${i}` })
    )
  );
  const startedAt = performance.now();
  try {
    await Promise.all(
      Array.from({ length: options.calls }, (_, i) =>
        tally.turn(
          clients[i % clients.length] as Client,
          'complete-agentforce-conversation',
          email,
          utterance(i, 1, nonce)
        )
      )
    );
  } finally {
    await Promise.all(clients.map((client) => client.close()));
  }
  return { ...(await tally.report(rig, startedAt, 'exact')), email };
}

/** The report without the bulky per-turn lists, for `reportFigures`. */
export function figuresOf(report: RunReport, rig: LoadRig): Record<string, unknown> {
  const counters = rig.harness.simulator.counters;
  return {
    attempted: report.attempted,
    answered: report.answered,
    busy: report.busy,
    errors: report.errors,
    protocolErrors: report.protocolErrors,
    lost: report.problems.filter((p) => p.includes('(lost)')).length,
    duplicated: report.problems.filter((p) => p.includes('duplicated')).length,
    crossTalk: report.crossTalk,
    problems: report.problems.length,
    refused423: counters.refusedBusy,
    messagesReceived: counters.messagesReceived,
    sessionsStarted: counters.sessionsStarted,
    sessionsEnded: counters.sessionsEnded,
    liveSessions: counters.liveSessions,
    tokenRequests: counters.tokenRequests,
    httpRequests: rig.server.stats.invocations,
    maxRequestsInFlight: rig.server.stats.maxInFlight,
    latencyMs: report.latency,
    durationMs: report.durationMs,
    turnsPerSecond: Math.round((report.attempted / Math.max(1, report.durationMs)) * 10_000) / 10,
  };
}
