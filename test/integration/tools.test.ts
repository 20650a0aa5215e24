import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../lambda/mcp/tools/index.js';
import { callTool, type Harness, startHarness, textOf } from '../helpers/harness.js';

let harness: Harness;
let client: Client;
let n = 0;
/** A fresh client email per test keeps tests independent inside one table. */
const email = () => `user${++n}-${Date.now()}@example.com`;

beforeAll(async () => {
  harness = await startHarness();
  client = await harness.connect();
});
afterAll(() => harness.close());

describe('Tool: complete-agentforce-conversation', () => {
  it('starts a session on first use and reuses it on the next call', async () => {
    // Prepare
    const clientEmail = email();
    const startedAt = Date.now();

    // Act
    const first = await callTool(client, 'complete-agentforce-conversation', {
      client_email: clientEmail,
      message: 'What are your opening hours?',
    });
    const second = await callTool(client, 'complete-agentforce-conversation', {
      client_email: clientEmail,
      message: 'And on Sundays?',
    });

    // Assess
    expect(first.isError).toBeFalsy();
    const a = first.structuredContent as Record<string, unknown>;
    const b = second.structuredContent as Record<string, unknown>;
    expect(a.session_created).toBe(true);
    expect(a.greeting).not.toBe('');
    // Salesforce's own clients send Date.now(); ours sends max(now, last + 1).
    expect(a.sequence_id).toBeGreaterThanOrEqual(startedAt);
    expect(a.reply).toContain('What are your opening hours?');
    expect(b.session_created).toBe(false);
    expect(b.session_id).toBe(a.session_id);
    expect(b.sequence_id).toBeGreaterThan(a.sequence_id as number);
    expect(harness.simulator.counters.sequenceIds.get(a.session_id as string)).toEqual([
      a.sequence_id,
      b.sequence_id,
    ]);
    expect(textOf(second)).toContain('And on Sundays?');
  });

  it('replaces a session that expired upstream and answers in the same call', async () => {
    // Prepare
    const clientEmail = email();
    const first = await callTool(client, 'complete-agentforce-conversation', {
      client_email: clientEmail,
      message: 'Hello',
    });
    const expiredId = (first.structuredContent as Record<string, unknown>).session_id as string;
    harness.simulator.expireSession(expiredId);

    // Act
    const result = await callTool(client, 'complete-agentforce-conversation', {
      client_email: clientEmail,
      message: 'Are you still there?',
    });

    // Assess
    const content = result.structuredContent as Record<string, unknown>;
    expect(result.isError).toBeFalsy();
    expect(content.session_created).toBe(true);
    expect(content.session_id).not.toBe(expiredId);
    expect(content.sequence_id).toBeGreaterThan(
      (first.structuredContent as Record<string, number>).sequence_id as number
    );
  });

  it('returns every message of a multi-message turn, typed and flat', async () => {
    // Act
    const result = await callTool(client, 'complete-agentforce-conversation', {
      client_email: email(),
      message: 'I want to talk to a human, please escalate',
    });

    // Assess
    const content = result.structuredContent as {
      message_types: string;
      messages: Array<Record<string, unknown>>;
    };
    expect(content.message_types.split(',')).toContain('Escalate');
    expect(content.messages.length).toBeGreaterThanOrEqual(2);
    for (const message of content.messages) {
      for (const value of Object.values(message)) expect(typeof value).not.toBe('object');
    }
  });
});

