import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NO_AUTH_TENANT } from '../../lambda/auth/index.js';
import { SecretsManagerCredentialsSource } from '../../lambda/secrets/credentials.js';
import { faultyDocumentClient, faultySecretsManager } from './support/aws-faults.js';
import { reportFigures } from './support/figures.js';
import { type LoadRig, startRig } from './support/load.js';
import type { Outcome } from './support/mcp.js';
import { connectOverHttp } from './support/mcp.js';
import { storedItem } from './support/state-audit.js';
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
 * Fast fault scenarios (part of `npm test`). Each states the outcome a caller can rely on; the
 * slow variants (production lease lengths, faults under load) are in faults.reliability.ts.
 */

const email = () => freshEmail();

describe('Faults (fast): Salesforce tokens', () => {
  let rig: LoadRig;
  let client: Client;
  beforeAll(async () => {
    rig = await startRig({ latencyMs: 5 });
    client = await connectOverHttp(rig.server.mcpUrl);
  });
  afterAll(async () => {
    await client.close();
    await rig.close();
  });
  afterEach(() => rig.harness.simulator.configure({ tokenEndpointDown: false }));

  it('returns every turn of 6 concurrent conversations when all tokens expire mid-conversation, with one new token', async () => {
    // Prepare
    const emails = Array.from({ length: 6 }, email);
    const before = await Promise.all(emails.map((e) => converse(client, e, 'first question')));
    const tokensBefore = rig.harness.simulator.counters.tokenRequests;

    // Act
    rig.harness.simulator.expireAllTokens();
    const after = await Promise.all(emails.map((e) => converse(client, e, 'second question')));

    // Assess
    expect(after.map(codeOf)).toEqual(emails.map(() => 'ok'));
    expect(after.map((o, i) => idOf(o) > idOf(before[i] as Outcome))).toEqual(
      emails.map(() => true)
    );
    expect(rig.harness.simulator.counters.tokenRequests - tokensBefore).toBe(1);
    expect(rig.harness.simulator.counters.refusedBusy).toBe(0);
  });

  it('returns a retryable tool error while the token endpoint is down, has nothing processed, and resumes the same session', async () => {
    // Prepare
    const clientEmail = email();
    const first = await converse(client, clientEmail, 'before the outage');
    const sessionId = field(first, 'session_id');
    rig.harness.simulator.configure({ tokenEndpointDown: true });
    rig.harness.simulator.expireAllTokens();
    const sentBefore = rig.upstream.sent.length;
    const tokenCallsBefore = rig.upstream.tokenStatuses.length;

    // Act
    const during = await converse(client, clientEmail, 'during the outage');
    const sentDuring = rig.upstream.sent.slice(sentBefore);
    const tokenCallsDuring = rig.upstream.tokenStatuses.slice(tokenCallsBefore);
    const itemDuring = await storedItem(rig.harness.tableName, clientEmail);
    rig.harness.simulator.configure({ tokenEndpointDown: false });
    const after = await converse(client, clientEmail, 'after the outage');

    // Assess
    expect(codeOf(during)).toBe('UPSTREAM_UNAVAILABLE');
    expect(during.kind === 'tool-error' && during.text).toMatch(/Retry/);
    // The revoked token is tried once (401) before the refresh that fails: nothing is processed.
    expect(sentDuring.map((t) => t.status)).toEqual([401]);
    expect(tokenCallsDuring).toEqual([503, 503, 503]);
    expect(itemDuring?.leaseId).toBeUndefined();
    expect(itemDuring?.sessionId).toBe(sessionId);
    expect(field(after, 'session_id')).toBe(sessionId);
    expect(field(after, 'session_created')).toBe(false);
    // The id the 401 carried is not reused: the next turn's is higher.
    const ids = rig.harness.simulator.counters.sequenceIds.get(String(sessionId));
    expect(ids).toEqual([idOf(first), idOf(after)]);
    expect(idOf(after)).toBeGreaterThan(sentDuring[0]?.sequenceId ?? Number.POSITIVE_INFINITY);
    expect((await storedItem(rig.harness.tableName, clientEmail))?.lastSequenceId).toBe(
      ids?.at(-1)
    );
  });
});

