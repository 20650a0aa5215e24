import { PassThrough } from 'node:stream';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createStreamingHandler, type StreamingRuntime } from '../lambda/function-url-handler.js';
import type { FunctionUrlResult } from '../lambda/http/function-url.js';
import { lambdaContext, toFunctionUrlEvent } from '../local/function-url-event.js';

/** Mimics Lambda's `awslambda` global: metadata first, then the body bytes. */
function fakeRuntime() {
  const written: { metadata?: unknown; body: Buffer[] } = { body: [] };
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

describe('Function: createStreamingHandler', () => {
  it('returns undefined outside the Lambda runtime, even with a partial awslambda global', () => {
    const buffered = async () => ({ statusCode: 200 });
    expect(createStreamingHandler(buffered, undefined)).toBeUndefined();
    expect(createStreamingHandler(buffered, {})).toBeUndefined();
  });

  it('writes the buffered result as stream metadata and one body', async () => {
    // Prepare
    const { runtime, written } = fakeRuntime();
    const buffered = async (): Promise<FunctionUrlResult> => ({
      statusCode: 405,
      headers: { allow: 'POST, OPTIONS' },
      cookies: ['a=1'],
      body: '{"error":"x"}',
      isBase64Encoded: false,
    });
    const handler = createStreamingHandler(buffered, runtime) as (
      event: LambdaFunctionURLEvent,
      stream: NodeJS.WritableStream,
      context: Context
    ) => Promise<void>;
    const stream = new PassThrough();
    stream.on('data', (chunk: Buffer) => written.body.push(chunk));

    // Act
    await handler(
      toFunctionUrlEvent({ method: 'GET', url: 'https://h/mcp' }),
      stream,
      lambdaContext(1000)
    );

    // Assess
    expect(written.metadata).toEqual({
      statusCode: 405,
      headers: { allow: 'POST, OPTIONS' },
      cookies: ['a=1'],
    });
    expect(Buffer.concat(written.body).toString()).toBe('{"error":"x"}');
  });
});
