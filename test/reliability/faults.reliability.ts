import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretsManagerCredentialsSource } from '../../lambda/secrets/credentials.js';
import { invocationBudgetMs } from '../../lambda/shared/deadline.js';
import { createDocumentClient } from '../../lambda/state/dynamodb-session-store.js';
import { LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '../../local/dynamodb-local.js';
import {
  faultyDocumentClient,
  faultySecretsManager,
  startThrottlingProxy,
} from './support/aws-faults.js';
import { reportFigures } from './support/figures.js';
import { figuresOf, type LoadRig, runManyEmails, startRig } from './support/load.js';
import { call, connectOverHttp } from './support/mcp.js';
import { scanTable, storedItem } from './support/state-audit.js';
import {
  acceptedIds,
  codeOf,
  converse,
  field,
  freshEmail,
  idOf,
  increasing,
  untilAnswered,
} from './support/turns.js';

/*
 * Slow fault scenarios (`npm run test:reliability` only): production lease lengths, faults that
 * need seconds to play out, and faults injected while many clients are talking.
 */

const email = () => freshEmail();
/** A short tool deadline, so the production lease (deadline + margin) expires within seconds. */
const DEADLINE_MS = 2_000;

/** Runs `body` against a fresh rig and one connected client, closing both afterwards. */
async function withRig(
  options: Parameters<typeof startRig>[0],
  body: (rig: LoadRig, client: Client) => Promise<void>
): Promise<void> {
  const rig = await startRig(options);
  const client = await connectOverHttp(rig.server.mcpUrl);
  try {
    await body(rig, client);
  } finally {
    await client.close();
    await rig.close();
  }
}

describe('Faults: session expired upstream (404)', () => {
  it('starts exactly one replacement session for 8 concurrent turns after the session expired', () =>
    withRig({ latencyMs: 5 }, async (rig, client) => {
      // Prepare
      const clientEmail = email();
      const first = await converse(client, clientEmail, 'one');
      const expired = String(field(first, 'session_id'));
      rig.harness.simulator.expireSession(expired);

      // Act
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, (_, i) => converse(client, clientEmail, `again ${i}`))
      );

      // Assess
      expect(outcomes.map(codeOf)).toEqual(outcomes.map(() => 'ok'));
      const sessions = [...new Set(outcomes.map((o) => String(field(o, 'session_id'))))];
      expect(sessions).toHaveLength(1);
      expect(sessions).not.toContain(expired);
      expect(outcomes.filter((o) => field(o, 'session_created') === true)).toHaveLength(1);
      expect(rig.harness.simulator.counters.sessionsStarted).toBe(2);
      const seen = rig.harness.simulator.counters.sequenceIds.get(sessions[0] as string) ?? [];
      expect(seen).toHaveLength(8);
      expect(increasing(seen)).toBe(true);
      expect(await storedItem(rig.harness.tableName, clientEmail)).toMatchObject({
        sessionId: sessions[0],
        lastSequenceId: seen.at(-1),
      });
    }));
});

