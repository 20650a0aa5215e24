import { McpServer, PROTOCOL_VERSION_META_KEY } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { type McpExchange, serveMcp } from '../../lambda/mcp/transport.js';

const URL_ = 'http://127.0.0.1:3000/mcp';

function exchange(
  body: Record<string, unknown>,
  headers: Record<string, string> = {}
): McpExchange {
  const text = JSON.stringify(body);
  const request = new Request(URL_, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
    body: text,
  });
  return { request, bytes: new TextEncoder().encode(text), parsedBody: body, accept: 'normalize' };
}

const legacyList = () =>
  exchange(
    { jsonrpc: '2.0', id: 1, method: 'tools/list' },
    { 'mcp-protocol-version': '2025-11-25' }
  );

const modernList = () =>
  exchange(
    {
      jsonrpc: '2.0',
      id: 2,
      method: 'tools/list',
      params: {
        _meta: {
          [PROTOCOL_VERSION_META_KEY]: '2026-07-28',
          'io.modelcontextprotocol/clientInfo': { name: 'unit', version: '1' },
          'io.modelcontextprotocol/clientCapabilities': {},
        },
      },
    },
    { 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'tools/list' }
  );

/** A factory that records every server it hands out. */
function recordingFactory() {
  const servers: McpServer[] = [];
  const factory = () => {
    const server = new McpServer({ name: 'unit', version: '1' }, { capabilities: { tools: {} } });
    servers.push(server);
    return server;
  };
  return { servers, factory };
}

describe('Function: serveMcp', () => {
  it.each([
    ['legacy', legacyList],
    ['modern', modernList],
  ] as const)('builds one fresh server per %s request and leaves it closed', async (era, make) => {
    // Prepare
    const { servers, factory } = recordingFactory();

    // Act
    const first = await serveMcp(make(), factory);
    const second = await serveMcp(make(), factory);

    // Assess
    expect([first.era, second.era]).toEqual([era, era]);
    expect([first.response.status, second.response.status]).toEqual([200, 200]);
    expect(servers).toHaveLength(2);
    expect(servers[0]).not.toBe(servers[1]);
    // Nothing outlives the call: no server is still attached to a transport.
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(servers.map((server) => server.isConnected())).toEqual([false, false]);
  });

  it('serves a legacy batch as the legacy era', async () => {
    const { factory } = recordingFactory();
    const batch = [
      { jsonrpc: '2.0', id: 5, method: 'tools/list' },
      { jsonrpc: '2.0', id: 6, method: 'tools/list' },
    ];
    const text = JSON.stringify(batch);
    const request = new Request(URL_, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: text,
    });
    const { era, response } = await serveMcp(
      { request, bytes: new TextEncoder().encode(text), parsedBody: batch, accept: 'normalize' },
      factory
    );
    expect(era).toBe('legacy');
    expect(((await response.json()) as Array<{ id: number }>).map((r) => r.id)).toEqual([5, 6]);
  });

  it('answers a 2026-07-28 subscriptions/listen at once, without opening a stream', async () => {
    const { servers, factory } = recordingFactory();
    const listen = modernList();
    const body = {
      ...(listen.parsedBody as Record<string, unknown>),
      id: 'sub-1',
      method: 'subscriptions/listen',
    };
    const request = new Request(URL_, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'mcp-protocol-version': '2026-07-28',
        'mcp-method': 'subscriptions/listen',
      },
      body: JSON.stringify(body),
    });
    const { era, response } = await serveMcp({ ...listen, request, parsedBody: body }, factory);
    expect(era).toBe('modern');
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ id: 'sub-1', error: { code: -32601 } });
    expect(servers).toHaveLength(0);
  });

  it('answers a body that is not JSON-RPC 2.0 as SDK v1 did: 400 -32700', async () => {
    const { servers, factory } = recordingFactory();
    const { era, response } = await serveMcp(exchange({ id: 3, method: 'tools/list' }), factory);
    expect(era).toBe('legacy');
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { code: number } }).error.code).toBe(-32700);
    expect(servers.every((server) => !server.isConnected())).toBe(true);
  });
});
