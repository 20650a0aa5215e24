import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDocumentClient } from '../../lambda/state/dynamodb-session-store.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '../../local/dynamodb-local.js';
import {
  type DynamoProxy,
  isAcquire,
  isRelease,
  startDynamoProxy,
} from './support/dynamo-proxy.js';
import { reportFigures } from './support/figures.js';
import { type LoadRig, startRig } from './support/load.js';
import { call, connectOverHttp, type Outcome } from './support/mcp.js';
import {
  type AnsweredTurn,
  auditConsistency,
  scanTable,
  storedItem,
} from './support/state-audit.js';
import { codeOf, converse, field, freshEmail, idOf, untilAnswered } from './support/turns.js';

/*
 * Findings 3-6 of the fault review, through the real handler and the real store on DynamoDB Local
 * behind a TCP proxy that delays one chosen answer or stalls all traffic (the SDK's own timeouts
 * and retries run, as on AWS). Each scenario checks the invariants:
 * - no duplicate delivery: no turn processed upstream twice, none answered twice, none lost;
 * - sessions started - ended = sessions stored (nothing leaked, nothing stored that was ended);
 * - no lockout beyond the lease margin;
 * - every answer truthful (what it says happened, happened).
 */

/** Successful turns a scenario observed, for the lost/duplicated accounting. */
function answeredOf(outcomes: readonly Outcome[]): AnsweredTurn[] {
  return outcomes.flatMap((outcome) =>
    outcome.kind === 'ok' && outcome.structured.sequence_id !== undefined
      ? [
          {
            sessionId: String(outcome.structured.session_id),
            sequenceId: Number(outcome.structured.sequence_id),
          },
        ]
      : []
  );
}

/**
 * The audit's findings once every queued DynamoDB request has landed. `answered` (the scenario's
 * successful turns) adds the lost/duplicated accounting for their sessions; every state invariant
 * covers the whole table, earlier scenarios on the same rig included.
 */
async function invariants(rig: LoadRig, proxy: DynamoProxy, answered?: readonly Outcome[]) {
  await proxy.settled();
  const turns = answered ? answeredOf(answered) : undefined;
  return auditConsistency({
    items: await scanTable(rig.harness.tableName),
    simulator: rig.harness.simulator,
    upstream: rig.upstream,
    sequence: 'exact',
    ...(turns ? { answered: turns, scope: new Set(turns.map((t) => t.sessionId)) } : {}),
  });
}

/** A rig whose store reaches DynamoDB Local through a fault proxy, with the production SDK settings. */
async function startProxiedRig(env: Record<string, string> = {}) {
  const proxy = await startDynamoProxy(inject('dynamoDbEndpoint'));
  const documentClient = createDocumentClient({
    endpoint: proxy.endpoint,
    region: LOCAL_AWS_REGION,
    credentials: LOCAL_AWS_CREDENTIALS,
  });
  const rig = await startRig({ latencyMs: 5, env, overrides: { documentClient } });
  const client = await connectOverHttp(rig.server.mcpUrl);
  return {
    rig,
    proxy,
    client,
    async close() {
      await client.close();
      await rig.close();
      await proxy.close();
      documentClient.destroy();
    },
  };
}