describe('Faults (fast): Agent API 429 and 503', () => {
  let rig: LoadRig;
  let client: Client;
  beforeAll(async () => {
    rig = await startRig({ latencyMs: 5 });
    client = await connectOverHttp(rig.server.mcpUrl);
  });
  afterAll(async () => {
    await client.close();
    await rig.close();
  });
  afterEach(() => rig.harness.simulator.clearFaults());

  it('rides out a 429 then 503 burst within the retry budget and has the turn processed once', async () => {
    // Prepare
    const clientEmail = email();
    const first = await converse(client, clientEmail, 'one');
    const sessionId = String(field(first, 'session_id'));
    rig.harness.simulator.injectFault({
      route: 'message',
      status: 429,
      times: 1,
      retryAfterSeconds: 0,
    });
    rig.harness.simulator.injectFault({ route: 'message', status: 503, times: 1 });
    const sentBefore = rig.upstream.sent.length;

    // Act
    const outcome = await converse(client, clientEmail, 'two');

    // Assess: the retries resend the same id; the simulator accepted it once.
    const id = idOf(outcome);
    expect(id).toBeGreaterThan(idOf(first));
    const attempts = rig.upstream.sent.slice(sentBefore);
    expect(attempts.map((t) => [t.sequenceId, t.status])).toEqual([
      [id, 429],
      [id, 503],
      [id, 200],
    ]);
    expect(rig.harness.simulator.counters.sequenceIds.get(sessionId)).toEqual([idOf(first), id]);
  });

  it('returns RATE_LIMITED at once when Retry-After is longer than the budget, then resumes', async () => {
    // Prepare
    const clientEmail = email();
    const first = await converse(client, clientEmail, 'one');
    rig.harness.simulator.injectFault({
      route: 'message',
      status: 429,
      times: 1,
      retryAfterSeconds: 30,
    });

    // Act
    const started = performance.now();
    const limited = await converse(client, clientEmail, 'two');
    const elapsed = performance.now() - started;
    const after = await converse(client, clientEmail, 'three');

    // Assess
    expect(codeOf(limited)).toBe('RATE_LIMITED');
    expect(limited.kind === 'tool-error' && limited.text).toMatch(/Retry in 30 seconds/);
    expect(elapsed).toBeLessThan(10_000);
    expect(idOf(after)).toBeGreaterThan(idOf(first));
  });

  it('returns UPSTREAM_UNAVAILABLE when 503s outlast the retries, and the next turn takes a higher id', async () => {
    // Prepare
    const clientEmail = email();
    const first = await converse(client, clientEmail, 'one');
    const sessionId = String(field(first, 'session_id'));
    rig.harness.simulator.injectFault({ route: 'message', status: 503, times: 3 });

    // Act
    const failed = await converse(client, clientEmail, 'two');
    const after = await converse(client, clientEmail, 'three');

    // Assess
    expect(codeOf(failed)).toBe('UPSTREAM_UNAVAILABLE');
    const accepted = acceptedIds(rig.upstream.sent, sessionId);
    expect(accepted).toEqual([idOf(first), idOf(after)]);
    // The failed turn's id (sent three times) is not reused: the next one is above it.
    const failedIds = rig.upstream.sent.filter((t) => t.status === 503).map((t) => t.sequenceId);
    expect(idOf(after)).toBeGreaterThan(Math.max(...failedIds));
    expect((await storedItem(rig.harness.tableName, clientEmail))?.lastSequenceId).toBe(
      idOf(after)
    );
  });

  it('returns a tool error for a connection cut mid-request and does not resend the turn', async () => {
    // Prepare
    const clientEmail = email();
    const first = await converse(client, clientEmail, 'one');
    rig.harness.simulator.injectFault({ route: 'message', status: 'network', times: 1 });
    const sentBefore = rig.upstream.sent.length;

    // Act
    const cut = await converse(client, clientEmail, 'two');
    const after = await converse(client, clientEmail, 'three');

    // Assess
    expect(codeOf(cut)).toBe('UPSTREAM_UNAVAILABLE');
    const sent = rig.upstream.sent.slice(sentBefore).map((t) => t.sequenceId);
    expect(sent).toHaveLength(2);
    expect(sent.at(-1)).toBe(idOf(after));
    expect(increasing([idOf(first), ...sent])).toBe(true);
  });
});

describe('Faults (fast): a holder that dies with the lease', () => {
  const LEASE = { leaseMs: 1_500, leaseWaitMs: 300 } as const;

  it('returns BUSY while a dead holder keeps the lease and answers once it expires, skipping its id', async () => {
    // Prepare
    const rig = await startRig({ latencyMs: 5, lease: LEASE });
    const client = await connectOverHttp(rig.server.mcpUrl);
    try {
      const clientEmail = email();
      const first = await converse(client, clientEmail, 'one');
      const sessionId = String(field(first, 'session_id'));
      // A Lambda that took the lease (and reserved an id) and then died before sending or releasing.
      const dead = await rig.harness.deps.store.acquireLease(clientEmail, NO_AUTH_TENANT, {
        leaseMs: LEASE.leaseMs,
        waitMs: 0,
      });
      const diedAt = performance.now();

      // Act
      const next = await untilAnswered(() => converse(client, clientEmail, 'two'), 100, 5_000);
      const recoveredMs = Math.round(performance.now() - diedAt);

      // Assess
      expect(next.refusals.length).toBeGreaterThan(0);
      expect(new Set(next.refusals)).toEqual(new Set(['BUSY']));
      expect(recoveredMs).toBeGreaterThanOrEqual(LEASE.leaseMs - 50);
      expect(recoveredMs).toBeLessThan(LEASE.leaseMs + 3_500);
      const id = idOf(next.outcome);
      expect(id).toBeGreaterThan(dead.sequenceId);
      expect(rig.harness.simulator.counters.sequenceIds.get(sessionId)).toEqual([idOf(first), id]);
      expect(await storedItem(rig.harness.tableName, clientEmail)).toMatchObject({
        sessionId,
        lastSequenceId: id,
      });
      expect((await storedItem(rig.harness.tableName, clientEmail))?.leaseId).toBeUndefined();
      reportFigures('fault (fast): dead lease holder', {
        leaseMs: LEASE.leaseMs,
        recoveredAfterMs: recoveredMs,
        busyRefusals: next.refusals.length,
      });
    } finally {
      await client.close();
      await rig.close();
    }
  });
});

