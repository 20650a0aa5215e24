import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import {
  openSession,
  parseSse,
  postMessage,
  type RawSseEvent,
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
  });
  afterEach(() => sim.configure({ streamTextChunks: true, latencyMs: 0 }));
  afterAll(() => sim.close());

  const stream = async (text: string): Promise<{ res: Response; events: RawSseEvent[] }> => {
    const res = await postMessage(sim, token, sessionId, text, { stream: true });
    return { res, events: parseSse(await res.text()) };
  };
  const messageOf = (event: RawSseEvent | undefined) =>
    event?.data.message as Record<string, unknown> & { type: string; message?: string };

  describe('Endpoint: POST /sessions/{id}/messages/stream', () => {
    it('frames every event as event/id/data lines ended by a blank line, with text/event-stream', async () => {
      // Act
      const before = Date.now();
      const { res, events } = await stream('What are your opening hours?');

      // Assess
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('x-request-id')).toMatch(UUID);
      const ids = new Set(events.map((e) => e.id));
      expect(ids.size).toBe(1);
      const [id] = [...ids];
      expect(id).toMatch(/^\d{13}-REQ$/);
      expect(Number(id?.slice(0, 13))).toBeGreaterThanOrEqual(before);
    });

    it('emits PROGRESS_INDICATOR, TEXT_CHUNKs, INFORM with the full text, then END_OF_TURN last', async () => {
      // Act
      const { events } = await stream('What are your opening hours?');

      // Assess
      const names = events.map((e) => e.event);
      expect(names[0]).toBe('PROGRESS_INDICATOR');
      expect(names.at(-1)).toBe('END_OF_TURN');
      expect(names.at(-2)).toBe('INFORM');
      const chunks = events.filter((e) => e.event === 'TEXT_CHUNK');
      expect(chunks.length).toBeGreaterThan(1);
      expect(names.slice(1, -2).every((n) => n === 'TEXT_CHUNK')).toBe(true);
      const inform = messageOf(events.at(-2));
      expect(chunks.map((c) => messageOf(c).message).join('')).toBe(inform.message);
      expect(inform).toMatchObject({
        type: 'Inform',
        isContentSafe: true,
        result: [],
        citedReferences: [],
      });
      expect(inform.planId).toBe(inform.feedbackId);
    });

    it('wraps each message in the envelope {timestamp, originEventId, traceId, offset, message}', async () => {
      // Act
      const { events } = await stream('hello');

      // Assess
      const traceIds = new Set<unknown>();
      for (const event of events) {
        expect(Object.keys(event.data)).toEqual([
          'timestamp',
          'originEventId',
          'traceId',
          'offset',
          'message',
        ]);
        expect(event.data.originEventId).toBe(event.id);
        expect(event.data.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(event.data.timestamp).toEqual(expect.any(Number));
        traceIds.add(event.data.traceId);
      }
      expect(traceIds.size).toBe(1);
      expect(messageOf(events[0])).toEqual({
        type: 'ProgressIndicator',
        id: expect.stringMatching(UUID),
        indicatorType: 'ACTION',
        message: expect.any(String),
      });
      expect(messageOf(events.at(-1))).toEqual({
        type: 'EndOfTurn',
        id: expect.stringMatching(UUID),
      });
    });

    it('sends TextChunk messages with matching envelope and message offsets', async () => {
      // Act
      const { events } = await stream('hello there, how are you today?');

      // Assess
      const chunks = events.filter((e) => e.event === 'TEXT_CHUNK');
      chunks.forEach((chunk, index) => {
        expect(chunk.data.offset).toBe(index + 1);
        expect(messageOf(chunk)).toEqual({
          type: 'TextChunk',
          id: expect.stringMatching(UUID),
          offset: index + 1,
          message: expect.any(String),
          formatType: 'Text',
        });
      });
      expect(events.filter((e) => e.event !== 'TEXT_CHUNK').every((e) => e.data.offset === 0)).toBe(
        true
      );
    });

    it('omits TEXT_CHUNK events when streamTextChunks is false', async () => {
      // Prepare
      sim.configure({ streamTextChunks: false });

      // Act
      const { events } = await stream('hello');

      // Assess
      expect(events.map((e) => e.event)).toEqual(['PROGRESS_INDICATOR', 'INFORM', 'END_OF_TURN']);
    });

    it.each([
      ['Create a new account', 'INQUIRE'],
      ['Please confirm my order', 'CONFIRM'],
      ['this will fail', 'FAILURE'],
      ['simulate an internal error', 'ERROR'],
    ])('streams %j as a %s event before END_OF_TURN', async (text, eventName) => {
      // Act
      const { events } = await stream(text);

      // Assess
      expect(events.at(-2)?.event).toBe(eventName);
      expect(events.at(-1)?.event).toBe('END_OF_TURN');
    });

    it('streams an INFORM then an ESCALATE for "escalate"', async () => {
      // Act
      const { events } = await stream('please escalate');

      // Assess
      const names = events.map((e) => e.event).filter((n) => n !== 'TEXT_CHUNK');
      expect(names).toEqual(['PROGRESS_INDICATOR', 'INFORM', 'ESCALATE', 'END_OF_TURN']);
    });

    it('streams three INFORMs, each after its own chunks, for "multi"', async () => {
      // Act
      const { events } = await stream('multi part answer please');

      // Assess
      const informs = events.filter((e) => e.event === 'INFORM');
      expect(informs).toHaveLength(3);
      const firstInform = events.findIndex((e) => e.event === 'INFORM');
      const chunksBefore = events.slice(1, firstInform).map((e) => messageOf(e).message);
      expect(chunksBefore.join('')).toBe(messageOf(informs[0]).message);
    });

    it('injects a VALIDATION_FAILURE_CHUNK after the first chunks for "validation"', async () => {
      // Act
      const { events } = await stream('trigger a validation failure');

      // Assess
      const names = events.map((e) => e.event);
      const failureAt = names.indexOf('VALIDATION_FAILURE_CHUNK');
      expect(names.slice(1, failureAt)).toEqual(['TEXT_CHUNK', 'TEXT_CHUNK']);
      expect(messageOf(events[failureAt])).toEqual({
        type: 'ValidationFailureChunk',
        id: expect.stringMatching(UUID),
        offset: 3,
        reason: expect.any(String),
      });
      const after = events.slice(failureAt + 1, -2).map((e) => messageOf(e).message);
      expect(after.join('')).toBe(messageOf(events.at(-2)).message);
    });

    it('sends the progress indicator before the answer when the turn has latency', async () => {
      // Prepare
      sim.configure({ latencyMs: 120 });

      // Act
      const { events } = await stream('hello');

      // Assess
      const timestamps = events.map((e) => e.data.timestamp as number);
      expect((timestamps.at(-1) ?? 0) - (timestamps[0] ?? 0)).toBeGreaterThanOrEqual(60);
    });
  });
});
