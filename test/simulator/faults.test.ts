import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import {
  deleteSession,
  openSession,
  postMessage,
  postStart,
  requestToken,
  tokenForm,
  UUID,
} from './helpers.js';

describe('Function: startSimulator', () => {
  let sim: Simulator;
  let token: string;

  beforeAll(async () => {
    sim = await startSimulator();
    token = await requestToken(sim);
  });
  afterEach(() => {
    sim.clearFaults();
    sim.resetCounters();
  });
  afterAll(() => sim.close());

  const postToken = () =>
    fetch(`${sim.url}/services/oauth2/token`, { method: 'POST', body: tokenForm(sim) });

  describe('Method: injectFault', () => {
    it('answers 429 with Retry-After and an envelope, then recovers after `times`', async () => {
      // Prepare
      const sessionId = await openSession(sim, token);
      sim.injectFault({ route: 'message', status: 429, times: 2, retryAfterSeconds: 3 });

      // Act
      const first = await postMessage(sim, token, sessionId, 'one');
      const second = await postMessage(sim, token, sessionId, 'two');
      const third = await postMessage(sim, token, sessionId, 'three');

      // Assess
      expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
      expect(first.headers.get('retry-after')).toBe('3');
      expect(await first.json()).toMatchObject({
        status: 429,
        path: `v6.0.0/sessions/${sessionId}/messages`,
        requestId: first.headers.get('x-request-id'),
      });
      expect(sim.counters.messagesReceived).toBe(3);
    });

    it('answers 503 before authentication is even checked', async () => {
      // Prepare
      sim.injectFault({ route: 'start', status: 503, times: 1 });

      // Act
      const res = await postStart(sim, 'not-a-token');

      // Assess
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBeNull();
      expect(await res.json()).toMatchObject({ status: 503 });
    });

    it('destroys the socket without answering for a network fault', async () => {
      // Prepare
      sim.injectFault({ route: 'token', status: 'network', times: 1 });

      // Act
      const failed = postToken();

      // Assess
      await expect(failed).rejects.toThrow(TypeError);
      expect((await postToken()).status).toBe(200);
      expect(sim.counters).toMatchObject({ tokenRequests: 2, tokensIssued: 1 });
    });

    it('answers a token-route 429 in the OAuth error shape', async () => {
      // Prepare
      sim.injectFault({ route: 'token', status: 429, times: 1, retryAfterSeconds: 1 });

      // Act
      const res = await postToken();

      // Assess
      expect(res.status).toBe(429);
      expect(res.headers.get('retry-after')).toBe('1');
      expect(await res.json()).toEqual({
        error: 'rate_limit_exceeded',
        error_description: 'rate limit exceeded',
      });
    });

    it('applies an any-api rule to Agent API routes but not to the token endpoint', async () => {
      // Prepare
      const sessionId = await openSession(sim, token);
      sim.injectFault({ route: 'any-api', status: 500, times: 2 });

      // Act
      const tokenRes = await postToken();
      const stream = await postMessage(sim, token, sessionId, 'hi', { stream: true });
      const end = await deleteSession(sim, token, sessionId);

      // Assess
      expect(tokenRes.status).toBe(200);
      expect(stream.status).toBe(500);
      expect(await stream.json()).toMatchObject({ error: 'HttpServerErrorException' });
      expect(end.status).toBe(500);
    });
  });

  describe('Method: clearFaults', () => {
    it('removes pending rules', async () => {
      // Prepare
      sim.injectFault({ route: 'token', status: 503, times: 5 });

      // Act
      sim.clearFaults();
      const res = await postToken();

      // Assess
      expect(res.status).toBe(200);
    });
  });

  describe('Method: resetCounters', () => {
    it('zeroes counters in place without touching live sessions', async () => {
      // Prepare
      const counters = sim.counters;
      const sessionId = await openSession(sim, token);
      await postMessage(sim, token, sessionId, 'hi', { sequenceId: 1 });
      const live = counters.liveSessions;

      // Act
      sim.resetCounters();

      // Assess
      expect(counters).toMatchObject({
        tokenRequests: 0,
        tokensIssued: 0,
        sessionsStarted: 0,
        messagesReceived: 0,
        refusedBusy: 0,
        feedbackReceived: 0,
        liveSessions: live,
      });
      expect(counters.sequenceIds.size).toBe(0);
      expect(sim.counters).toBe(counters);
    });
  });

  describe('Method: close', () => {
    it('closes promptly while a long turn and a keep-alive connection are open', async () => {
      // Prepare
      const other = await startSimulator({ latencyMs: 60_000 });
      const otherToken = await requestToken(other);
      const sessionId = await openSession(other, otherToken);
      const pending = postMessage(other, otherToken, sessionId, 'never answered').catch(
        (error: unknown) => error
      );
      await new Promise<void>((resolve) => {
        const check = () => (other.counters.messagesReceived > 0 ? resolve() : setImmediate(check));
        check();
      });

      // Act
      const started = performance.now();
      await other.close();

      // Assess
      expect(performance.now() - started).toBeLessThan(1000);
      expect(await pending).toBeInstanceOf(TypeError);
    });

    it('sets x-request-id on every response', async () => {
      // Act
      const responses = await Promise.all([
        postToken(),
        postStart(sim, token),
        fetch(`${sim.url}/nowhere`),
      ]);

      // Assess
      for (const res of responses) expect(res.headers.get('x-request-id')).toMatch(UUID);
    });
  });
});
