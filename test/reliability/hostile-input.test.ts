import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
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
  TOOLS,
} from './support/hostile.js';
import { scanTable } from './support/state-audit.js';
import { observeUpstream, type UpstreamObserver } from './support/upstream-observer.js';

/*
 * Hostile and malformed input (fast subset of fuzz.reliability.ts): raw Function URL events into
 * the real handler. Never a crash, never a 5xx, never a stack trace or internal detail, and
 * invalid input never reaches DynamoDB or Salesforce.
 */

/** Inputs per property here; fuzz.reliability.ts runs many more (FUZZ_RUNS overrides both). */
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);

let harness: Harness;
let upstream: UpstreamObserver;
/** Strings no answer may contain: where state lives, the upstream host, credentials and tokens. */
let secrets: () => string[];

beforeAll(async () => {
  upstream = observeUpstream();
  harness = await startHarness({ overrides: { fetch: upstream.fetch } });
  secrets = () => [
    harness.tableName,
    harness.simulator.url,
    harness.simulator.credentials.clientSecret,
    ...upstream.accessTokens,
  ];
});
afterAll(() => harness.close());

const asText = (body: string | Uint8Array) =>
  typeof body === 'string' ? body : Buffer.from(body).toString('latin1');

describe('Hostile input (fast): the leak detector', () => {
  it('flags stack frames, file paths, internal error names and secrets, but not echoed input', () => {
    // Prepare
    const leaky =
      'StoreUnavailableError: boom\n    at DynamoDbSessionStore.get (/work/main/lambda/state/x.ts:12:5)';

    // Act
    const found = internalDetails(leaky, '', ['sessions-1234']);
    const echoed = internalDetails('Method "TypeError" not found', '{"method":"TypeError"}');
    const secret = internalDetails('table sessions-1234 failed', '', ['sessions-1234']);

    // Assess
    expect(found).toEqual(
      expect.arrayContaining([
        'at DynamoDbSessionStore.get (',
        '/work/',
        '.ts:12:5',
        'StoreUnavailableError',
      ])
    );
    expect(echoed).toEqual([]);
    expect(secret).toEqual(['sessions-1234']);
  });
});

describe('Hostile input (fast): bodies and headers', () => {
  /** Runs `input` through the handler as a POST /mcp and collects what is wrong with the answer. */
  async function probe(
    body: string | Uint8Array,
    headers: Record<string, string>,
    tally: Record<string, number>
  ) {
    const invocation = await invoke(harness.handler, postEvent(body, headers));
    const status = invocation.crashed ? 'crash' : String(invocation.result.statusCode);
    tally[status] = (tally[status] ?? 0) + 1;
    return answerProblems(invocation, asText(body) + JSON.stringify(headers), secrets());
  }

  it('returns a well-formed 2xx-4xx answer with no internal detail for any body', async () => {
    // Prepare
    const statuses: Record<string, number> = {};

    // Act
    await fc.assert(
      fc.asyncProperty(hostileBody, async (body) => {
        expect(await probe(body, {}, statuses)).toEqual([]);
      }),
      { numRuns: RUNS }
    );

    // Assess: enough inputs must get past the edge into the tools, or the property proves little.
    expect(statuses['200'] ?? 0).toBeGreaterThan(RUNS / 10);
    reportFigures('hostile input (fast): bodies', { inputsTried: RUNS, statuses, problems: 0 });
  });

  it('returns a well-formed 2xx-4xx answer with no internal detail for any headers', async () => {
    // Prepare
    const statuses: Record<string, number> = {};
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'get-session-status', arguments: { client_email: 'headers@example.com' } },
    });

    // Act
    await fc.assert(
      fc.asyncProperty(hostileHeaders, async (headers) => {
        expect(await probe(body, headers, statuses)).toEqual([]);
      }),
      { numRuns: RUNS }
    );

    // Assess
    expect(statuses['200'] ?? 0).toBeGreaterThan(RUNS / 10);
    expect(Object.keys(statuses).length).toBeGreaterThan(2);
    reportFigures('hostile input (fast): headers', { inputsTried: RUNS, statuses, problems: 0 });
  });
});

