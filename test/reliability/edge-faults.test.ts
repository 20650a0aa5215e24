import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger } from '../../lambda/logger.js';
import { reportFigures } from './support/figures.js';
import { serveHandler } from './support/http-server.js';
import { type LoadRig, startRig } from './support/load.js';
import { postRaw, type RawAnswer, toolCallBody } from './support/mcp.js';
import { auditConsistency, scanTable } from './support/state-audit.js';
import { freshEmail, increasing } from './support/turns.js';

/*
 * Findings 1 and 2 of the fault review, as a hostile client sends them: batches that cancel their
 * own requests or repeat an id. Every POST must be answered within the tool deadline plus a small
 * margin, every request id must get an answer, no turn may run whose answer nobody will receive,
 * and every request must write its log line.
 */

const DEADLINE_MS = 1_000;
/** Tool deadline + the settle grace + the edge margin; a POST answered later is a hang. */
const ANSWER_LIMIT_MS = DEADLINE_MS + 3_500;

const cancelled = (requestId: number | string) => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId, reason: 'user pressed stop' },
});

/** POSTs `body` and gives up at `ANSWER_LIMIT_MS` (a hang becomes a `status: 0` answer). */
async function postTimed(
  rig: LoadRig,
  body: unknown
): Promise<RawAnswer & { ms: number; json: unknown }> {
  const started = performance.now();
  const answer = await Promise.race([
    postRaw(rig.server.mcpUrl, body, { 'mcp-protocol-version': '2025-06-18' }),
    sleep(ANSWER_LIMIT_MS).then(() => ({ status: 0, headers: new Headers(), text: '(hung)' })),
  ]);
  let json: unknown;
  try {
    json = JSON.parse(answer.text);
  } catch {
    json = undefined;
  }
  return { ...answer, ms: Math.round(performance.now() - started), json };
}

/** Every state invariant of the rig's table, simulator and upstream view. */
async function audit(rig: LoadRig): Promise<string[]> {
  return auditConsistency({
    items: await scanTable(rig.harness.tableName),
    simulator: rig.harness.simulator,
    upstream: rig.upstream,
    sequence: 'exact',
  });
}

describe('Edge faults (fast): batches that cancel or repeat their own requests', () => {
  let rig: LoadRig;
  const requestLogs: Record<string, unknown>[] = [];
  beforeAll(async () => {
    rig = await startRig({ latencyMs: 5, env: { TOOL_DEADLINE_MS: String(DEADLINE_MS) } });
  });
  afterAll(() => rig.close());
  afterEach(() => {
    vi.restoreAllMocks();
    requestLogs.length = 0;
  });
  const watchRequestLogs = () =>
    vi.spyOn(logger, 'info').mockImplementation((message: unknown, ...rest: unknown[]) => {
      if (message === 'request') requestLogs.push(rest[0] as Record<string, unknown>);
    });

  it('answers a ping cancelled in its own batch with a JSON-RPC error in time, and logs the request', async () => {
    // Prepare
    watchRequestLogs();

    // Act
    const answer = await postTimed(rig, [{ jsonrpc: '2.0', id: 1, method: 'ping' }, cancelled(1)]);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.ms).toBeLessThan(ANSWER_LIMIT_MS);
    expect(answer.json).toEqual([
      { jsonrpc: '2.0', id: 1, error: { code: -32800, message: expect.stringMatching(/cancel/i) } },
    ]);
    expect(requestLogs).toEqual([expect.objectContaining({ status: 200, mcpMethod: 'batch(2)' })]);
    reportFigures('edge: ping cancelled in its own batch', {
      status: answer.status,
      answeredInMs: answer.ms,
    });
  });

  it('does not run a tools/call cancelled in its own batch, and says so under its id', async () => {
    // Prepare
    const clientEmail = freshEmail('cancel');
    const sentBefore = rig.upstream.sent.length;
    const startedBefore = rig.upstream.started.length;

    // Act
    const answer = await postTimed(rig, [
      toolCallBody(
        'complete-agentforce-conversation',
        { client_email: clientEmail, message: 'hi' },
        7
      ),
      cancelled(7),
    ]);
    await sleep(300);

    // Assess: nothing ran upstream, so nothing was lost; the error says it was not processed.
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual([
      {
        jsonrpc: '2.0',
        id: 7,
        error: { code: -32800, message: expect.stringMatching(/not (run|processed)/i) },
      },
    ]);
    expect(rig.upstream.sent.length - sentBefore).toBe(0);
    expect(rig.upstream.started.length - startedBefore).toBe(0);
    reportFigures('edge: tools/call cancelled in its own batch', {
      status: answer.status,
      answeredInMs: answer.ms,
      turnsRunUpstream: rig.upstream.sent.length - sentBefore,
    });
  });

  it('answers the other requests of a batch in which one request is cancelled', async () => {
    // Act
    const answer = await postTimed(rig, [
      { jsonrpc: '2.0', id: 'a', method: 'ping' },
      { jsonrpc: '2.0', id: 'b', method: 'ping' },
      cancelled('b'),
    ]);

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.json).toEqual(
      expect.arrayContaining([
        { jsonrpc: '2.0', id: 'a', result: {} },
        { jsonrpc: '2.0', id: 'b', error: expect.objectContaining({ code: -32800 }) },
      ])
    );
    expect(answer.json).toHaveLength(2);
  });

  it('refuses a batch that repeats a request id with 400, running none of it', async () => {
    // Prepare
    watchRequestLogs();
    const clientEmail = freshEmail('dup');
    const sentBefore = rig.upstream.sent.length;

    // Act
    const answer = await postTimed(rig, [
      toolCallBody(
        'complete-agentforce-conversation',
        { client_email: clientEmail, message: 'hi' },
        5
      ),
      { jsonrpc: '2.0', id: 5, method: 'ping' },
    ]);
    await sleep(300);

    // Assess
    expect(answer.status).toBe(400);
    expect(answer.json).toMatchObject({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32600,
        message: expect.stringMatching(/id 5 is used by more than one request/),
      },
    });
    expect(rig.upstream.sent.length - sentBefore).toBe(0);
    expect(requestLogs).toEqual([expect.objectContaining({ status: 400 })]);
    expect(await audit(rig)).toEqual([]);
    reportFigures('edge: batch repeating a request id', {
      status: answer.status,
      answeredInMs: answer.ms,
      turnsRunUpstream: rig.upstream.sent.length - sentBefore,
    });
  });
});