describe('Faults: turns slower than the deadline', () => {
  it('returns DEADLINE in time, frees the lease at once, and the next turn proceeds with a higher id', () =>
    // 300 ms per turn, x5 for "slow": the slow turn takes 1.5 s against a 1 s tool deadline.
    withRig({ latencyMs: 300, env: { TOOL_DEADLINE_MS: '1000' } }, async (rig, client) => {
      // Prepare
      const clientEmail = email();
      const first = await converse(client, clientEmail, 'one');
      const sessionId = String(field(first, 'session_id'));

      // Act
      const started = performance.now();
      const slow = await converse(client, clientEmail, 'a slow question');
      const elapsed = performance.now() - started;
      const item = await storedItem(rig.harness.tableName, clientEmail);
      const next = await untilAnswered(() => converse(client, clientEmail, 'three'), 200, 5_000);

      // Assess: Salesforce is still on the slow turn for ~0.5 s and answers 423, which the client
      // retries with the same id; a retry may run out of time (BUSY or DEADLINE), but no id is
      // ever accepted twice or out of order.
      expect(codeOf(slow)).toBe('DEADLINE');
      expect(elapsed).toBeLessThan(1_000 + 250 + 1_250);
      expect(item?.leaseId).toBeUndefined();
      expect(next.refusals.filter((code) => code !== 'BUSY' && code !== 'DEADLINE')).toEqual([]);
      const answeredId = Number(field(next.outcome, 'sequence_id'));
      expect(acceptedIds(rig.upstream.sent, sessionId)).toEqual([idOf(first), answeredId]);
      const seen = rig.harness.simulator.counters.sequenceIds.get(sessionId) ?? [];
      expect(seen[0]).toBe(idOf(first));
      expect(seen.length).toBeGreaterThanOrEqual(3);
      expect(seen.at(-1)).toBe(answeredId);
      // A 423 retry resends its id, so the simulator may see one twice; never one lower.
      expect(seen).toEqual([...seen].sort((a, b) => a - b));
      expect((await storedItem(rig.harness.tableName, clientEmail))?.lastSequenceId).toBe(
        answeredId
      );
      reportFigures('fault: turn slower than the deadline', {
        deadlineMs: 1_000,
        answeredInMs: Math.round(elapsed),
        nextTurnAnsweredAfterMs: next.ms,
        refusalsBeforeAnswer: next.refusals.length,
        refused423: rig.harness.simulator.counters.refusedBusy,
      });
    }));
});

describe('Faults: a turn frozen mid-flight with the lease held', () => {
  it('recovers once a short lease expires, reusing no id', () =>
    withRig(
      {
        // The lease must outlive the deadline plus the settle grace (1.5 s + 2 s), as in production.
        latencyMs: 5,
        lease: { leaseMs: 4_500, leaseWaitMs: 300 },
        env: { TOOL_DEADLINE_MS: '1500' },
      },
      async (rig, client) => {
        // Prepare
        const clientEmail = email();
        const first = await converse(client, clientEmail, 'one');
        const sessionId = String(field(first, 'session_id'));
        let freezes = 1;
        rig.upstream.hangWhen(({ url }) => url.pathname.endsWith('/messages') && freezes-- > 0);

        // Act
        const frozen = await converse(client, clientEmail, 'two');
        const next = await untilAnswered(() => converse(client, clientEmail, 'three'), 100, 5_000);

        // Assess
        expect(codeOf(frozen)).toBe('DEADLINE');
        expect(rig.upstream.hung).toBe(1);
        expect(next.refusals.length).toBeGreaterThan(0);
        const seen = rig.harness.simulator.counters.sequenceIds.get(sessionId) ?? [];
        expect(seen).toHaveLength(3);
        expect(seen[0]).toBe(idOf(first));
        expect(seen[2]).toBe(idOf(next.outcome));
        expect(increasing(seen)).toBe(true);
        expect(rig.harness.simulator.counters.refusedBusy).toBe(0);
        expect((await storedItem(rig.harness.tableName, clientEmail))?.leaseId).toBeUndefined();
      }
    ));

  it('recovers once the production lease (deadline + 5 s) expires, refusing as BUSY until then', () =>
    withRig(
      { latencyMs: 5, env: { TOOL_DEADLINE_MS: String(DEADLINE_MS), LEASE_WAIT_MS: '500' } },
      async (rig, client) => {
        // Prepare: production wiring, so the lease is the deadline + 5 s; callers wait 0.5 s for it.
        const clientEmail = email();
        const first = await converse(client, clientEmail, 'one');
        const sessionId = String(field(first, 'session_id'));
        let freezes = 1;
        rig.upstream.hangWhen(({ url }) => url.pathname.endsWith('/messages') && freezes-- > 0);
        const frozenAt = performance.now();

        // Act
        const frozen = await converse(client, clientEmail, 'two');
        const next = await untilAnswered(() => converse(client, clientEmail, 'three'), 250, 12_000);
        const recoveredMs = Math.round(performance.now() - frozenAt);

        // Assess
        expect(codeOf(frozen)).toBe('DEADLINE');
        expect(new Set(next.refusals)).toEqual(new Set(['BUSY']));
        expect(recoveredMs).toBeGreaterThanOrEqual(invocationBudgetMs(DEADLINE_MS) - 100);
        expect(recoveredMs).toBeLessThan(invocationBudgetMs(DEADLINE_MS) + 2_500);
        const seen = rig.harness.simulator.counters.sequenceIds.get(sessionId) ?? [];
        expect(seen).toHaveLength(3);
        expect([seen[0], seen[2]]).toEqual([idOf(first), idOf(next.outcome)]);
        expect(increasing(seen)).toBe(true);
        reportFigures('fault: turn frozen with the lease (production lease)', {
          leaseMs: invocationBudgetMs(DEADLINE_MS),
          recoveredAfterMs: recoveredMs,
          busyRefusals: next.refusals.length,
          idsSeenBySalesforce: rig.harness.simulator.counters.sequenceIds.get(sessionId),
        });
      }
    ));
});

