import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { logger } from '../../lambda/logger.js';
import { traceparentOf, validTraceparent } from '../../lambda/observability/trace-context.js';
import { type Harness, startHarness } from '../helpers/harness.js';

// Before any import: the logger reads its level once, when lambda/logger.ts is first loaded, and
// resets to it at every invocation.
const previousLevel = vi.hoisted(() => {
  const previous = process.env.POWERTOOLS_LOG_LEVEL;
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  return previous;
});

const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

describe('Function: validTraceparent', () => {
  it.each([
    [TRACEPARENT, TRACEPARENT],
    [` ${TRACEPARENT} `, TRACEPARENT],
    ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01', undefined],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01', undefined],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', undefined],
    ['ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', undefined],
    ['00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01\nINJECTED', undefined],
    [42, undefined],
  ])('returns %j as %j', (value, expected) => {
    // Act & Assess
    expect(validTraceparent(value)).toBe(expected);
  });
});

describe('Function: traceparentOf', () => {
  const call = (meta?: Record<string, unknown>) => ({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'x', arguments: {}, ...(meta ? { _meta: meta } : {}) },
  });

  it('returns the _meta traceparent before the header, and the header without one', () => {
    // Act & Assess
    const other = TRACEPARENT.replace('00f067aa0ba902b7', '1111111111111111');
    expect(traceparentOf(call({ traceparent: TRACEPARENT }), other)).toBe(TRACEPARENT);
    expect(traceparentOf(call(), other)).toBe(other);
    expect(traceparentOf([call(), call({ traceparent: TRACEPARENT })], null)).toBe(TRACEPARENT);
    expect(traceparentOf(call({ traceparent: 'nonsense' }), null)).toBeUndefined();
  });
});

describe('Function: createApp (trace context in the log lines)', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    vi.restoreAllMocks();
  });
  afterAll(() => {
    if (previousLevel === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
    else process.env.POWERTOOLS_LOG_LEVEL = previousLevel;
  });

  it('writes the caller’s traceparent into every log line of its request, and only of its request', async () => {
    // Prepare
    harness = await startHarness();
    const client = await harness.connect();
    const lines: Record<string, unknown>[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n'))
        if (line.startsWith('{')) lines.push(JSON.parse(line));
      return true;
    });
    logger.setLogLevel('INFO');

    // Act: a send without a session logs "tool returned an error" before the request line.
    await client.callTool({
      name: 'send-message-to-agent',
      arguments: { client_email: 'traced@example.com', message: 'hi' },
      _meta: { traceparent: TRACEPARENT },
    });
    await client.callTool({
      name: 'get-session-status',
      arguments: { client_email: 'traced@example.com' },
    });

    // Assess
    const traced = lines.filter((line) => line.traceparent === TRACEPARENT);
    expect(traced.map((line) => line.message)).toEqual(['tool returned an error', 'request']);
    expect(traced[1]).toMatchObject({ tool: 'send-message-to-agent', errorCode: 'NO_SESSION' });
    const later = lines.find(
      (line) => line.message === 'request' && line.tool === 'get-session-status'
    );
    expect(later).toBeDefined();
    expect(later).not.toHaveProperty('traceparent');
  });
});
