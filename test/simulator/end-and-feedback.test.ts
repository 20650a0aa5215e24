import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import {
  API,
  deleteSession,
  openSession,
  postFeedback,
  postMessage,
  requestToken,
  UUID,
} from './helpers.js';

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
  afterAll(() => sim.close());

  const feedbackIdOfTurn = async (): Promise<string> => {
    const res = await postMessage(sim, token, sessionId, 'hello');
    const body = (await res.json()) as { messages: Array<{ feedbackId: string }> };
    return body.messages[0]?.feedbackId ?? '';
  };

  describe('Endpoint: DELETE /sessions/{id}', () => {
    it('answers 200 SessionEnded with reason ClientRequest and _links', async () => {
      // Prepare
      const live = sim.counters.liveSessions;

      // Act
      const res = await deleteSession(sim, token, sessionId, 'UserRequest');
      const body = (await res.json()) as Record<string, unknown>;

      // Assess
      expect(res.status).toBe(200);
      expect(body.messages).toEqual([
        {
          type: 'SessionEnded',
          id: expect.stringMatching(UUID),
          reason: 'ClientRequest',
          feedbackId: expect.stringMatching(UUID),
        },
      ]);
      expect(body._links).toMatchObject({
        self: null,
        end: { href: `${sim.url}${API}/sessions/${sessionId}` },
      });
      expect(sim.counters.sessionsEnded).toBe(1);
      expect(sim.counters.liveSessions).toBe(live - 1);
    });

    it.each(['Transfer', 'Expiration', 'Error', 'Other'])(
      'accepts the end reason %s',
      async (reason) => {
        // Act
        const res = await deleteSession(sim, token, sessionId, reason);

        // Assess
        expect(res.status).toBe(200);
      }
    );

    it('answers 400 without x-session-end-reason and keeps the session', async () => {
      // Act
      const res = await deleteSession(sim, token, sessionId, null);
      const followUp = await postMessage(sim, token, sessionId, 'still there?');

      // Assess
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ status: 400, path: `v6.0.0/sessions/${sessionId}` });
      expect(followUp.status).toBe(200);
    });

    it('answers 400 to an end reason outside the enum', async () => {
      // Act
      const res = await deleteSession(sim, token, sessionId, 'ClientRequest');

      // Assess
      expect(res.status).toBe(400);
    });

    it('answers 404 NotFoundException when ending the session again, and to later messages', async () => {
      // Prepare
      await deleteSession(sim, token, sessionId);

      // Act
      const again = await deleteSession(sim, token, sessionId);
      const message = await postMessage(sim, token, sessionId, 'hello?');

      // Assess
      expect(again.status).toBe(404);
      expect(await again.json()).toMatchObject({
        error: 'NotFoundException',
        message: `V6Session not found for sessionId: ${sessionId}`,
      });
      expect(message.status).toBe(404);
    });

    it('answers 423 while a turn is in flight', async () => {
      // Prepare
      sim.configure({ latencyMs: 100 });
      const streaming = await postMessage(sim, token, sessionId, 'hello', { stream: true });

      // Act
      const res = await deleteSession(sim, token, sessionId);
      await streaming.text();
      sim.configure({ latencyMs: 0 });

      // Assess
      expect(res.status).toBe(423);
      expect(sim.counters.refusedBusy).toBe(1);
    });
  });

  describe('Endpoint: POST /sessions/{id}/feedback', () => {
    it('answers 201 with an empty body for a feedbackId the session issued', async () => {
      // Prepare
      const feedbackId = await feedbackIdOfTurn();

      // Act
      const res = await postFeedback(sim, token, sessionId, {
        feedbackId,
        feedback: 'GOOD',
        text: 'Helpful answer',
      });

      // Assess
      expect(res.status).toBe(201);
      expect(await res.text()).toBe('');
      expect(sim.counters.feedbackReceived).toBe(1);
    });

    it('accepts the feedbackId of a streamed turn', async () => {
      // Prepare
      const res = await postMessage(sim, token, sessionId, 'hello', { stream: true });
      const text = await res.text();
      const feedbackId = /"feedbackId":"([0-9a-f-]{36})"/.exec(text)?.[1] ?? '';

      // Act
      const feedback = await postFeedback(sim, token, sessionId, { feedbackId, feedback: 'BAD' });

      // Assess
      expect(feedback.status).toBe(201);
    });

    it('answers 404 to a feedbackId the session never issued', async () => {
      // Act
      const res = await postFeedback(sim, token, sessionId, {
        feedbackId: '9247bbd8-5ed9-11ee-8c99-0242ac120002',
        feedback: 'GOOD',
      });

      // Assess
      expect(res.status).toBe(404);
      expect(await res.json()).toMatchObject({ status: 404, error: 'NotFoundException' });
    });

    it('answers 400 to a rating other than GOOD or BAD', async () => {
      // Prepare
      const feedbackId = await feedbackIdOfTurn();

      // Act
      const res = await postFeedback(sim, token, sessionId, { feedbackId, feedback: 'MEH' });

      // Assess
      expect(res.status).toBe(400);
    });

    it('answers 404 for an ended session', async () => {
      // Prepare
      const feedbackId = await feedbackIdOfTurn();
      await deleteSession(sim, token, sessionId);

      // Act
      const res = await postFeedback(sim, token, sessionId, { feedbackId, feedback: 'GOOD' });

      // Assess
      expect(res.status).toBe(404);
    });
  });
});