describe('Faults: DynamoDB fails to release the lease', () => {
  const dynamo = faultyDocumentClient();
  let rig: LoadRig;
  let client: Client;
  beforeAll(async () => {
    rig = await startRig({
      latencyMs: 5,
      lease: { leaseMs: 1_500, leaseWaitMs: 300 },
      overrides: { documentClient: dynamo.client },
    });
    client = await connectOverHttp(rig.server.mcpUrl);
  });
  afterAll(async () => {
    await client.close();
    await rig.close();
    dynamo.destroy();
  });

  it('returns the answer, settles the release on a retry, and the next turn proceeds at once', async () => {
    // Prepare
    const clientEmail = email();
    const first = await converse(client, clientEmail, 'one');
    const sessionId = String(field(first, 'session_id'));
    dynamo.faults.failReleases = 1;

    // Act
    const unreleased = await converse(client, clientEmail, 'two');
    const next = await untilAnswered(() => converse(client, clientEmail, 'three'), 100, 5_000);

    // Assess
    expect(next.refusals).toEqual([]);
    const ids = [first, unreleased, next.outcome].map(idOf);
    expect(increasing(ids)).toBe(true);
    expect(rig.harness.simulator.counters.sequenceIds.get(sessionId)).toEqual(ids);
    expect(await storedItem(rig.harness.tableName, clientEmail)).toMatchObject({
      sessionId,
      lastSequenceId: ids[2],
    });
  });

  it('stores a new session whose first release failed, answers the turn, and the next call reuses it', async () => {
    // Prepare
    const clientEmail = email();
    const openBefore = new Set(rig.upstream.openSessions());
    dynamo.faults.failReleases = 1;

    // Act: the first turn starts a session, then its release (which would store it) fails once.
    const first = await converse(client, clientEmail, 'one');
    const next = await untilAnswered(() => converse(client, clientEmail, 'two'), 100, 5_000);

    // Assess: the retried release stored it; nothing processed twice, nothing leaked upstream.
    expect(field(first, 'session_created')).toBe(true);
    expect(field(next.outcome, 'session_created')).toBe(false);
    expect(field(next.outcome, 'session_id')).toBe(field(first, 'session_id'));
    const item = await storedItem(rig.harness.tableName, clientEmail);
    const opened = [...rig.upstream.openSessions()].filter((id) => !openBefore.has(id));
    expect(opened).toEqual([item?.sessionId]);
  });

  it('stores the session create-agent-session started when its first release failed', async () => {
    // Prepare
    const clientEmail = email();
    await converse(client, clientEmail, 'one');
    const openBefore = new Set(rig.upstream.openSessions());
    dynamo.faults.failReleases = 1;

    // Act: ends the stored session, starts a new one, then fails once to store it.
    const created = await call(client, 'create-agent-session', { client_email: clientEmail });
    const next = await untilAnswered(() => converse(client, clientEmail, 'two'), 100, 5_000);

    // Assess
    expect(codeOf(created)).toBe('ok');
    expect(field(next.outcome, 'session_id')).toBe(field(created, 'session_id'));
    const item = await storedItem(rig.harness.tableName, clientEmail);
    expect(field(next.outcome, 'session_id')).toBe(item?.sessionId);
    const opened = [...rig.upstream.openSessions()].filter((id) => !openBefore.has(id));
    expect(opened).toEqual([item?.sessionId]);
  });
});

