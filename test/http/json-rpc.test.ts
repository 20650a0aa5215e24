import { describe, expect, it } from 'vitest';
import {
  asksForProgress,
  mergeResponses,
  planMessages,
  REQUEST_CANCELLED,
} from '../../lambda/http/json-rpc.js';

const ping = (id: string | number) => ({ jsonrpc: '2.0', id, method: 'ping' });
const cancel = (requestId: unknown) => ({
  jsonrpc: '2.0',
  method: 'notifications/cancelled',
  params: { requestId },
});

describe('Function: planMessages', () => {
  it('serves a single request as it is', () => {
    expect(planMessages(ping(1))).toEqual({
      kind: 'serve',
      forward: ping(1),
      requestIds: [1],
      cancelled: [],
    });
  });

  it('refuses a batch that repeats a request id, naming it', () => {
    const plan = planMessages([ping(5), { ...ping(5), method: 'tools/list' }]);
    expect(plan).toEqual({ kind: 'refuse', message: expect.stringContaining('id 5 is used') });
  });

  it('tells a numeric id from the same digits as a string', () => {
    expect(planMessages([ping(5), ping('5')])).toMatchObject({
      kind: 'serve',
      requestIds: [5, '5'],
    });
  });

  it('removes a request cancelled in the same batch together with its cancellation', () => {
    const plan = planMessages([ping('a'), ping('b'), cancel('b')]);
    expect(plan).toEqual({
      kind: 'serve',
      forward: [ping('a')],
      requestIds: ['a'],
      cancelled: ['b'],
    });
  });

  it('forwards nothing when every request was cancelled', () => {
    expect(planMessages([ping(1), cancel(1)])).toMatchObject({
      forward: undefined,
      cancelled: [1],
    });
  });

  it('passes on a cancellation of a request this POST does not hold', () => {
    const body = [ping(1), cancel(99)];
    expect(planMessages(body)).toMatchObject({ forward: body, cancelled: [] });
  });
});

describe('Function: mergeResponses', () => {
  const error = { jsonrpc: '2.0', id: 2, error: { code: REQUEST_CANCELLED, message: 'x' } };

  it('appends the edge responses to a batch answer', () => {
    const sdk = JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} });
    expect(mergeResponses(sdk, [error], true)).toEqual([
      { jsonrpc: '2.0', id: 1, result: {} },
      error,
    ]);
  });

  it('answers a batch with an array even when only the edge answers', () => {
    expect(mergeResponses('', [error], true)).toEqual([error]);
  });
});

describe('Function: asksForProgress', () => {
  const call = (meta?: unknown) => ({
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: { name: 'x', arguments: {}, ...(meta !== undefined ? { _meta: meta } : {}) },
  });

  it('is true for one tools/call with a string or number progressToken', () => {
    expect(asksForProgress(call({ progressToken: 'a' }))).toBe(true);
    expect(asksForProgress(call({ progressToken: 0 }))).toBe(true);
  });

  it('is false without a token, for other methods, and for batches', () => {
    expect(asksForProgress(call())).toBe(false);
    expect(asksForProgress(call({ progressToken: null }))).toBe(false);
    expect(asksForProgress({ ...call({ progressToken: 'a' }), method: 'tools/list' })).toBe(false);
    expect(asksForProgress([call({ progressToken: 'a' })])).toBe(false);
    expect(asksForProgress(null)).toBe(false);
  });
});