describe('Hostile input (fast): malformed Function URL events', () => {
  it('never crashes and never answers 5xx for events with odd methods, paths, headers and base64 flags', async () => {
    // Prepare
    let tried = 0;

    // Act
    await fc.assert(
      fc.asyncProperty(hostileEvent, async (event) => {
        tried++;
        const invocation = await invoke(harness.handler, event);
        const found = answerProblems(invocation, JSON.stringify(event), secrets());
        if (found.length > 0) throw new Error(found.join('; '));
      }),
      { numRuns: RUNS }
    );

    // Assess
    expect(tried).toBeGreaterThanOrEqual(RUNS);
    reportFigures('hostile input (fast): malformed events', { inputsTried: tried, problems: 0 });
  });
});

describe('Hostile input (fast): tool arguments', () => {
  const isEmail = (value: string) => z.email().max(254).safeParse(value.toLowerCase()).success;
  const toolsCall = (name: string, args: unknown) =>
    JSON.stringify({
      jsonrpc: '2.0',
      id: 7,
      method: 'tools/call',
      params: { name, arguments: args },
    });

  it('never lets an invalid client_email reach DynamoDB or Salesforce, whatever the tool', async () => {
    // Prepare
    const before = { ...harness.simulator.counters };
    const itemsBefore = (await scanTable(harness.tableName)).length;
    const invalidEmail = fc
      .oneof(
        fc.string({ maxLength: 60 }),
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.emailAddress().map((e) => `${e}>`)
      )
      .filter((value) => !isEmail(value));

    // Act
    await fc.assert(
      fc.asyncProperty(invalidEmail, fc.constantFrom(...TOOLS), async (clientEmail, tool) => {
        const invocation = await invoke(
          harness.handler,
          postEvent(toolsCall(tool, { client_email: clientEmail, message: 'hello' }))
        );
        expect(invocation.crashed).toBe(false);
        const body = invocation.crashed ? '' : (invocation.result.body ?? '');
        expect(JSON.parse(body)).toMatchObject({ result: { isError: true } });
        expect(body).toContain('[INVALID_INPUT]');
      }),
      { numRuns: RUNS }
    );

    // Assess
    expect((await scanTable(harness.tableName)).length).toBe(itemsBefore);
    expect(harness.simulator.counters.tokenRequests).toBe(before.tokenRequests);
    expect(harness.simulator.counters.sessionsStarted).toBe(before.sessionsStarted);
    expect(harness.simulator.counters.messagesReceived).toBe(before.messagesReceived);
  });

  it('refuses a message over MAX_MESSAGE_CHARS as a tool error without sending it', async () => {
    // Prepare
    const sentBefore = upstream.sent.length;
    const oversized = fc
      .tuple(fc.stringMatching(/^[a-z0-9]{1,12}$/), fc.integer({ min: 10_001, max: 30_000 }))
      .map(([seed, length]) => seed.repeat(Math.ceil(length / seed.length)).slice(0, length));

    // Act
    await fc.assert(
      fc.asyncProperty(
        oversized,
        fc.constantFrom('complete-agentforce-conversation', 'send-message-to-agent'),
        async (text, tool) => {
          const invocation = await invoke(
            harness.handler,
            postEvent(toolsCall(tool, { client_email: 'long@example.com', message: text }))
          );
          const body = invocation.crashed ? '' : (invocation.result.body ?? '');
          const parsed = JSON.parse(body) as {
            result: { isError: boolean; content: { text: string }[] };
          };
          expect(parsed.result.isError).toBe(true);
          expect(parsed.result.content[0]?.text).toMatch(/message/);
        }
      ),
      { numRuns: Math.ceil(RUNS / 6) }
    );

    // Assess
    expect(upstream.sent.length).toBe(sentBefore);
  });

  it('answers unknown tools with a tool error that names the tool and runs nothing', async () => {
    // Prepare
    const sentBefore = upstream.sent.length;
    const known = new Set<string>(TOOLS);
    const unknownTool = fc
      .string({ minLength: 1, maxLength: 40 })
      .filter((name) => !known.has(name));

    // Act
    await fc.assert(
      fc.asyncProperty(unknownTool, async (name) => {
        const invocation = await invoke(
          harness.handler,
          postEvent(toolsCall(name, { client_email: 'u@example.com', message: 'hi' }))
        );
        const body = invocation.crashed ? '' : (invocation.result.body ?? '');
        const parsed = JSON.parse(body) as { result?: { isError: boolean }; error?: unknown };
        expect(parsed.result?.isError ?? parsed.error !== undefined).toBe(true);
      }),
      { numRuns: Math.ceil(RUNS / 3) }
    );

    // Assess
    expect(upstream.sent.length).toBe(sentBefore);
  });
});