describe('Faults: DynamoDB throttled and unreachable (real SDK retries)', () => {
  let proxy: Awaited<ReturnType<typeof startThrottlingProxy>>;
  let rig: LoadRig;
  let client: Client;
  beforeAll(async () => {
    proxy = await startThrottlingProxy();
    rig = await startRig({
      latencyMs: 5,
      overrides: {
        documentClient: createDocumentClient({
          endpoint: proxy.endpoint,
          region: LOCAL_AWS_REGION,
          credentials: LOCAL_AWS_CREDENTIALS,
        }),
      },
    });
    client = await connectOverHttp(rig.server.mcpUrl);
  });
  afterAll(async () => {
    await client.close();
    await rig.close();
    await proxy.close();
  });

  it('absorbs a burst of two throttled requests within the SDK retries', async () => {
    // Prepare
    const clientEmail = email();
    const first = await converse(client, clientEmail, 'one');
    proxy.control.throttle = 2;

    // Act
    const outcome = await converse(client, clientEmail, 'two');

    // Assess
    expect(proxy.control.throttle).toBe(0);
    expect(idOf(outcome)).toBeGreaterThan(idOf(first));
  });

  it('returns STATE_UNAVAILABLE within 5 s under sustained throttling, sends nothing, then recovers', async () => {
    // Prepare
    const clientEmail = email();
    const first = await converse(client, clientEmail, 'one');
    const sentBefore = rig.upstream.sent.length;
    proxy.control.throttle = 1_000;

    // Act
    const started = performance.now();
    const throttled = await converse(client, clientEmail, 'two');
    const elapsed = Math.round(performance.now() - started);
    proxy.control.throttle = 0;
    const after = await converse(client, clientEmail, 'three');

    // Assess
    expect(codeOf(throttled)).toBe('STATE_UNAVAILABLE');
    expect(elapsed).toBeLessThan(5_000);
    expect(rig.upstream.sent.length - sentBefore).toBe(1);
    expect(idOf(after)).toBeGreaterThan(idOf(first));
    reportFigures('fault: DynamoDB throttled beyond the SDK retries', { answeredInMs: elapsed });
  });

  it('returns STATE_UNAVAILABLE within 5 s while DynamoDB is unreachable, then recovers', async () => {
    // Prepare
    const clientEmail = email();
    const first = await converse(client, clientEmail, 'one');
    proxy.control.down = true;

    // Act
    const started = performance.now();
    const down = await converse(client, clientEmail, 'two');
    const elapsed = Math.round(performance.now() - started);
    proxy.control.down = false;
    const after = await converse(client, clientEmail, 'three');

    // Assess
    expect(codeOf(down)).toBe('STATE_UNAVAILABLE');
    expect(elapsed).toBeLessThan(5_000);
    expect(idOf(after)).toBeGreaterThan(idOf(first));
    expect((await storedItem(rig.harness.tableName, clientEmail))?.leaseId).toBeUndefined();
    reportFigures('fault: DynamoDB unreachable', { answeredInMs: elapsed });
  });
});

