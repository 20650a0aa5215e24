import type { ServerResponse } from 'node:http';
import { PassThrough, Readable } from 'node:stream';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import type { StreamingRuntime } from '../lambda/function-url-handler.js';
import { eventFromRequest, lambdaContext } from './function-url-event.js';

/** Status, headers and cookies, as `HttpResponseStream.from` is given them. */
export type StreamMetadata = Parameters<StreamingRuntime['HttpResponseStream']['from']>[1];

/** A `streamifyResponse`-wrapped handler, as `createStreamingHandler` returns it. */
export type StreamingHandler = (
  event: LambdaFunctionURLEvent,
  stream: NodeJS.WritableStream,
  context: Context
) => Promise<void>;

/** A response stream that is not a Node HTTP response: it hands its metadata to `onHead`. */
export class ResponseSink extends PassThrough {
  readonly head: Promise<StreamMetadata>;
  #resolve: ((metadata: StreamMetadata) => void) | undefined;

  constructor() {
    super();
    this.head = new Promise((resolve) => {
      this.#resolve = resolve;
    });
  }

  setHead(metadata: StreamMetadata): void {
    this.#resolve?.(metadata);
    this.#resolve = undefined;
  }
}

/**
 * A stand-in for Lambda's `awslambda` response-streaming global on `node:http`, so `npm start`
 * and the tests run the very `streamingHandler` Lambda runs: `streamifyResponse` is the handler
 * itself, and `HttpResponseStream.from` writes the status and headers (to a `ServerResponse`, or
 * to a `ResponseSink`) before any body byte. Lambda frames the metadata into the stream instead;
 * what the client receives is the same.
 */
export const localStreamingRuntime: StreamingRuntime = {
  streamifyResponse: (handler) => handler,
  HttpResponseStream: {
    from(stream, metadata) {
      if (stream instanceof ResponseSink) {
        stream.setHead(metadata);
        return stream;
      }
      const res = stream as ServerResponse;
      res.writeHead(metadata.statusCode, {
        ...metadata.headers,
        ...(metadata.cookies?.length ? { 'set-cookie': metadata.cookies } : {}),
      });
      // The client sees the status and headers before the first event, as behind a Function URL.
      res.flushHeaders();
      return res;
    },
  },
};

/**
 * Makes `globalThis.awslambda` stream locally, keeping whatever else a library put there
 * (Powertools creates a partial one). Call before `lambda/handler.ts` is loaded.
 */
export function installLocalStreamingRuntime(): void {
  const global = globalThis as { awslambda?: Record<string, unknown> };
  global.awslambda = { ...global.awslambda, ...localStreamingRuntime };
}

/**
 * A `fetch` that sends each request through a streaming handler via the Function URL
 * conversion, and answers as soon as the handler has written its status and headers: the body
 * arrives as the handler writes it. Cancelling the body is a client hanging up.
 *
 * @example
 * const fetch = streamingHandlerFetch(createStreamingHandler(app, localStreamingRuntime) as StreamingHandler);
 */
export function streamingHandlerFetch(handler: StreamingHandler, timeoutMs = 60_000): typeof fetch {
  return async (input, init) => {
    const event = await eventFromRequest(new Request(input, init));
    const sink = new ResponseSink();
    const done = handler(event, sink, lambdaContext(timeoutMs));
    const head = await Promise.race([sink.head, done.then(() => sink.head)]);
    const headers = new Headers(head.headers);
    for (const cookie of head.cookies ?? []) headers.append('set-cookie', cookie);
    const empty = head.statusCode === 204 || head.statusCode === 304;
    const body = empty ? null : (Readable.toWeb(sink) as ReadableStream<Uint8Array>);
    return new Response(body, { status: head.statusCode, headers });
  };
}
