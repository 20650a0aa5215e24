import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { API, authHeaders, openSession, postMessage, requestToken, UUID } from './helpers.js';

interface Reply {
  messages: Array<Record<string, unknown> & { type: string }>;
  _links: Record<string, unknown>;
}

describe('Function: startSimulator', () => {
  let sim: Simulator;
  let token: string;
  let sessionId: string;

  beforeAll(async () => {
    sim = await startSimulator();
    token = await requestToken(sim);
  });
  beforeEach(async () => {
    sessionId = await openSession(sim, token);
    sim.resetCounters();
  });
  afterEach(() => {
    vi.useRealTimers();
    sim.configure({ latencyMs: 0, sequenceIdMode: 'lenient' });
  });
  afterAll(() => sim.close());

  const ask = async (text: string) => {
    const res = await postMessage(sim, token, sessionId, text);
    expect(res.status).toBe(200);
    return (await res.json()) as Reply;
  };

  describe('Endpoint: POST /sessions/{id}/messages', () => {
    it('answers an Inform quoting the question, with planId equal to feedbackId', async () => {
      // Act
      const reply = await ask('What are your opening hours?');

      // Assess
      expect(reply.messages).toHaveLength(1);
      const [inform] = reply.messages;
      expect(inform).toEqual({
        type: 'Inform',
        id: expect.stringMatching(UUID),
        feedbackId: expect.stringMatching(UUID),
        planId: inform?.feedbackId,
        isContentSafe: true,
        metrics: {},
        message: expect.stringContaining('"What are your opening hours?"'),
        result: [],
        citedReferences: [],
      });
      expect(reply._links).toMatchObject({
        self: null,
        messages: { href: `${sim.url}${API}/sessions/${sessionId}/messages` },
      });
    });

    it('answers an Inquire with collect[] for "create"', async () => {
      // Act
      const [inquire] = (await ask('Create a new account for Acme')).messages;

      // Assess
      expect(inquire).toMatchObject({
        type: 'Inquire',
        isContentSafe: true,
        message: expect.any(String),
        collect: [
          {
            targetType: expect.stringMatching(/^copilotActionInput\//),
            targetProperty: 'accountName',
            data: null,
          },
          expect.objectContaining({ targetProperty: 'industry' }),
        ],
      });
      expect(inquire?.planId).toBe(inquire?.feedbackId);
    });

    it('answers a Confirm with confirm[] for "book"', async () => {
      // Act
      const [confirm] = (await ask('Book a table for two')).messages;

      // Assess
      expect(confirm).toMatchObject({
        type: 'Confirm',
        message: expect.stringContaining('Can I proceed'),
        confirm: [
          {
            type: expect.stringMatching(/^copilotActionInput\//),
            property: '',
            value: expect.any(Object),
          },
        ],
      });
    });

    it('answers a Failure with an empty message and errors[] for "fail"', async () => {
      // Act
      const [failure] = (await ask('make the action fail')).messages;

      // Assess
      expect(failure).toMatchObject({
        type: 'Failure',
        message: '',
        code: 'ACTION_FAILED',
        errors: ['Unfortunately a system error occurred. Please try again.'],
      });
    });

    it('answers an Inform then an Escalate with targets for "human"', async () => {
      // Act
      const { messages } = await ask('I want to talk to a human');

      // Assess
      expect(messages.map((m) => m.type)).toEqual(['Inform', 'Escalate']);
      expect(messages[1]).toEqual({
        type: 'Escalate',
        id: expect.stringMatching(UUID),
        feedbackId: messages[0]?.feedbackId,
        targets: [{ type: 'Salesforce:Core:Queue:Id', value: expect.any(String) }],
      });
    });

    it('answers three Informs sharing one feedbackId for "steps"', async () => {
      // Act
      const { messages } = await ask('Walk me through the steps');

      // Assess
      expect(messages.map((m) => m.type)).toEqual(['Inform', 'Inform', 'Inform']);
      expect(new Set(messages.map((m) => m.feedbackId)).size).toBe(1);
    });

    it('answers an in-band Error message with status 200 for "internal error"', async () => {
      // Act
      const [error] = (await ask('simulate an internal error')).messages;

      // Assess
      expect(error).toMatchObject({
        type: 'Error',
        error: 'INTERNAL_SERVER_ERROR',
        httpStatus: 500,
        expected: false,
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        timestamp: expect.any(Number),
      });
    });

    it('accepts a numeric-string sequenceId and records both forms in arrival order', async () => {
      // Act
      await postMessage(sim, token, sessionId, 'one', { sequenceId: '7' });
      await postMessage(sim, token, sessionId, 'two', { sequenceId: 9 });

      // Assess
      expect(sim.counters.sequenceIds.get(sessionId)).toEqual([7, 9]);
      expect(sim.counters.messagesReceived).toBe(2);
    });

    it('accepts a repeated sequenceId in lenient mode', async () => {
      // Act
      const first = await postMessage(sim, token, sessionId, 'one', { sequenceId: 5 });
      const again = await postMessage(sim, token, sessionId, 'two', { sequenceId: 5 });

      // Assess
      expect([first.status, again.status]).toEqual([200, 200]);
    });

    it('answers 400 to a non-increasing sequenceId in strict mode but accepts gaps', async () => {
      // Prepare
      sim.configure({ sequenceIdMode: 'strict' });

      // Act
      const first = await postMessage(sim, token, sessionId, 'one', { sequenceId: 1 });
      const gap = await postMessage(sim, token, sessionId, 'two', { sequenceId: 3 });
      const repeat = await postMessage(sim, token, sessionId, 'three', { sequenceId: 3 });
      const lower = await postMessage(sim, token, sessionId, 'four', { sequenceId: 2 });

      // Assess
      expect([first.status, gap.status, repeat.status, lower.status]).toEqual([200, 200, 400, 400]);
      expect(await lower.json()).toMatchObject({ status: 400, error: 'BadRequestException' });
      expect(sim.counters.sequenceIds.get(sessionId)).toEqual([1, 3, 3, 2]);
    });

    it('accepts epoch-ms ids in strict mode, as Salesforce clients send, and refuses one that goes back', async () => {
      // Prepare
      sim.configure({ sequenceIdMode: 'strict' });
      const now = Date.now();

      // Act: a counter-style id after clock ids (a reset record) must be refused, as a repeat is.
      const clock = await postMessage(sim, token, sessionId, 'one', { sequenceId: now });
      const next = await postMessage(sim, token, sessionId, 'two', { sequenceId: String(now + 1) });
      const repeat = await postMessage(sim, token, sessionId, 'three', { sequenceId: now + 1 });
      const reset = await postMessage(sim, token, sessionId, 'four', { sequenceId: 1 });

      // Assess
      expect([clock.status, next.status, repeat.status, reset.status]).toEqual([
        200, 200, 400, 400,
      ]);
    });

    it('answers 400 when sequenceId is missing or not numeric', async () => {
      // Act
      const res = await postMessage(sim, token, sessionId, 'hello', { sequenceId: 'abc' });

      // Assess
      expect(res.status).toBe(400);
    });

    it('answers 404 NotFoundException exactly per the fixture for an unknown session', async () => {
      // Prepare
      const unknown = '94081416-c6dc-43a8-95e2-14a3f3580d34';

      // Act
      const res = await postMessage(sim, token, unknown, 'hello');

      // Assess
      expect(res.status).toBe(404);
      const body = (await res.json()) as Record<string, unknown>;
      expect(Object.keys(body)).toEqual([
        'status',
        'path',
        'mode',
        'requestId',
        'error',
        'message',
        'timestamp',
        'expected',
      ]);
      expect(body).toEqual({
        status: 404,
        path: `v6.0.0/sessions/${unknown}/messages`,
        mode: 'unknown',
        requestId: res.headers.get('x-request-id'),
        error: 'NotFoundException',
        message: `V6Session not found for sessionId: ${unknown}`,
        timestamp: expect.any(Number),
        expected: true,
      });
    });

    it('answers 404 after expireSession', async () => {
      // Act
      sim.expireSession(sessionId);
      const res = await postMessage(sim, token, sessionId, 'hello');

      // Assess
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ error: 'NotFoundException' });
    });

    it('answers 404 once the session has been idle for idleSessionExpiryMs', async () => {
      // Prepare
      vi.useFakeTimers({ toFake: ['Date'], now: Date.now() });
      const idleSession = await openSession(sim, token);
      const live = sim.counters.liveSessions;

      // Act
      vi.setSystemTime(Date.now() + 10 * 60_000 - 1);
      const stillLive = await postMessage(sim, token, idleSession, 'hello');
      vi.setSystemTime(Date.now() + 10 * 60_000);
      const expired = await postMessage(sim, token, idleSession, 'hello again');

      // Assess
      expect(stillLive.status).toBe(200);
      expect(expired.status).toBe(404);
      expect(sim.counters.liveSessions).toBeLessThan(live);
    });

    it('answers 423 to a second request while a turn is in flight, and counts it', async () => {
      // Prepare
      sim.configure({ latencyMs: 150 });
      const streaming = await postMessage(sim, token, sessionId, 'first', { stream: true });

      // Act
      const overlapping = await postMessage(sim, token, sessionId, 'second');
      await streaming.text();
      const after = await postMessage(sim, token, sessionId, 'third');

      // Assess
      expect(streaming.status).toBe(200);
      expect(overlapping.status).toBe(423);
      expect(await overlapping.json()).toMatchObject({ status: 423, mode: 'unknown' });
      expect(after.status).toBe(200);
      expect(sim.counters.refusedBusy).toBe(1);
    });

    it('answers 423 to two concurrent sync requests except the first', async () => {
      // Prepare
      sim.configure({ latencyMs: 150 });

      // Act
      const statuses = await Promise.all(
        [1, 2].map((n) => postMessage(sim, token, sessionId, `req ${n}`).then((r) => r.status))
      );

      // Assess
      expect(statuses.sort()).toEqual([200, 423]);
    });

    it('keeps the session locked after the client hangs up until the turn completes', async () => {
      // Prepare
      const streamClosed = new Promise<string>((resolve) => {
        sim.configure({
          latencyMs: 200,
          log: (line) => {
            if (line.includes('/messages/stream')) resolve(line);
          },
        });
      });
      const abort = new AbortController();
      await postMessage(sim, token, sessionId, 'first', { stream: true, signal: abort.signal });

      // Act
      abort.abort();
      await streamClosed; // the server has seen the client go away
      const whileRunning = await postMessage(sim, token, sessionId, 'second');
      sim.configure({ log: () => undefined });

      // Assess
      expect(whileRunning.status).toBe(423);
      await vi.waitFor(
        async () => {
          const res = await postMessage(sim, token, sessionId, 'third');
          expect(res.status).toBe(200);
        },
        { timeout: 3000, interval: 50 }
      );
    });

    it('multiplies the latency by 5 for "slow"', async () => {
      // Prepare
      sim.configure({ latencyMs: 40 });

      // Act
      const started = performance.now();
      await ask('a slow question');
      const elapsed = performance.now() - started;

      // Assess
      expect(elapsed).toBeGreaterThanOrEqual(195);
    });

    it('answers 400 to a message type other than Text', async () => {
      // Act
      const res = await fetch(`${sim.url}${API}/sessions/${sessionId}/messages`, {
        method: 'POST',
        headers: authHeaders(token),
        body: JSON.stringify({ message: { sequenceId: 1, type: 'Reply', reply: [] } }),
      });

      // Assess
      expect(res.status).toBe(400);
    });
  });
});