describe('Faults: Secrets Manager down when the cached secret and token have both expired', () => {
  it('returns CREDENTIALS_UNAVAILABLE without touching the session, then resumes it', async () => {
    const secretArn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:salesforce-XyZ123';
    let credentials = { SALESFORCE_CLIENT_ID: '', SALESFORCE_CLIENT_SECRET: '' };
    const secrets = faultySecretsManager(secretArn, () => credentials);
    await withRig(
      {
        latencyMs: 5,
        env: { SALESFORCE_SECRET_ARN: secretArn },
        overrides: {
          // A 1 s cache instead of 5 min, so the test can outlive it.
          credentials: new SecretsManagerCredentialsSource({
            secretArn,
            client: secrets.client,
            maxAgeSeconds: 1,
          }),
        },
      },
      async (rig, client) => {
        // Prepare
        const { clientId, clientSecret } = rig.harness.simulator.credentials;
        credentials = { SALESFORCE_CLIENT_ID: clientId, SALESFORCE_CLIENT_SECRET: clientSecret };
        const clientEmail = email();
        const first = await converse(client, clientEmail, 'one');
        await new Promise((resolve) => setTimeout(resolve, 1_100));
        secrets.state.down = true;
        rig.harness.simulator.expireAllTokens();

        // Act
        const down = await converse(client, clientEmail, 'two');
        secrets.state.down = false;
        const after = await converse(client, clientEmail, 'three');

        // Assess
        expect(codeOf(down)).toBe('CREDENTIALS_UNAVAILABLE');
        expect(field(after, 'session_id')).toBe(field(first, 'session_id'));
        expect(acceptedIds(rig.upstream.sent, String(field(first, 'session_id')))).toEqual([
          idOf(first),
          idOf(after),
        ]);
      }
    );
    secrets.restore();
  });
});

describe('Faults under load', () => {
  it('keeps 60 conversations consistent through 503 and 429 bursts, two token expiries and expired sessions', async () => {
    // Prepare
    const rig = await startRig({ latencyMs: { min: 5, max: 40 } });
    const sim = rig.harness.simulator;
    const expired = new Set<string>();
    const injected = { http503: 0, http429: 0, tokenExpiries: 0, sessionsExpired: 0 };
    const when = async (progress: () => number, share: number, total: number) => {
      while (progress() < share * total) await new Promise((resolve) => setTimeout(resolve, 20));
    };
    try {
      // Act
      const total = 60 * 4;
      const report = await runManyEmails(rig, {
        emails: 60,
        turns: 4,
        sequence: 'no-reuse',
        expired,
        during: async (progress) => {
          await when(progress, 0.2, total);
          sim.injectFault({ route: 'message', status: 503, times: 30 });
          injected.http503 += 30;
          await when(progress, 0.35, total);
          sim.expireAllTokens();
          injected.tokenExpiries++;
          await when(progress, 0.5, total);
          for (const sessionId of [...rig.upstream.openSessions()].slice(0, 6)) {
            sim.expireSession(sessionId);
            expired.add(sessionId);
          }
          injected.sessionsExpired = expired.size;
          await when(progress, 0.6, total);
          sim.injectFault({ route: 'message', status: 429, times: 20, retryAfterSeconds: 0 });
          injected.http429 += 20;
          await when(progress, 0.75, total);
          sim.expireAllTokens();
          injected.tokenExpiries++;
          sim.injectFault({ route: 'start', status: 503, times: 3 });
          injected.http503 += 3;
        },
      });
      reportFigures('faults under load: 60 emails x 4 turns', {
        ...figuresOf(report, rig),
        injected,
      });

      // Assess: every turn is answered or gets a coded, retryable error; nothing is lost,
      // duplicated, reused or leaked.
      expect(report.problems).toEqual([]);
      expect(report.protocolErrors).toBe(0);
      expect(report.crossTalk).toBe(0);
      expect(report.attempted).toBe(total);
      // NO_SESSION follows a SESSION_EXPIRED (or a failed session start) when the client's next
      // call is send-message-to-agent: the documented guidance to create a session first.
      const allowed = ['UPSTREAM_UNAVAILABLE', 'RATE_LIMITED', 'SESSION_EXPIRED', 'NO_SESSION'];
      expect(Object.keys(report.errors).filter((code) => !allowed.includes(code))).toEqual([]);
      expect(report.answered).toBeGreaterThan(total * 0.8);
      expect(sim.counters.refusedBusy).toBe(0);
      expect((await scanTable(rig.harness.tableName)).length).toBe(60);
    } finally {
      await rig.close();
    }
  });
});