describe('Turn faults: a release committed but answered after the SDK timeout (finding 3)', () => {
  let env: Awaited<ReturnType<typeof startProxiedRig>>;
  beforeAll(async () => {
    env = await startProxiedRig();
  });
  afterAll(() => env.close());
  afterEach(() => env.rig.harness.simulator.clearFaults());

  it('keeps and answers a new session whose release was answered late, and the next send proceeds', async () => {
    // Prepare
    const { rig, proxy, client } = env;
    const clientEmail = freshEmail('late-release');
    proxy.delayResponse(isRelease, 2_500);

    // Act
    const first = await converse(client, clientEmail, 'one');
    const second = await call(client, 'send-message-to-agent', {
      client_email: clientEmail,
      message: 'two',
    });

    // Assess
    expect(proxy.stats.delayed).toBe(1);
    expect(codeOf(first)).toBe('ok');
    expect(codeOf(second)).toBe('ok');
    expect(field(second, 'session_id')).toBe(field(first, 'session_id'));
    expect(idOf(second)).toBeGreaterThan(idOf(first));
    expect(await invariants(rig, proxy, [first, second])).toEqual([]);
    reportFigures('turn fault: release answered after the SDK timeout (new session)', {
      first: codeOf(first),
      next: codeOf(second),
      sessionsStarted: rig.harness.simulator.counters.sessionsStarted,
    });
  });

  it('keeps the session create-agent-session stored when its release was answered late', async () => {
    // Prepare
    const { rig, proxy, client } = env;
    const clientEmail = freshEmail('late-create');
    const before = await converse(client, clientEmail, 'one');
    proxy.delayResponse(isRelease, 2_500);

    // Act
    const created = await call(client, 'create-agent-session', { client_email: clientEmail });
    const next = await call(client, 'send-message-to-agent', {
      client_email: clientEmail,
      message: 'two',
    });

    // Assess: the old session is ended, the new one is stored and works.
    expect(codeOf(created)).toBe('ok');
    expect(codeOf(next)).toBe('ok');
    expect(field(next, 'session_id')).toBe(field(created, 'session_id'));
    expect(field(next, 'session_id')).not.toBe(field(before, 'session_id'));
    expect(rig.upstream.ended.has(String(field(before, 'session_id')))).toBe(true);
    expect(await invariants(rig, proxy, [before, next])).toEqual([]);
  });
});

describe('Turn faults: DynamoDB stalls after Salesforce answered (finding 4)', () => {
  let env: Awaited<ReturnType<typeof startProxiedRig>>;
  beforeAll(async () => {
    env = await startProxiedRig();
  });
  afterAll(() => env.close());

  it('delivers the first turn of a new session, stores that session, and never processes it twice', async () => {
    // Prepare: every DynamoDB request from the release on is held for 7 s, longer than the SDK's
    // three 2 s attempts.
    const { rig, proxy, client } = env;
    const clientEmail = freshEmail('stall-release');
    proxy.stallFrom(isRelease, 7_000);

    // Act
    const started = performance.now();
    const first = await converse(client, clientEmail, 'one');
    const answeredMs = Math.round(performance.now() - started);
    // A client that got an error retries once, as the text tells it to.
    const retried = codeOf(first) === 'ok' ? [] : [await converse(client, clientEmail, 'one')];

    // Assess
    expect(codeOf(first)).toBe('ok');
    expect(String(field(first, 'reply'))).toContain('one');
    expect(await invariants(rig, proxy, [first, ...retried])).toEqual([]);
    expect(rig.harness.simulator.counters.messagesReceived).toBe(1);
    reportFigures('turn fault: DynamoDB stalls 7 s after the first turn was answered', {
      outcome: codeOf(first),
      answeredInMs: answeredMs,
      messagesProcessed: rig.harness.simulator.counters.messagesReceived,
      stored: (await storedItem(rig.harness.tableName, clientEmail))?.sessionId !== undefined,
    });
  });
});

