/**
 * Live turns: a `tools/call` with a `progressToken` through the `RESPONSE_STREAM` entry point
 * (over the local stand-in for Lambda's streaming runtime) gets the agent's progress as MCP
 * `notifications/progress` while Salesforce works, then the same result as the JSON path. Real
 * SDK v2 clients in both eras, the simulator with latency, DynamoDB Local.
 */

import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CallToolResult,
  Client,
  type Progress,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as TransportV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { CallToolResultSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../lambda/app.js';
import { NO_AUTH_TENANT } from '../../lambda/auth/index.js';
import { createStreamingHandler } from '../../lambda/function-url-handler.js';
import type { RequestMeasurement } from '../../lambda/observability/metrics.js';
import { lambdaContext, toFunctionUrlEvent } from '../../local/function-url-event.js';
import { readEdgeRequest, writeRefusal } from '../../local/http-edge.js';
import {
  localStreamingRuntime,
  ResponseSink,
  type StreamingHandler,
  streamingHandlerFetch,
} from '../../local/streaming-runtime.js';
import { type Harness, MCP_URL, rpcRequest, startHarness } from '../helpers/harness.js';

const ORDER = 'What is my order status?';
const ORDER_PROGRESS = 'Looking up your order';

let harness: Harness;
let streaming: StreamingHandler;
let streamFetch: typeof fetch;
/** Agent API paths the simulator served, in order. */
const paths: string[] = [];
let n = 0;
const email = () => `stream${++n}-${Date.now()}@example.com`;

beforeAll(async () => {
  harness = await startHarness({
    simulator: { latencyMs: 300, log: (line) => paths.push(line) },
  });
  streaming = createStreamingHandler(
    createApp(harness.deps),
    localStreamingRuntime
  ) as StreamingHandler;
  streamFetch = streamingHandlerFetch(streaming);
});
afterAll(() => harness.close());

type Mode = 'legacy' | 'auto';

async function connect(fetch: typeof globalThis.fetch, mode: Mode): Promise<Client> {
  const client = new Client(
    { name: 'stream-test', version: '1.0.0' },
    { versionNegotiation: { mode } }
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(MCP_URL), { fetch }));
  return client;
}

/** One tool call, with every progress notification and the result's arrival time recorded. */
async function callWithProgress(client: Client, name: string, args: Record<string, unknown>) {
  const progress: { at: number; value: Progress }[] = [];
  const result = (await client.callTool(
    { name, arguments: args },
    { onprogress: (value) => progress.push({ at: performance.now(), value }) }
  )) as CallToolResult;
  return { result, resultAt: performance.now(), progress };
}

