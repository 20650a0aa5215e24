/**
 * Child process of the streaming section: imports one production bundle and answers Function URL
 * events through either entry point, `handler` (BUFFERED) or `streamingHandler`
 * (RESPONSE_STREAM, over a stand-in `awslambda` that hands the handler a plain writable). A
 * `cold` plan times the import and the first answer in one mode; a `warm` plan times both modes,
 * interleaved, on an already warm container.
 *
 * argv[2]: JSON `InvokeModesPlan`.
 */
import { Writable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import type { FunctionUrlHandler } from '../../local/function-url-event.js';
import { lambdaContext } from '../../local/function-url-event.js';
import type { StreamingHandler } from '../../local/streaming-runtime.js';
import { mcpEvent } from '../lib/mcp-requests.js';
import { finish } from './protocol.js';

export type InvokeMode = 'BUFFERED' | 'RESPONSE_STREAM';

export type InvokeModesPlan =
  | {
      readonly kind: 'cold';
      readonly bundle: string;
      readonly mode: InvokeMode;
      readonly body: string;
    }
  | {
      readonly kind: 'warm';
      readonly bundle: string;
      readonly body: string;
      readonly iterations: number;
      readonly warmup: number;
    };

export interface InvokeModesResult {
  readonly importMs?: number;
  readonly firstMs?: number;
  /** Status of the first (cold) or every (warm) answer; one value when all agree. */
  readonly statuses: readonly number[];
  readonly samples?: Readonly<Record<InvokeMode, readonly number[]>>;
  readonly error?: string;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as InvokeModesPlan;
// What the Lambda Node runtime defines before it loads the handler module; the metadata goes
// nowhere, as Lambda's prelude is not the handler's work either.
let streamedStatus = 0;
(globalThis as { awslambda?: unknown }).awslambda = {
  streamifyResponse: <T>(handler: T): T => handler,
  HttpResponseStream: {
    from: <T>(stream: T, metadata: { statusCode: number }): T => {
      streamedStatus = metadata.statusCode;
      return stream;
    },
  },
};

/** A response stream that only counts bytes. */
function sink(): Writable {
  return new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
}

function invoker(module: { handler?: FunctionUrlHandler; streamingHandler?: StreamingHandler }) {
  const { handler, streamingHandler } = module;
  if (!handler || !streamingHandler) throw new Error('the bundle lacks an entry point');
  return async (mode: InvokeMode, event: LambdaFunctionURLEvent): Promise<number> => {
    if (mode === 'BUFFERED') return (await handler(event, lambdaContext(60_000))).statusCode ?? 200;
    streamedStatus = 0;
    await streamingHandler(event, sink(), lambdaContext(60_000));
    return streamedStatus;
  };
}

try {
  if (plan.kind === 'cold') {
    const event = mcpEvent(plan.body);
    const t0 = performance.now();
    const module = await import(pathToFileURL(plan.bundle).href);
    const t1 = performance.now();
    const status = await invoker(module)(plan.mode, event);
    const t2 = performance.now();
    finish({ importMs: t1 - t0, firstMs: t2 - t1, statuses: [status] } satisfies InvokeModesResult);
  } else {
    const invoke = invoker(await import(pathToFileURL(plan.bundle).href));
    const samples: Record<InvokeMode, number[]> = { BUFFERED: [], RESPONSE_STREAM: [] };
    const statuses = new Set<number>();
    for (let i = 0; i < plan.warmup + plan.iterations; i++) {
      // Alternate which mode goes first, so neither always runs on a warmer cache.
      const order: InvokeMode[] =
        i % 2 === 0 ? ['BUFFERED', 'RESPONSE_STREAM'] : ['RESPONSE_STREAM', 'BUFFERED'];
      for (const mode of order) {
        const event = mcpEvent(plan.body);
        const t0 = performance.now();
        statuses.add(await invoke(mode, event));
        const elapsed = performance.now() - t0;
        if (i >= plan.warmup) samples[mode].push(elapsed);
      }
    }
    finish({ statuses: [...statuses], samples } satisfies InvokeModesResult);
  }
} catch (err) {
  finish({ statuses: [], error: (err as Error).stack ?? String(err) } satisfies InvokeModesResult);
}