describe('Tools: step by step', () => {
  it('authenticates, creates a session, sends, reports status and ends the session', async () => {
    // Prepare
    const clientEmail = email();
    const startedAt = Date.now();

    // Act
    const auth = await callTool(client, 'authenticate', { client_email: clientEmail });
    const created = await callTool(client, 'create-agent-session', { client_email: clientEmail });
    const sent = await callTool(client, 'send-message-to-agent', {
      client_email: clientEmail,
      message: 'Track order 42',
    });
    const status = await callTool(client, 'get-session-status', { client_email: clientEmail });
    const ended = await callTool(client, 'end-agent-session', { client_email: clientEmail });
    const after = await callTool(client, 'get-session-status', { client_email: clientEmail });

    // Assess
    expect((auth.structuredContent as Record<string, unknown>).authenticated).toBe(true);
    const sessionId = (created.structuredContent as Record<string, unknown>).session_id;
    expect(typeof sessionId).toBe('string');
    const sequenceId = (sent.structuredContent as Record<string, unknown>).sequence_id;
    expect(sequenceId).toBeGreaterThanOrEqual(startedAt);
    expect(status.structuredContent).toMatchObject({
      authenticated: true,
      has_session: true,
      session_id: sessionId,
      last_sequence_id: sequenceId,
      likely_expired: false,
    });
    expect(ended.structuredContent).toMatchObject({ ended: true, session_id: sessionId });
    expect(after.structuredContent).toMatchObject({ has_session: false, session_id: '' });
  });

  it('ends the previous session upstream when a new one is created', async () => {
    // Prepare
    const clientEmail = email();
    await callTool(client, 'create-agent-session', { client_email: clientEmail });
    const endedBefore = harness.simulator.counters.sessionsEnded;

    // Act
    const second = await callTool(client, 'create-agent-session', { client_email: clientEmail });

    // Assess
    expect(harness.simulator.counters.sessionsEnded).toBe(endedBefore + 1);
    expect((second.structuredContent as Record<string, unknown>).ended_session_id).not.toBe('');
  });

  it('returns a tool error telling the caller to create a session first', async () => {
    // Act
    const result = await callTool(client, 'send-message-to-agent', {
      client_email: email(),
      message: 'Hi',
    });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('create-agent-session');
  });

  it('clears a session that expired upstream and says how to continue', async () => {
    // Prepare
    const clientEmail = email();
    const created = await callTool(client, 'create-agent-session', { client_email: clientEmail });
    harness.simulator.expireSession(
      (created.structuredContent as Record<string, string>).session_id as string
    );

    // Act
    const result = await callTool(client, 'send-message-to-agent', {
      client_email: clientEmail,
      message: 'Hello?',
    });
    const status = await callTool(client, 'get-session-status', { client_email: clientEmail });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/expired.*create-agent-session/s);
    expect((status.structuredContent as Record<string, unknown>).has_session).toBe(false);
  });

  it('ends nothing and succeeds when no session is open', async () => {
    const result = await callTool(client, 'end-agent-session', { client_email: email() });
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({ ended: false, session_id: '' });
  });
});

