/**
 * Both protocol eras on one endpoint, through the real handler (Function URL conversion, the
 * simulator, DynamoDB Local), driven by the SDK v2 client (`@modelcontextprotocol/client`) in each
 * negotiation mode, plus the 2026-07-28 wire rules checked on raw requests.
 *
 * Spec sections cited are from modelcontextprotocol/modelcontextprotocol `docs/specification/2026-07-28/`.
 */
import {
  Client,
  type ListToolsResult,
  StreamableHTTPClientTransport,
} from '@modelcontextprotocol/client';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/client/validators/ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOOL_NAMES } from '../../lambda/mcp/tools/index.js';
import { type Harness, MCP_URL, rpcRequest, startHarness } from '../helpers/harness.js';

const MODERN = '2026-07-28';

type Mode = 'auto' | 'legacy' | { pin: string };

interface Exchange {
  readonly httpMethod: string;
  readonly rpcMethod?: string;
  readonly status: number;
}

let harness: Harness;
let n = 0;
const email = () => `era${++n}-${Date.now()}@example.com`;
const validator = new AjvJsonSchemaValidator();

beforeAll(async () => {
  harness = await startHarness({ env: { ALLOWED_ORIGINS: 'https://app.example.com' } });
});
afterAll(() => harness.close());

/** A v2 SDK client over the real handler, with every HTTP exchange it makes recorded. */
async function connectV2(mode: Mode) {
  const exchanges: Exchange[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    const body = request.method === 'POST' ? await request.clone().text() : '';
    const response = await harness.fetch(request);
    let rpcMethod: string | undefined;
    try {
      rpcMethod = (JSON.parse(body) as { method?: string }).method;
    } catch {
      rpcMethod = undefined;
    }
    exchanges.push({ httpMethod: request.method, rpcMethod, status: response.status });
    return response;
  };
  const client = new Client(
    { name: 'eras-test', version: '1.0.0' },
    { versionNegotiation: { mode } }
  );
  await client.connect(new StreamableHTTPClientTransport(new URL(MCP_URL), { fetch }));
  return { client, exchanges };
}

/** Two turns of a conversation, each result checked against the tool's advertised output schema. */
async function holdConversation(client: Client) {
  const { tools } = (await client.listTools()) as ListToolsResult;
  expect(tools.map((tool) => tool.name)).toEqual([...TOOL_NAMES]);
  const tool = tools.find((t) => t.name === 'complete-agentforce-conversation');
  const check = validator.getValidator(tool?.outputSchema as Record<string, unknown>);
  const clientEmail = email();
  const turns = [];
  for (const message of ['What are your opening hours?', 'And on Sundays?']) {
    const result = await client.callTool({
      name: 'complete-agentforce-conversation',
      arguments: { client_email: clientEmail, message },
    });
    expect(result.isError).toBeFalsy();
    expect(check(result.structuredContent).valid).toBe(true);
    turns.push(result.structuredContent as Record<string, unknown>);
  }
  const [first, second] = turns;
  expect(second?.sequence_id).toBeGreaterThan(first?.sequence_id as number);
  expect(second?.session_id).toBe(first?.session_id);
  expect(second?.reply).toContain('And on Sundays?');
}

