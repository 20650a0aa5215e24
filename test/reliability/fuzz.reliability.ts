import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';
import { reportFigures } from './support/figures.js';
import {
  answerProblems,
  hostileBody,
  hostileEvent,
  hostileHeaders,
  internalDetails,
  invoke,
  postEvent,
} from './support/hostile.js';
import { type HandlerServer, serveHandler } from './support/http-server.js';
import { figuresOf, runManyEmails, startRig } from './support/load.js';
import { postRaw } from './support/mcp.js';
import { observeUpstream, type UpstreamObserver } from './support/upstream-observer.js';

/*
 * Hostile and malformed input at volume (`npm run test:reliability` only). FUZZ_RUNS sets the
 * inputs per property (default 2000); a failure prints fast-check's seed and shrunk counterexample.
 */

const RUNS = Number(process.env.FUZZ_RUNS ?? 2_000);

let harness: Harness;
let upstream: UpstreamObserver;
let server: HandlerServer;
let secrets: () => string[];

beforeAll(async () => {
  upstream = observeUpstream();
  harness = await startHarness({ overrides: { fetch: upstream.fetch } });
  server = await serveHandler(harness.handler);
  secrets = () => [
    harness.tableName,
    harness.simulator.url,
    harness.simulator.credentials.clientSecret,
    ...upstream.accessTokens,
  ];
});
afterAll(async () => {
  await server.close();
  await harness.close();
});

const asText = (body: string | Uint8Array) =>
  typeof body === 'string' ? body : Buffer.from(body).toString('latin1');

/** Runs a property over `arbitrary`, tallying the answers' statuses. */
async function fuzz<T>(
  arbitrary: fc.Arbitrary<T>,
  numRuns: number,
  check: (value: T) => Promise<{ status: string; problems: string[] }>
) {
  const statuses: Record<string, number> = {};
  const started = performance.now();
  await fc.assert(
    fc.asyncProperty(arbitrary, async (value) => {
      const { status, problems } = await check(value);
      statuses[status] = (statuses[status] ?? 0) + 1;
      expect(problems).toEqual([]);
    }),
    { numRuns }
  );
  return { statuses, durationMs: Math.round(performance.now() - started) };
}

describe('Fuzz: raw Function URL events into the handler', () => {
  it(`answers ${RUNS} hostile bodies with well-formed 2xx-4xx answers and no internal detail`, async () => {
    // Act
    const { statuses, durationMs } = await fuzz(hostileBody, RUNS, async (body) => {
      const invocation = await invoke(harness.handler, postEvent(body));
      return {
        status: invocation.crashed ? 'crash' : String(invocation.result.statusCode),
        problems: answerProblems(invocation, asText(body), secrets()),
      };
    });

    // Assess
    expect(statuses['200'] ?? 0).toBeGreaterThan(RUNS / 10);
    reportFigures('fuzz: bodies', {
      inputsTried: RUNS,
      statuses,
      crashes: 0,
      fiveHundreds: 0,
      durationMs,
    });
  });

  it(`answers ${RUNS} hostile header sets with well-formed 2xx-4xx answers and no internal detail`, async () => {
    // Prepare
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'get-session-status', arguments: { client_email: 'fuzz@example.com' } },
    });

    // Act
    const { statuses, durationMs } = await fuzz(hostileHeaders, RUNS, async (headers) => {
      const invocation = await invoke(harness.handler, postEvent(body, headers));
      return {
        status: invocation.crashed ? 'crash' : String(invocation.result.statusCode),
        problems: answerProblems(invocation, JSON.stringify(headers), secrets()),
      };
    });

    // Assess
    expect(statuses['200'] ?? 0).toBeGreaterThan(RUNS / 10);
    reportFigures('fuzz: headers', {
      inputsTried: RUNS,
      statuses,
      crashes: 0,
      fiveHundreds: 0,
      durationMs,
    });
  });

  it(`never crashes on ${RUNS} malformed events (methods, paths, base64 flags, missing parts)`, async () => {
    // Act
    const { statuses, durationMs } = await fuzz(hostileEvent, RUNS, async (event) => {
      const invocation = await invoke(harness.handler, event);
      return {
        status: invocation.crashed ? 'crash' : String(invocation.result.statusCode),
        problems: answerProblems(invocation, JSON.stringify(event), secrets()),
      };
    });

    // Assess
    expect(Object.keys(statuses).length).toBeGreaterThan(3);
    reportFigures('fuzz: events', {
      inputsTried: RUNS,
      statuses,
      crashes: 0,
      fiveHundreds: 0,
      durationMs,
    });
  });
});

describe('Fuzz: over real HTTP', () => {
  it('answers hostile bodies and headers sent over a socket without a 5xx or an internal detail', async () => {
    // Prepare: framing headers are the HTTP layer's business (the Function URL front end on AWS);
    // a wrong Content-Length only makes this stand-in server wait for bytes that never come.
    const runs = Math.ceil(RUNS / 4);
    const headers = hostileHeaders.map(
      ({ 'content-length': _, 'transfer-encoding': __, ...rest }) => rest
    );
    let refusedByFetch = 0;

    // Act
    const { statuses, durationMs } = await fuzz(
      fc.tuple(hostileBody, fc.option(headers, { freq: 2 })),
      runs,
      async ([body, extra]) => {
        let answer: Awaited<ReturnType<typeof postRaw>>;
        try {
          answer = await postRaw(
            server.mcpUrl,
            typeof body === 'string' ? body : Buffer.from(body).toString('latin1'),
            {
              ...(extra ?? {}),
            }
          );
        } catch {
          // The HTTP client refused to send it (a header value it considers invalid): nothing to test.
          refusedByFetch++;
          return { status: 'not-sent', problems: [] };
        }
        const problems =
          answer.status >= 500 ? [`status ${answer.status}: ${answer.text.slice(0, 200)}`] : [];
        problems.push(
          ...internalDetails(answer.text, asText(body) + JSON.stringify(extra), secrets())
        );
        return { status: String(answer.status), problems };
      }
    );

    // Assess
    expect(server.crashes).toEqual([]);
    reportFigures('fuzz: over HTTP', { inputsTried: runs, refusedByFetch, statuses, durationMs });
  });
});