describe('Tools: input validation', () => {
  const INVALID_INPUT =
    /^The tool arguments are invalid: .+\. Fix them and call again\. \[INVALID_INPUT\]$/;

  it.each(TOOL_NAMES)(
    '%s answers an invalid email with [INVALID_INPUT] and calls nothing upstream',
    async (name) => {
      // Prepare
      const before = { ...harness.simulator.counters };

      // Act
      const result = await callTool(client, name, {
        client_email: 'not-an-email',
        message: 'Hi',
      });

      // Assess
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(INVALID_INPUT);
      expect(textOf(result)).toContain('client_email: must be an email address');
      expect(textOf(result)).not.toContain('not-an-email');
      expect(textOf(result)).not.toMatch(/MCP error|-32602|invalid_format/);
      expect(harness.simulator.counters.sessionsStarted).toBe(before.sessionsStarted);
      expect(harness.simulator.counters.messagesReceived).toBe(before.messagesReceived);
    }
  );

  it('names every missing argument', async () => {
    const result = await callTool(client, 'send-message-to-agent', {});
    expect(textOf(result)).toMatch(INVALID_INPUT);
    expect(textOf(result)).toContain('client_email: is required; message: is required');
  });

  it('answers an oversized message with the limit and what to do', async () => {
    const result = await callTool(client, 'complete-agentforce-conversation', {
      client_email: email(),
      message: 'x'.repeat(10_001),
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(INVALID_INPUT);
    expect(textOf(result)).toContain(
      'message: must be at most 10000 characters; shorten the message'
    );
  });

  it('answers a blank message as empty, after trimming', async () => {
    const result = await callTool(client, 'send-message-to-agent', {
      client_email: email(),
      message: '   ',
    });
    expect(textOf(result)).toContain('message: must not be empty');
  });

  it('normalises the email so case does not split a conversation', async () => {
    const base = email();
    const lower = await callTool(client, 'complete-agentforce-conversation', {
      client_email: base,
      message: 'One',
    });
    const upper = await callTool(client, 'complete-agentforce-conversation', {
      client_email: base.toUpperCase(),
      message: 'Two',
    });
    const first = lower.structuredContent as Record<string, unknown>;
    expect(upper.structuredContent).toMatchObject({
      client_email: base,
      session_id: first.session_id,
      session_created: false,
    });
  });
});

describe('Tools: token lifecycle', () => {
  it('refreshes an expired Salesforce token and completes the turn', async () => {
    // Prepare
    const clientEmail = email();
    await callTool(client, 'complete-agentforce-conversation', {
      client_email: clientEmail,
      message: 'A',
    });
    const tokensBefore = harness.simulator.counters.tokenRequests;
    harness.simulator.expireAllTokens();

    // Act
    const result = await callTool(client, 'complete-agentforce-conversation', {
      client_email: clientEmail,
      message: 'B',
    });

    // Assess
    expect(result.isError).toBeFalsy();
    expect(harness.simulator.counters.tokenRequests).toBe(tokensBefore + 1);
  });

  it('makes no token request on the warm path', async () => {
    const clientEmail = email();
    await callTool(client, 'complete-agentforce-conversation', {
      client_email: clientEmail,
      message: 'A',
    });
    const tokensBefore = harness.simulator.counters.tokenRequests;
    await callTool(client, 'complete-agentforce-conversation', {
      client_email: clientEmail,
      message: 'B',
    });
    await callTool(client, 'send-message-to-agent', { client_email: clientEmail, message: 'C' });
    expect(harness.simulator.counters.tokenRequests).toBe(tokensBefore);
  });
});

describe('Tools: concurrency', () => {
  // 50 turns queue behind one lease: give the queue the production deadline and wait, so a slow
  // machine (coverage, a loaded CI host) does not turn the last places into [BUSY].
  let queued: Harness;
  let client: Client;
  beforeAll(async () => {
    queued = await startHarness({ env: { TOOL_DEADLINE_MS: '45000', LEASE_WAIT_MS: '45000' } });
    client = await queued.connect();
  });
  afterAll(() => queued.close());

  it('serialises 50 parallel sends for one email into 50 increasing sequence ids with no 423', {
    timeout: 60_000,
  }, async () => {
    const harness = queued;
    // Prepare
    const clientEmail = email();
    const created = await callTool(client, 'create-agent-session', { client_email: clientEmail });
    const sessionId = (created.structuredContent as Record<string, string>).session_id as string;
    harness.simulator.configure({ latencyMs: 5 });
    const refusedBefore = harness.simulator.counters.refusedBusy;

    // Act
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        callTool(client, 'send-message-to-agent', { client_email: clientEmail, message: `m${i}` })
      )
    );
    harness.simulator.configure({ latencyMs: 0 });

    // Assess
    expect(results.filter((result) => result.isError)).toEqual([]);
    const seen = harness.simulator.counters.sequenceIds.get(sessionId) ?? [];
    expect(seen).toHaveLength(50);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(new Set(seen).size).toBe(50);
    expect(harness.simulator.counters.refusedBusy).toBe(refusedBefore);
    const answered = results.map(
      (r) => (r.structuredContent as Record<string, number>).sequence_id
    );
    expect([...answered].sort((a, b) => (a as number) - (b as number))).toEqual(seen);
    const status = await callTool(client, 'get-session-status', { client_email: clientEmail });
    expect((status.structuredContent as Record<string, unknown>).last_sequence_id).toBe(
      seen.at(-1)
    );
  });
});