describe('Era: SDK v2 client negotiation modes', () => {
  it('lands an auto client on 2026-07-28 with no failed probe (versioning §Era compatibility)', async () => {
    // Act
    const { client, exchanges } = await connectV2('auto');
    await holdConversation(client);
    const era = client.getProtocolEra();
    const version = client.getNegotiatedProtocolVersion();
    await client.close();

    // Assess
    expect(era).toBe('modern');
    expect(version).toBe(MODERN);
    expect(exchanges[0]).toEqual({ httpMethod: 'POST', rpcMethod: 'server/discover', status: 200 });
    expect(exchanges.filter((e) => e.status >= 400)).toEqual([]);
    expect(exchanges.some((e) => e.rpcMethod === 'initialize')).toBe(false);
  });

  it('serves a client pinned to 2026-07-28 (server/discover.mdx)', async () => {
    // Act
    const { client, exchanges } = await connectV2({ pin: MODERN });
    await holdConversation(client);
    const era = client.getProtocolEra();
    await client.close();

    // Assess
    expect(era).toBe('modern');
    expect(exchanges.filter((e) => e.status >= 400)).toEqual([]);
    expect(exchanges.map((e) => e.rpcMethod)).not.toContain('initialize');
  });

  it('serves a legacy-mode client with the initialize handshake, unchanged', async () => {
    // Act
    const { client, exchanges } = await connectV2('legacy');
    await holdConversation(client);
    const era = client.getProtocolEra();
    const version = client.getNegotiatedProtocolVersion();
    await client.close();

    // Assess
    expect(era).toBe('legacy');
    expect(version).toBe('2025-11-25');
    expect(exchanges[0]).toMatchObject({ rpcMethod: 'initialize', status: 200 });
    // A legacy client may open the optional GET stream; stateless, the server says 405 (2025-11-25
    // transports §Listening for messages), as it always has.
    const refused = exchanges.filter((e) => e.status >= 400);
    expect(refused.every((e) => e.httpMethod === 'GET' && e.status === 405)).toBe(true);
  });

  it('keeps concurrent modern clients apart: each gets its own answers', async () => {
    // Prepare
    const [a, b] = await Promise.all([connectV2('auto'), connectV2({ pin: MODERN })]);
    const emails = [email(), email()];

    // Act
    const results = await Promise.all(
      [a, b, a, b].map(({ client }, i) =>
        client.callTool({
          name: 'get-session-status',
          arguments: { client_email: emails[i % 2] },
        })
      )
    );

    // Assess
    results.forEach((result, i) => {
      expect((result.structuredContent as { client_email: string }).client_email).toBe(
        emails[i % 2]
      );
    });
    await Promise.all([a.client.close(), b.client.close()]);
  });
});

/** `_meta` envelope of a 2026-07-28 request (`basic/versioning.mdx` §Per-request metadata). */
const envelope = (version = MODERN) => ({
  'io.modelcontextprotocol/protocolVersion': version,
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
});

/** A raw 2026-07-28 POST with the standard headers (`streamable-http.mdx` §Standard request headers). */
function modernRequest(
  id: number,
  method: string,
  params: Record<string, unknown> = {},
  headers: Record<string, string | undefined> = {}
): Request {
  const name = typeof params.name === 'string' ? params.name : undefined;
  const all: Record<string, string | undefined> = {
    'mcp-protocol-version': MODERN,
    'mcp-method': method,
    ...(name ? { 'mcp-name': name } : {}),
    ...headers,
  };
  const defined = Object.fromEntries(
    Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined)
  );
  return rpcRequest(
    { jsonrpc: '2.0', id, method, params: { ...params, _meta: params._meta ?? envelope() } },
    defined
  );
}

interface RpcBody {
  id?: number | string | null;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data?: Record<string, unknown> };
}

async function send(request: Request): Promise<{ status: number; body: RpcBody }> {
  const response = await harness.fetch(request);
  return { status: response.status, body: (await response.json()) as RpcBody };
}