describe('Edge faults (fast): cancellation and disconnects of a running turn (finding 8)', () => {
  let rig: LoadRig;
  beforeAll(async () => {
    // 300 ms per turn, x5 for "slow": a slow turn runs for 1.5 s.
    rig = await startRig({ latencyMs: 300 });
  });
  afterAll(() => rig.close());

  it('runs a turn whose client hung up to completion, saves it, and the next turn never collides with it', async () => {
    // Prepare
    const clientEmail = freshEmail('hangup');
    const first = await postTimed(
      rig,
      toolCallBody('complete-agentforce-conversation', {
        client_email: clientEmail,
        message: 'one',
      })
    );
    const sessionId = String(
      (first.json as { result: { structuredContent: { session_id: string } } }).result
        .structuredContent.session_id
    );

    // Act: the client gives up 200 ms into a 1.5 s turn, then sends its next message at once.
    const hungUp = await fetch(rig.server.mcpUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify(
        toolCallBody('send-message-to-agent', { client_email: clientEmail, message: 'a slow one' })
      ),
      signal: AbortSignal.timeout(200),
    }).catch((err: unknown) => err);
    const next = await postTimed(
      rig,
      toolCallBody('send-message-to-agent', { client_email: clientEmail, message: 'three' })
    );
    await sleep(200);

    // Assess: the abandoned turn was processed once and saved; the next one waited for it.
    expect(hungUp).toBeInstanceOf(Error);
    const seen = rig.harness.simulator.counters.sequenceIds.get(sessionId) ?? [];
    expect(seen).toHaveLength(3);
    expect(increasing(seen)).toBe(true);
    expect(next.json).toMatchObject({ result: { structuredContent: { sequence_id: seen[2] } } });
    expect(rig.harness.simulator.counters.refusedBusy).toBe(0);
    expect(await audit(rig)).toEqual([]);
  });

  it('ignores a cancellation sent in another POST: the running turn completes and is answered', async () => {
    // Prepare
    const clientEmail = freshEmail('cancel-later');
    const first = await postTimed(
      rig,
      toolCallBody('complete-agentforce-conversation', {
        client_email: clientEmail,
        message: 'one',
      })
    );

    // Act
    const running = postTimed(
      rig,
      toolCallBody(
        'send-message-to-agent',
        { client_email: clientEmail, message: 'a slow one' },
        42
      )
    );
    await sleep(200);
    const cancel = await postRaw(rig.server.mcpUrl, cancelled(42), {
      'mcp-protocol-version': '2025-06-18',
    });
    const answer = await running;

    // Assess
    expect(cancel.status).toBe(202);
    expect(answer.json).toMatchObject({ id: 42, result: { structuredContent: {} } });
    const idOfAnswer = (json: unknown) =>
      (json as { result: { structuredContent: { sequence_id: number } } }).result.structuredContent
        .sequence_id;
    expect(idOfAnswer(answer.json)).toBeGreaterThan(idOfAnswer(first.json));
  });
});

describe('Edge faults (fast): the invocation runs out of time', () => {
  it('answers every request id with a JSON-RPC error before the Lambda timeout, and logs the request', async () => {
    // Prepare: 2.5 s left in the invocation (its signal fires 1.5 s before that), a 1.5 s turn.
    const rig = await startRig({ latencyMs: 300, env: { TOOL_DEADLINE_MS: '5000' } });
    const server = await serveHandler(rig.harness.handler, { timeoutMs: 2_500 });
    const requestLogs: unknown[] = [];
    vi.spyOn(logger, 'info').mockImplementation((message: unknown, ...rest: unknown[]) => {
      if (message === 'request') requestLogs.push(rest[0]);
    });
    try {
      // Act
      const started = performance.now();
      const answer = await postRaw(server.mcpUrl, [
        toolCallBody(
          'complete-agentforce-conversation',
          {
            client_email: freshEmail('late'),
            message: 'a slow one',
          },
          3
        ),
        { jsonrpc: '2.0', id: 4, method: 'ping' },
      ]);
      const ms = performance.now() - started;

      // Assess
      expect(answer.status).toBe(200);
      expect(ms).toBeLessThan(2_500);
      const body = JSON.parse(answer.text) as Array<{
        id: number;
        error?: { code: number; message: string };
      }>;
      expect(body.map((r) => [r.id, r.error?.code])).toEqual([
        [3, -32001],
        [4, -32001],
      ]);
      expect(body[0]?.error?.message).toMatch(/may have been processed/);
      expect(requestLogs).toEqual([
        expect.objectContaining({ status: 200, mcpMethod: 'batch(2)' }),
      ]);
    } finally {
      vi.restoreAllMocks();
      await server.close();
      await rig.close();
    }
  });
});
