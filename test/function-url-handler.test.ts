import { Writable } from 'node:stream';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import type { App } from '../lambda/app.js';
import { createStreamingHandler, type StreamingRuntime } from '../lambda/function-url-handler.js';
import { lambdaContext, toFunctionUrlEvent } from '../local/function-url-event.js';

type Handler = (
  event: LambdaFunctionURLEvent,
  stream: NodeJS.WritableStream,
  context: Context
) => Promise<void>;

/** Mimics Lambda's `awslambda` global, recording the metadata and when each body write happened. */
function fakeRuntime() {
  const written: { metadata?: unknown; writes: { at: number; text: string }[]; ended?: number } = {
    writes: [],
  };
  const runtime: StreamingRuntime = {
    streamifyResponse: (handler) => handler,
    HttpResponseStream: {
      from(stream, metadata) {
        written.metadata = metadata;
        return stream;
      },
    },
  };
  return { runtime, written };
}

/** The response stream Lambda hands the handler; `failAfter` writes, it fails like a client gone. */
function recordingStream(written: ReturnType<typeof fakeRuntime>['written'], failAfter?: number) {
  return new Writable({
    highWaterMark: 1,
    write(chunk: Buffer, _encoding, callback) {
      if (failAfter !== undefined && written.writes.length >= failAfter) {
        callback(new Error('client hung up'));
        return;
      }
      written.writes.push({ at: performance.now(), text: chunk.toString() });
      callback();
    },
    final(callback) {
      written.ended = performance.now();
      callback();
    },
  });
}

/** A body that yields one event, waits for `release`, then yields another. */
function gatedBody() {
  let release: () => void = () => undefined;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    async start(controller) {
      controller.enqueue(encoder.encode('event: message\ndata: {"progress":1}\n\n'));
      await gate;
      controller.enqueue(encoder.encode('event: message\ndata: {"result":{}}\n\n'));
      controller.close();
    },
  });
  return { body, release };
}

const event = () =>
  toFunctionUrlEvent({ method: 'POST', url: 'https://h.lambda-url.eu-west-1.on.aws/mcp' });

describe('Function: createStreamingHandler', () => {
  it('returns undefined outside the Lambda runtime, even with a partial awslambda global', () => {
    const app: App = async () => new Response(null);
    expect(createStreamingHandler(app, undefined)).toBeUndefined();
    expect(createStreamingHandler(app, {})).toBeUndefined();
  });

  it('writes a JSON answer as stream metadata and one body', async () => {
    // Prepare
    const { runtime, written } = fakeRuntime();
    const app: App = async () =>
      new Response('{"error":"x"}', {
        status: 405,
        headers: { allow: 'POST, OPTIONS', 'set-cookie': 'a=1' },
      });
    const handler = createStreamingHandler(app, runtime) as Handler;

    // Act
    await handler(event(), recordingStream(written), lambdaContext(1000));

    // Assess
    expect(written.metadata).toEqual({
      statusCode: 405,
      headers: { allow: 'POST, OPTIONS', 'content-type': 'text/plain;charset=UTF-8' },
      cookies: ['a=1'],
    });
    expect(written.writes.map((write) => write.text).join('')).toBe('{"error":"x"}');
    expect(written.ended).toBeDefined();
  });

  it('writes the first event before the answer is complete', async () => {
    // Prepare
    const { runtime, written } = fakeRuntime();
    const { body, release } = gatedBody();
    const app: App = async () =>
      new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    const handler = createStreamingHandler(app, runtime) as Handler;

    // Act
    const done = handler(event(), recordingStream(written), lambdaContext(1000));
    await expect.poll(() => written.writes.length).toBe(1);
    const releasedAt = performance.now();
    release();
    await done;

    // Assess
    expect(written.writes).toHaveLength(2);
    expect(written.writes[0]?.at).toBeLessThan(releasedAt);
    expect(written.writes[0]?.text).toContain('"progress":1');
    expect(written.writes[1]?.at).toBeGreaterThanOrEqual(releasedAt);
    expect(written.ended).toBeGreaterThanOrEqual(releasedAt);
  });

  it('ends the invocation only after the work behind the answer, also when the client hangs up', async () => {
    // Prepare
    const { runtime, written } = fakeRuntime();
    const { body, release } = gatedBody();
    let workEnded: number | undefined;
    const app: App = async (_request, options) => {
      options.waitUntil?.(
        new Promise<void>((resolve) =>
          setTimeout(() => {
            workEnded = performance.now();
            resolve();
          }, 150)
        )
      );
      return new Response(body, { headers: { 'content-type': 'text/event-stream' } });
    };
    const handler = createStreamingHandler(app, runtime) as Handler;

    // Act
    const done = handler(event(), recordingStream(written, 1), lambdaContext(1000));
    await expect.poll(() => written.writes.length).toBe(1);
    release();
    await done;
    const returnedAt = performance.now();

    // Assess
    expect(written.writes).toHaveLength(1);
    expect(workEnded).toBeDefined();
    expect(returnedAt).toBeGreaterThanOrEqual(workEnded as number);
  });
});