describe('Turn faults: DynamoDB stalls during the lease acquire (finding 5)', () => {
  let env: Awaited<ReturnType<typeof startProxiedRig>>;
  beforeAll(async () => {
    env = await startProxiedRig();
  });
  afterAll(() => env.close());

  it('says nothing was sent, leaves no ghost lease, and serves the retry once DynamoDB is back', async () => {
    // Prepare
    const { rig, proxy, client } = env;
    const clientEmail = freshEmail('stall-acquire');
    const first = await converse(client, clientEmail, 'one');
    const sentBefore = rig.upstream.sent.length;
    proxy.stallFrom(isAcquire, 7_000);
    const stallStarted = performance.now();

    // Act
    const stalled = await converse(client, clientEmail, 'two');
    const sentDuring = rig.upstream.sent.length - sentBefore;
    const retry = await untilAnswered(() => converse(client, clientEmail, 'two'), 250, 30_000);
    const lockoutMs = Math.round(performance.now() - stallStarted - 7_000);

    reportFigures('turn fault: DynamoDB stalls 7 s during the lease acquire', {
      retryAnsweredInMs: retry.ms,
      first: codeOf(stalled),
      refusalsAfter: retry.refusals,
      lockoutAfterStallMs: lockoutMs,
    });
    // Assess: the first answer is true (nothing was sent); no false BUSY; back within seconds.
    expect(codeOf(stalled)).toBe('STATE_UNAVAILABLE');
    expect(sentDuring).toBe(0);
    expect(retry.refusals.filter((code) => code === 'BUSY')).toEqual([]);
    expect(lockoutMs).toBeLessThan(3_000);
    expect(idOf(retry.outcome)).toBeGreaterThan(idOf(first));
    expect(await invariants(rig, proxy, [first, retry.outcome])).toEqual([]);
  });
});

describe('Turn faults: session starts that fail or answer late (finding 6)', () => {
  it('leaks no session when the start answers after the tool deadline (3 of 3)', async () => {
    // Prepare
    const env = await startProxiedRig({ TOOL_DEADLINE_MS: '1500' });
    const { rig, proxy, client } = env;
    try {
      rig.upstream.delayWhen(({ method, url }) =>
        method === 'POST' && url.pathname.endsWith('/sessions') ? 2_000 : 0
      );

      // Act
      const outcomes: Outcome[] = [];
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        const started = performance.now();
        outcomes.push(await converse(client, freshEmail('slow-start'), 'one'));
        times.push(Math.round(performance.now() - started));
      }
      await sleep(1_500);

      // Assess: answered in time, truthfully, and every session Salesforce started is stored or ended.
      expect(rig.upstream.delayed).toBe(3);
      for (const outcome of outcomes) {
        expect(outcome).toMatchObject({ kind: 'tool-error', code: 'DEADLINE' });
        expect(outcome.text).toMatch(/message was not sent/);
      }
      expect(rig.upstream.sent).toHaveLength(0);
      expect(Math.max(...times)).toBeLessThan(1_500 + 2_500);
      const problems = await invariants(rig, proxy);
      expect(problems).toEqual([]);
      reportFigures('turn fault: session start answered 0.5 s after the tool deadline', {
        outcomes: outcomes.map(codeOf),
        answeredInMs: times,
        sessionsStarted: rig.harness.simulator.counters.sessionsStarted,
        leaked: problems.filter((p) => p.includes('leaked')).length,
      });
    } finally {
      await env.close();
    }
  });

  it('clears the stored pointer when create-agent-session ended the old session and the new start failed', async () => {
    // Prepare
    const env = await startProxiedRig();
    const { rig, proxy, client } = env;
    try {
      const clientEmail = freshEmail('failed-start');
      const before = await converse(client, clientEmail, 'one');
      rig.harness.simulator.injectFault({ route: 'start', status: 500, times: 20 });

      // Act
      const created = await call(client, 'create-agent-session', { client_email: clientEmail });
      rig.harness.simulator.clearFaults();
      const afterCreate = await invariants(rig, proxy);
      const next = await converse(client, clientEmail, 'two');

      // Assess
      expect(codeOf(created)).toBe('UPSTREAM_UNAVAILABLE');
      expect(afterCreate).toEqual([]);
      expect(rig.upstream.ended.has(String(field(before, 'session_id')))).toBe(true);
      expect(codeOf(next)).toBe('ok');
      expect(field(next, 'session_created')).toBe(true);
      expect(await invariants(rig, proxy, [before, next])).toEqual([]);
    } finally {
      await env.close();
    }
  });
});
