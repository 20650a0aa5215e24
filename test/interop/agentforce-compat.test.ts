import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../lambda/mcp/tools/index.js';
import {
  callTool,
  type Harness,
  MCP_URL,
  rpcRequest,
  startHarness,
  textOf,
} from '../helpers/harness.js';
import {
  descriptionProblems,
  inputSchemaProblems,
  nameProblems,
  outputSchemaProblems,
  type WireTool,
} from './agentforce-rules.js';

/** Agentforce speaks the legacy (initialize) era and negotiates 2025-06-18 (reference §1.11). */
const AGENTFORCE_VERSION = '2025-06-18';
/** Accept as a lenient server-to-server client may send it: JSON only, no SSE. */
const JSON_ONLY = { accept: 'application/json' };

interface RpcAnswer<T> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: { result?: T; error?: { code: number; message: string } } | undefined;
}

async function rpc<T>(
  harness: Harness,
  body: Record<string, unknown>,
  headers: Record<string, string> = {}
): Promise<RpcAnswer<T>> {
  const response = await harness.fetch(rpcRequest(body, headers));
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as RpcAnswer<T>['body']) : undefined,
  };
}

const initializeRequest = {
  jsonrpc: '2.0',
  id: 0,
  method: 'initialize',
  params: {
    protocolVersion: AGENTFORCE_VERSION,
    capabilities: {},
    clientInfo: { name: 'agentforce-compat', version: '1.0.0' },
  },
};