describe('Fuzz: JSON-RPC error codes', () => {
  it('answers a tools/call whose params have the wrong shape with -32602 Invalid params, never -32603 Internal error', async () => {
    // Prepare
    const wrongParams = fc.oneof(
      fc.record({
        name: fc.constant('get-session-status'),
        arguments: fc.oneof(fc.string(), fc.integer(), fc.array(fc.jsonValue())),
      }),
      fc.record({
        name: fc.oneof(fc.integer(), fc.constant(null), fc.jsonValue()),
        arguments: fc.constant({}),
      }),
      fc.oneof(fc.string(), fc.integer(), fc.array(fc.jsonValue()), fc.constant({}))
    );
    const internal: string[] = [];

    // Act
    await fc.assert(
      fc.asyncProperty(wrongParams, async (params) => {
        const invocation = await invoke(
          harness.handler,
          postEvent(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params }))
        );
        const body = invocation.crashed ? '' : (invocation.result.body ?? '');
        const code = (JSON.parse(body || '{}') as { error?: { code?: number } }).error?.code;
        if (code === -32603) internal.push(JSON.stringify(params).slice(0, 80));
      }),
      { numRuns: 200 }
    );

    // Assess
    reportFigures('fuzz: -32603 for client faults', {
      inputsTried: 200,
      answeredInternalError: internal.length,
    });
    expect(internal).toEqual([]);
  });
});

describe('Fuzz: batch abuse', () => {
  it('refuses a batch of more than 100 messages with 400 -32600 and runs none of them', async () => {
    // Prepare
    const startedBefore = harness.simulator.counters.sessionsStarted;
    const batch = Array.from({ length: 5_000 }, (_, id) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name: 'complete-agentforce-conversation',
        arguments: { client_email: `flood-${id}@example.com`, message: 'hello' },
      },
    }));

    // Act
    const started = performance.now();
    const invocation = await invoke(
      harness.handler,
      postEvent(JSON.stringify(batch.slice(0, 101)))
    );
    const flood = await invoke(harness.handler, postEvent(JSON.stringify(batch)));
    const ms = Math.round(performance.now() - started);

    // Assess
    for (const answer of [invocation, flood]) {
      expect(answerProblems(answer, '', secrets())).toEqual([]);
      expect(answer.crashed ? 0 : answer.result.statusCode).toBe(400);
      expect(JSON.parse(answer.crashed ? '{}' : (answer.result.body ?? '{}'))).toMatchObject({
        error: { code: -32600 },
      });
    }
    expect(harness.simulator.counters.sessionsStarted).toBe(startedBefore);
    reportFigures('fuzz: batches of 101 and 5000 tool calls', {
      refused: 2,
      sessionsStarted: 0,
      answeredInMs: ms,
    });
  });

  it('refuses a batch of 100 conversations in one request before starting any session', async () => {
    // Prepare
    const startedBefore = harness.simulator.counters.sessionsStarted;
    const batch = Array.from({ length: 100 }, (_, id) => ({
      jsonrpc: '2.0',
      id,
      method: 'tools/call',
      params: {
        name: 'complete-agentforce-conversation',
        arguments: { client_email: `batch-${id}@example.com`, message: 'hello' },
      },
    }));

    // Act
    const started = performance.now();
    const invocation = await invoke(harness.handler, postEvent(JSON.stringify(batch)));
    const ms = Math.round(performance.now() - started);

    // Assess
    expect(answerProblems(invocation, '', secrets())).toEqual([]);
    expect(invocation.crashed ? undefined : invocation.result.statusCode).toBe(400);
    expect(harness.simulator.counters.sessionsStarted).toBe(startedBefore);
    reportFigures('fuzz: batch of 100 conversations', {
      requests: 1,
      toolCalls: 100,
      sessionsStarted: 0,
      answeredInMs: ms,
    });
  });
});

describe('Fuzz: hostile traffic next to real conversations', () => {
  it('keeps 20 real conversations exact while 400 hostile requests hit the same server', async () => {
    // Prepare
    const rig = await startRig({ latencyMs: { min: 5, max: 30 } });
    const hostile = fc.sample(fc.tuple(hostileBody, fc.option(hostileHeaders, { freq: 2 })), 400);
    let hostileFiveHundreds = 0;
    try {
      // Act
      const noise = (async () => {
        for (let i = 0; i < hostile.length; i += 20) {
          await Promise.all(
            hostile.slice(i, i + 20).map(async ([body, headers]) => {
              const invocation = await invoke(rig.harness.handler, postEvent(body, headers ?? {}));
              if (invocation.crashed || (invocation.result.statusCode ?? 200) >= 500)
                hostileFiveHundreds++;
            })
          );
        }
      })();
      const report = await runManyEmails(rig, { emails: 20, turns: 4, onlyOwnSessions: true });
      await noise;
      reportFigures('fuzz: 20 conversations under 400 hostile requests', {
        ...figuresOf(report, rig),
        hostileRequests: hostile.length,
        hostileFiveHundreds,
      });

      // Assess
      expect(report.problems).toEqual([]);
      expect(report.answered).toBe(80);
      expect(report.crossTalk).toBe(0);
      expect(hostileFiveHundreds).toBe(0);
    } finally {
      await rig.close();
    }
  });
});