/** A tool result with what differs between two turns (ids, times) masked. */
function comparable(result: CallToolResult, clientEmail: string) {
  const masked = JSON.stringify(result)
    .replaceAll(clientEmail, '<email>')
    .replace(/"(\w*(?:id|Id))":("[^"]*"|\d+)/g, '"$1":"<id>"')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<uuid>')
    .replace(/\b\d{13,}\b/g, '<sequence>');
  return JSON.parse(masked) as unknown;
}

/** The events of an SSE body, each `data:` parsed. */
function sseMessages(text: string): { method?: string; result?: CallToolResult }[] {
  return text
    .split(/\n\n/)
    .map((frame) => frame.split('\n').find((line) => line.startsWith('data: ')))
    .filter((line): line is string => line !== undefined && line.length > 'data: '.length)
    .map((line) => JSON.parse(line.slice('data: '.length)));
}

function toolCall(args: Record<string, unknown>, progressToken?: string) {
  return {
    jsonrpc: '2.0',
    id: 1,
    method: 'tools/call',
    params: {
      name: 'complete-agentforce-conversation',
      arguments: args,
      ...(progressToken ? { _meta: { progressToken } } : {}),
    },
  };
}

describe.each<Mode>(['legacy', 'auto'])('Streaming (%s era negotiation)', (mode) => {
  it('reports progress before the result, and answers what the JSON path answers', async () => {
    // Prepare
    const streamed = await connect(streamFetch, mode);
    const buffered = await connect(harness.fetch, mode);
    const [a, b] = [email(), email()];
    paths.length = 0;

    // Act
    const live = await callWithProgress(streamed, 'complete-agentforce-conversation', {
      client_email: a,
      message: ORDER,
    });
    const streamPaths = paths.splice(0);
    const json = await callWithProgress(buffered, 'complete-agentforce-conversation', {
      client_email: b,
      message: ORDER,
    });

    // Assess
    expect(live.result.isError).toBeFalsy();
    expect(live.progress.length).toBeGreaterThanOrEqual(2);
    expect(live.progress[0]?.value.message).toBe(ORDER_PROGRESS);
    const values = live.progress.map((p) => p.value.progress);
    expect(values).toEqual(values.map((_, i) => i + 1));
    expect(live.progress.every((p) => p.value.total === undefined)).toBe(true);
    expect(live.progress.every((p) => p.at <= live.resultAt)).toBe(true);
    // The chunks grow into the reply; the result comes from the final INFORM.
    const reply = (live.result.structuredContent as { reply: string }).reply;
    expect(live.progress.at(-1)?.value.message).toBe(reply.trim());
    expect(streamPaths.some((line) => line.includes('/messages/stream'))).toBe(true);
    expect(json.progress).toEqual([]);
    expect(comparable(live.result, a)).toEqual(comparable(json.result, b));
    await Promise.all([streamed.close(), buffered.close()]);
  });

  it('streams send-message-to-agent in an open session', async () => {
    // Prepare
    const client = await connect(streamFetch, mode);
    const clientEmail = email();
    await client.callTool({
      name: 'create-agent-session',
      arguments: { client_email: clientEmail },
    });

    // Act
    const live = await callWithProgress(client, 'send-message-to-agent', {
      client_email: clientEmail,
      message: ORDER,
    });

    // Assess
    expect(live.result.isError).toBeFalsy();
    expect(live.progress[0]?.value.message).toBe(ORDER_PROGRESS);
    expect(live.progress.every((p) => p.at <= live.resultAt)).toBe(true);
    await client.close();
  });
});

describe('Streaming: other clients and hosts', () => {
  it('reports progress to the SDK v1 client (legacy era)', async () => {
    // Prepare
    const client = new ClientV1({ name: 'stream-test-v1', version: '1.0.0' });
    await client.connect(new TransportV1(new URL(MCP_URL), { fetch: streamFetch }));
    const progress: string[] = [];

    // Act
    const result = await client.callTool(
      {
        name: 'complete-agentforce-conversation',
        arguments: { client_email: email(), message: ORDER },
      },
      CallToolResultSchema,
      { onprogress: (value) => progress.push(value.message ?? '') }
    );

    // Assess
    expect(result.isError).toBeFalsy();
    expect(progress[0]).toBe(ORDER_PROGRESS);
    await client.close();
  });

  it('streams over node:http as npm start serves it (status and headers first, then each event)', async () => {
    // Prepare: local/server.ts's serve step on the same stand-in runtime.
    const server = createServer((req, res) => {
      void readEdgeRequest(req, 1_048_576).then((read) =>
        read.ok
          ? streaming(read.event, res, lambdaContext(10_000))
          : writeRefusal(res, read.refusal)
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const url = `http://127.0.0.1:${port}/mcp`;
    const client = new Client({ name: 'stream-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url)));

    try {
      // Act
      const live = await callWithProgress(client, 'complete-agentforce-conversation', {
        client_email: email(),
        message: ORDER,
      });

      // Assess
      expect(live.result.isError).toBeFalsy();
      expect(live.progress[0]?.value.message).toBe(ORDER_PROGRESS);
      // The first progress comes at about a quarter of the simulated turn, well before its end.
      expect(live.progress[0]?.at).toBeLessThan(live.resultAt - 100);
    } finally {
      await client.close();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('Streaming: the simulator stream shapes', () => {
  it('reports the message as progress when the stream has only INFORM then END_OF_TURN', async () => {
    // Prepare
    harness.simulator.configure({ streamShape: 'inform-only' });
    const client = await connect(streamFetch, 'legacy');
    const clientEmail = email();

    try {
      // Act
      const live = await callWithProgress(client, 'complete-agentforce-conversation', {
        client_email: clientEmail,
        message: ORDER,
      });

      // Assess
      expect(live.result.isError).toBeFalsy();
      const reply = (live.result.structuredContent as { reply: string }).reply;
      expect(live.progress.map((p) => p.value.message)).toEqual([reply.trim()]);
      expect(live.progress[0]?.at).toBeLessThanOrEqual(live.resultAt);
    } finally {
      harness.simulator.configure({ streamShape: 'rich' });
      await client.close();
    }
  });
});

describe('Streaming: who gets one JSON answer', () => {
  it('answers Accept: application/json only with one JSON body from the synchronous endpoint', async () => {
    // Prepare
    const request = rpcRequest(toolCall({ client_email: email(), message: ORDER }, 'p1'), {
      accept: 'application/json',
    });
    paths.length = 0;

    // Act
    const response = await streamFetch(request);
    const body = (await response.json()) as { result: CallToolResult };

    // Assess
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body.result.isError).toBeFalsy();
    expect(paths.some((line) => line.includes('/messages/stream'))).toBe(false);
    expect(paths.some((line) => /\/messages\b/.test(line))).toBe(true);
  });

  it('answers a call without a progressToken with one JSON body', async () => {
    // Act
    const response = await streamFetch(
      rpcRequest(toolCall({ client_email: email(), message: ORDER }))
    );

    // Assess
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(((await response.json()) as { result: CallToolResult }).result.isError).toBeFalsy();
  });

  it('sends the SSE headers that keep proxies from buffering', async () => {
    // Act
    const response = await streamFetch(
      rpcRequest(toolCall({ client_email: email(), message: ORDER }, 'p2'))
    );
    const events = sseMessages(await response.text());

    // Assess
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(events.at(0)?.method).toBe('notifications/progress');
    expect(events.at(-1)?.result?.isError).toBeFalsy();
  });
});

describe('Streaming: the request log', () => {
  it('records a streamed call once its answer has been written, with its tool and outcome', async () => {
    // Prepare
    const seen: RequestMeasurement[] = [];
    const metrics = { request: (m: RequestMeasurement) => seen.push(m), upstream: () => undefined };
    const handler = createStreamingHandler(
      createApp({ ...harness.deps, metrics }),
      localStreamingRuntime
    ) as StreamingHandler;
    const started = performance.now();

    // Act
    const response = await streamingHandlerFetch(handler)(
      rpcRequest(toolCall({ client_email: email(), message: ORDER }, 'log1'))
    );
    await response.text();

    // Assess
    await expect.poll(() => seen.length).toBe(1);
    expect(seen[0]).toMatchObject({
      status: 200,
      tool: 'complete-agentforce-conversation',
      outcome: 'ok',
    });
    // The latency covers the streamed turn, not just the headers.
    expect(seen[0]?.latencyMs).toBeGreaterThanOrEqual(300);
    expect(seen[0]?.latencyMs).toBeLessThanOrEqual(performance.now() - started);
  });
});

describe('Streaming: deadline and hang-up', () => {
  let slow: Harness;
  let slowStreaming: StreamingHandler;

  beforeAll(async () => {
    slow = await startHarness({
      env: { TOOL_DEADLINE_MS: '1500' },
      simulator: { latencyMs: 600 },
    });
    slowStreaming = createStreamingHandler(
      createApp(slow.deps),
      localStreamingRuntime
    ) as StreamingHandler;
  });
  afterAll(() => slow.close());

  it('ends with a clean [DEADLINE] tool error as the last event when the deadline fires mid-stream', async () => {
    // Prepare: a slow turn takes 3 s; its progress indicator comes at 0.75 s, the deadline at 1.5 s.
    const fetch = streamingHandlerFetch(slowStreaming);

    // Act
    const response = await fetch(
      rpcRequest(toolCall({ client_email: email(), message: 'this is slow' }, 'd1'))
    );
    const events = sseMessages(await response.text());

    // Assess
    expect(response.status).toBe(200);
    expect(events[0]?.method).toBe('notifications/progress');
    const last = events.at(-1)?.result;
    expect(last?.isError).toBe(true);
    expect(JSON.stringify(last?.content)).toContain('[DEADLINE]');
    expect(events.slice(0, -1).every((event) => event.method === 'notifications/progress')).toBe(
      true
    );
  });

  it('records the turn of a client that hung up mid-stream, so the next turn does not collide', async () => {
    // Prepare: an open session.
    const clientEmail = email();
    const opened = await slow.fetch(
      rpcRequest(toolCall({ client_email: clientEmail, message: 'Hello' }))
    );
    const opening = ((await opened.json()) as { result: CallToolResult }).result;
    const sessionId = (opening.structuredContent as { session_id: string }).session_id;
    const sink = new ResponseSink();
    const body = JSON.stringify(toolCall({ client_email: clientEmail, message: ORDER }, 'h1'));
    const event = toFunctionUrlEvent({
      method: 'POST',
      url: MCP_URL,
      headers: {
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body,
    });

    // Act: hang up on the first progress event, then wait for the invocation to end.
    const invocation = slowStreaming(event, sink, lambdaContext(10_000));
    await new Promise<void>((resolve) => {
      sink.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('notifications/progress')) {
          sink.destroy();
          resolve();
        }
      });
    });
    await invocation;
    const record = await slow.deps.store.get(clientEmail, NO_AUTH_TENANT);
    const next = await slow.fetch(
      rpcRequest(toolCall({ client_email: clientEmail, message: 'And now?' }))
    );
    const nextResult = ((await next.json()) as { result: CallToolResult }).result;

    // Assess: the hung-up turn ran to its end and recorded its id; the next turn got a higher one.
    const sent = slow.simulator.counters.sequenceIds.get(sessionId) ?? [];
    expect(sent).toHaveLength(3);
    expect(record?.lastSequenceId).toBe(sent[1]);
    expect(record?.lastTurnAt).toBeDefined();
    expect(nextResult.isError).toBeFalsy();
    expect((nextResult.structuredContent as { sequence_id: number }).sequence_id).toBe(sent[2]);
    expect(sent[2]).toBeGreaterThan(sent[1] as number);
    expect(slow.simulator.counters.refusedBusy).toBe(0);
  });
});