describe('Agentforce compatibility: tools/list over the wire', () => {
  let harness: Harness;
  let tools: WireTool[];

  beforeAll(async () => {
    harness = await startHarness();
    const answer = await rpc<{ tools: WireTool[] }>(
      harness,
      { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      { ...JSON_ONLY, 'mcp-protocol-version': AGENTFORCE_VERSION }
    );
    tools = answer.body?.result?.tools ?? [];
  });
  afterAll(() => harness.close());

  it('returns exactly the registered tools', () => {
    expect(tools.map((tool) => tool.name).sort()).toEqual([...TOOL_NAMES].sort());
  });

  it('returns names valid under the spec, Agentforce as printed and the no-underscore reading', () => {
    expect(tools.flatMap(nameProblems)).toEqual([]);
  });

  it('returns flat input schemas (every property one primitive)', () => {
    expect(tools.flatMap(inputSchemaProblems)).toEqual([]);
  });

  it('returns flat output schemas (primitives, or a top-level array of flat objects)', () => {
    expect(tools.every((tool) => tool.outputSchema !== undefined)).toBe(true);
    expect(tools.flatMap(outputSchemaProblems)).toEqual([]);
  });

  it('returns single-line ASCII descriptions within 1000 (tool) and 255 (property) characters', () => {
    expect(tools.flatMap(descriptionProblems)).toEqual([]);
  });
});

describe('Agentforce compatibility: legacy handshake with Accept: application/json only', () => {
  let harness: Harness;

  beforeAll(async () => {
    harness = await startHarness();
  });
  afterAll(() => harness.close());

  it('returns 200 JSON negotiating 2025-06-18 without a session id', async () => {
    // Act
    const answer = await rpc<{ protocolVersion: string; capabilities: Record<string, unknown> }>(
      harness,
      initializeRequest,
      JSON_ONLY
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
    expect(answer.headers.get('mcp-session-id')).toBeNull();
    expect(answer.body?.result?.protocolVersion).toBe(AGENTFORCE_VERSION);
    expect(answer.body?.result?.capabilities).toHaveProperty('tools');
  });

  // Versions Agentforce is reported to speak (reference §1.11, secondary source).
  it.each(['2024-11-05', '2025-03-26', '2025-06-18'])(
    'returns protocol version %s when Agentforce asks for it',
    async (version) => {
      const answer = await rpc<{ protocolVersion: string }>(
        harness,
        { ...initializeRequest, params: { ...initializeRequest.params, protocolVersion: version } },
        JSON_ONLY
      );
      expect(answer.body?.result?.protocolVersion).toBe(version);
    }
  );

  it('returns 202 with an empty body for notifications/initialized', async () => {
    // Act
    const answer = await rpc(
      harness,
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      { ...JSON_ONLY, 'mcp-protocol-version': AGENTFORCE_VERSION }
    );

    // Assess
    expect(answer.status).toBe(202);
    expect(answer.body).toBeUndefined();
  });

  it('returns a structured tool result to a tools/call with the same headers', async () => {
    // Act
    const answer = await rpc<CallToolResult>(
      harness,
      {
        jsonrpc: '2.0',
        id: 2,
        method: 'tools/call',
        params: { name: 'get-session-status', arguments: { client_email: 'compat@example.com' } },
      },
      { ...JSON_ONLY, 'mcp-protocol-version': AGENTFORCE_VERSION }
    );

    // Assess
    expect(answer.status).toBe(200);
    expect(answer.body?.result?.isError).toBeFalsy();
    expect(answer.body?.result?.structuredContent).toMatchObject({ has_session: false });
  });

  it('returns 405 to GET /mcp, as a stateless server must', async () => {
    const response = await harness.fetch(
      new Request(MCP_URL, { method: 'GET', headers: { accept: 'text/event-stream' } })
    );
    expect(response.status).toBe(405);
  });
});

describe('Agentforce compatibility: every tool answers within its deadline', () => {
  /** Far below production's 45 s so the test stays fast; the simulator turn takes longer. */
  const DEADLINE_MS = 1500;
  const TURN_LATENCY_MS = 2500;
  const SLACK_MS = 1000;
  let harness: Harness;
  let client: Awaited<ReturnType<Harness['connect']>>;

  beforeAll(async () => {
    harness = await startHarness({
      env: { TOOL_DEADLINE_MS: String(DEADLINE_MS) },
      simulator: { latencyMs: TURN_LATENCY_MS },
    });
    client = await harness.connect();
  });
  afterAll(() => harness.close());

  /** Success with structured content, or a clean tool error carrying the DEADLINE code. */
  function outcome(result: CallToolResult): 'ok' | 'deadline' | string {
    if (!result.isError && result.structuredContent !== undefined) return 'ok';
    const text = textOf(result);
    return text.endsWith('[DEADLINE]') ? 'deadline' : `unexpected: ${text}`;
  }

  async function timedCall(name: string, args: Record<string, unknown>) {
    const started = performance.now();
    const result = await callTool(client, name, args);
    return { elapsed: performance.now() - started, outcome: outcome(result) };
  }

  /**
   * A fresh client per tool; `withSession` opens its agent session first, `'turn'` also completes
   * one turn (at zero latency) and returns its feedback_id. Not timed.
   */
  let n = 0;
  async function prepareClient(withSession: boolean | 'turn'): Promise<Record<string, unknown>> {
    const clientEmail = `deadline-${++n}@example.com`;
    if (withSession) {
      const created = await callTool(client, 'create-agent-session', { client_email: clientEmail });
      expect(outcome(created)).toBe('ok');
    }
    if (withSession !== 'turn') return { client_email: clientEmail };
    harness.simulator.configure({ latencyMs: 0 });
    const turn = await callTool(client, 'send-message-to-agent', {
      client_email: clientEmail,
      message: 'Hello',
    });
    harness.simulator.configure({ latencyMs: TURN_LATENCY_MS });
    const messages = (turn.structuredContent as { messages: { feedback_id: string }[] }).messages;
    return { client_email: clientEmail, feedback_id: messages[0]?.feedback_id };
  }

  // A turn abandoned at the deadline keeps its session busy upstream, so no tool shares a client.
  const cases = [
    ['authenticate', false, {}, 'ok'],
    ['create-agent-session', false, {}, 'ok'],
    ['send-message-to-agent', true, { message: 'Hello' }, 'deadline'],
    ['get-session-status', true, {}, 'ok'],
    ['submit-agent-feedback', 'turn', { rating: 'GOOD' }, 'ok'],
    ['complete-agentforce-conversation', false, { message: 'Hello' }, 'deadline'],
    ['end-agent-session', true, {}, 'ok'],
  ] as const;

  it('has a case for every registered tool', () => {
    expect(cases.map(([name]) => name).sort()).toEqual([...TOOL_NAMES].sort());
  });

  it.each(cases)('returns %s within deadline + 1 s', async (name, withSession, extra, expected) => {
    // Prepare
    const prepared = await prepareClient(withSession);

    // Act
    const { elapsed, outcome: got } = await timedCall(name, { ...prepared, ...extra });

    // Assess
    expect(got).toBe(expected);
    expect(elapsed).toBeLessThan(DEADLINE_MS + SLACK_MS);
  });
});

describe('Agentforce compatibility rules (guard against vacuous passes)', () => {
  const str = (description: string) => ({ type: 'string', description });
  const badTool: WireTool = {
    name: 'send_message',
    description: 'Sends a message.\nSecond line.',
    inputSchema: {
      type: 'object',
      properties: {
        client: { type: 'object', description: 'Nested.', properties: { email: str('Email.') } },
        note: str('x'.repeat(256)),
      },
    },
    outputSchema: {
      type: 'object',
      properties: {
        meta: { type: 'object', description: 'Dynamic.', additionalProperties: str('Any.') },
        messages: {
          type: 'array',
          description: 'Messages.',
          items: {
            type: 'object',
            properties: {
              tags: { type: 'array', description: 'Nested array.' },
              code: { type: 'string' },
            },
          },
        },
      },
    },
  };

  it('returns the underscore as a problem only under the stricter readings', () => {
    expect(nameProblems(badTool)).toHaveLength(2);
    expect(nameProblems({ name: 'x'.repeat(65) })).toHaveLength(2);
  });

  it('returns a nested input object as a problem', () => {
    expect(inputSchemaProblems(badTool)).toEqual([
      expect.stringContaining('inputSchema.client: type "object" is not one primitive type'),
      expect.stringContaining('inputSchema.client: a primitive must not have properties'),
    ]);
  });

  it('returns dynamic maps and arrays inside array items as problems', () => {
    const problems = outputSchemaProblems(badTool).join('\n');
    expect(problems).toContain('outputSchema.meta: additionalProperties is a schema');
    expect(problems).toContain('outputSchema.messages[].tags: type "array"');
  });

  it('returns multi-line and over-long descriptions as problems', () => {
    const problems = descriptionProblems(badTool).join('\n');
    expect(problems).toContain('send_message.description: not one line of printable ASCII');
    expect(problems).toContain('inputSchema.note.description: 256 characters (max 255)');
    expect(problems).toContain('outputSchema.messages[].code.description: missing');
  });
});