describe('Era: 2026-07-28 wire rules', () => {
  it('answers server/discover with the supported version and true capabilities (server/discover.mdx)', async () => {
    const { status, body } = await send(modernRequest(1, 'server/discover'));
    expect(status).toBe(200);
    expect(body.result).toMatchObject({
      supportedVersions: [MODERN],
      capabilities: { tools: { listChanged: false } },
      resultType: 'complete',
      _meta: { 'io.modelcontextprotocol/serverInfo': { name: 'agentforce-mcp' } },
    });
  });

  it('puts ttlMs and cacheScope on tools/list (server/utilities/caching.mdx)', async () => {
    const { status, body } = await send(modernRequest(2, 'tools/list'));
    expect(status).toBe(200);
    expect(body.result).toMatchObject({ ttlMs: expect.any(Number), cacheScope: 'private' });
    expect(body.result?.tools).toHaveLength(TOOL_NAMES.length);
  });

  it('marks a tool result complete with resultType (basic/patterns/mrtr.mdx)', async () => {
    const { body } = await send(
      modernRequest(3, 'tools/call', {
        name: 'get-session-status',
        arguments: { client_email: email() },
      })
    );
    expect(body.result).toMatchObject({ resultType: 'complete', structuredContent: {} });
  });

  it.each([
    ['ping', 'ping'],
    ['an unknown method', 'resources/list'],
    ['subscriptions/listen (no change notifications to stream)', 'subscriptions/listen'],
    ['initialize (removed in 2026-07-28, changelog.mdx)', 'initialize'],
  ])('answers %s with 404 -32601 (streamable-http.mdx)', async (_, method) => {
    const { status, body } = await send(modernRequest(4, method));
    expect(status).toBe(404);
    expect(body).toMatchObject({ id: 4, error: { code: -32601 } });
  });

  it.each([
    ['an Mcp-Method header that disagrees with the body', { 'mcp-method': 'tools/call' }],
    ['no Mcp-Method header', { 'mcp-method': undefined }],
  ])('refuses %s with 400 -32020 (streamable-http.mdx §Header validation)', async (_, headers) => {
    const { status, body } = await send(modernRequest(5, 'tools/list', {}, headers));
    expect(status).toBe(400);
    expect(body.error?.code).toBe(-32020);
  });

  it('refuses a tools/call without Mcp-Name with 400 -32020', async () => {
    const { status, body } = await send(
      modernRequest(
        6,
        'tools/call',
        { name: 'get-session-status', arguments: { client_email: email() } },
        { 'mcp-name': undefined }
      )
    );
    expect(status).toBe(400);
    expect(body.error?.code).toBe(-32020);
  });

  it('answers params of the wrong shape with -32602 and one readable line, as in the legacy era', async () => {
    const { status, body } = await send(
      modernRequest(8, 'tools/call', { name: 5 }, { 'mcp-name': '5' })
    );
    expect(status).toBe(200);
    expect(body.error?.code).toBe(-32602);
    expect(body.error?.message).toMatch(/^Invalid params for tools\/call: params\.name: /);
    expect(body.error?.message).not.toContain('\n');
  });

  it('refuses an unsupported version with 400 -32022 naming the supported ones (basic/versioning.mdx)', async () => {
    const { status, body } = await send(
      modernRequest(
        7,
        'tools/list',
        { _meta: envelope('2099-01-01') },
        { 'mcp-protocol-version': '2099-01-01' }
      )
    );
    expect(status).toBe(400);
    expect(body.error?.code).toBe(-32022);
    expect(body.error?.data).toMatchObject({ supported: [MODERN] });
  });

  it('accepts a notification with 202 and no body (streamable-http.mdx §Sending messages)', async () => {
    const response = await harness.fetch(
      rpcRequest(
        {
          jsonrpc: '2.0',
          method: 'notifications/cancelled',
          params: { requestId: 99, _meta: envelope() },
        },
        { 'mcp-protocol-version': MODERN, 'mcp-method': 'notifications/cancelled' }
      )
    );
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });

  it('lets a browser send the 2026-07-28 headers (CORS preflight)', async () => {
    const response = await harness.fetch(
      new Request(MCP_URL, {
        method: 'OPTIONS',
        headers: {
          origin: 'https://app.example.com',
          'access-control-request-method': 'POST',
          'access-control-request-headers': 'mcp-method, mcp-name, mcp-protocol-version',
        },
      })
    );
    expect(response.status).toBe(204);
    const allowed = response.headers.get('access-control-allow-headers')?.split(/,\s*/) ?? [];
    expect(allowed).toEqual(expect.arrayContaining(['mcp-method', 'mcp-name']));
  });
});