describe('Faults (fast): DynamoDB throttled', () => {
  const dynamo = faultyDocumentClient();
  let rig: LoadRig;
  let client: Client;
  beforeAll(async () => {
    rig = await startRig({ latencyMs: 5, overrides: { documentClient: dynamo.client } });
    client = await connectOverHttp(rig.server.mcpUrl);
  });
  afterAll(async () => {
    await client.close();
    await rig.close();
    dynamo.destroy();
  });

  it('returns STATE_UNAVAILABLE without calling the agent while DynamoDB throttles, then recovers', async () => {
    // Prepare
    const clientEmail = email();
    const first = await converse(client, clientEmail, 'one');
    const sentBefore = rig.upstream.sent.length;
    dynamo.faults.throttleUpdates = 1;

    // Act
    const throttledTurn = await converse(client, clientEmail, 'two');
    const sentDuring = rig.upstream.sent.length - sentBefore;
    const after = await converse(client, clientEmail, 'three');

    // Assess
    expect(codeOf(throttledTurn)).toBe('STATE_UNAVAILABLE');
    expect(throttledTurn.kind === 'tool-error' && throttledTurn.text).toMatch(/nothing was sent/);
    expect(sentDuring).toBe(0);
    expect(idOf(after)).toBeGreaterThan(idOf(first));
    expect((await storedItem(rig.harness.tableName, clientEmail))?.lastSequenceId).toBe(
      idOf(after)
    );
  });
});

describe('Faults (fast): Secrets Manager unavailable', () => {
  const secretArn = 'arn:aws:secretsmanager:us-east-1:000000000000:secret:salesforce-AbCdEf';
  let rig: LoadRig;
  let client: Client;
  const secrets = faultySecretsManager(secretArn, () => ({
    SALESFORCE_CLIENT_ID: rig.harness.simulator.credentials.clientId,
    SALESFORCE_CLIENT_SECRET: rig.harness.simulator.credentials.clientSecret,
  }));
  beforeAll(async () => {
    rig = await startRig({
      latencyMs: 5,
      env: { SALESFORCE_SECRET_ARN: secretArn },
      overrides: {
        credentials: new SecretsManagerCredentialsSource({ secretArn, client: secrets.client }),
      },
    });
    client = await connectOverHttp(rig.server.mcpUrl);
  });
  afterAll(async () => {
    await client.close();
    await rig.close();
    secrets.restore();
  });

  it('returns CREDENTIALS_UNAVAILABLE on a cold start while Secrets Manager fails, then recovers', async () => {
    // Prepare
    const clientEmail = email();
    secrets.state.down = true;

    // Act
    const cold = await converse(client, clientEmail, 'one');
    const itemDuring = await storedItem(rig.harness.tableName, clientEmail);
    secrets.state.down = false;
    const after = await converse(client, clientEmail, 'two');

    // Assess
    expect(codeOf(cold)).toBe('CREDENTIALS_UNAVAILABLE');
    expect(rig.harness.simulator.counters.tokenRequests).toBe(1);
    expect(itemDuring?.leaseId).toBeUndefined();
    expect(itemDuring?.sessionId).toBeUndefined();
    expect(field(after, 'session_created')).toBe(true);
    expect(
      rig.harness.simulator.counters.sequenceIds.get(String(field(after, 'session_id')))
    ).toEqual([idOf(after)]);
    expect(rig.harness.simulator.counters.sessionsStarted).toBe(1);
  });

  it('keeps answering from the cached token and secret while Secrets Manager is down', async () => {
    // Prepare
    const clientEmail = email();
    secrets.state.down = false;
    const first = await converse(client, clientEmail, 'one');
    secrets.state.down = true;
    const callsBefore = secrets.state.calls;

    // Act
    const warm = await converse(client, clientEmail, 'two');
    rig.harness.simulator.expireAllTokens();
    const refreshed = await converse(client, clientEmail, 'three');

    // Assess
    expect(increasing([idOf(first), idOf(warm), idOf(refreshed)])).toBe(true);
    expect(secrets.state.calls).toBe(callsBefore);
  });
});
