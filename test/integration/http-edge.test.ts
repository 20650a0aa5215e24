import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { logger, refusalLogger } from '../../lambda/logger.js';
import { TOOL_NAMES } from '../../lambda/mcp/tools/index.js';
import { type Harness, MCP_URL, rpcRequest, startHarness } from '../helpers/harness.js';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness({ env: { MAX_BODY_BYTES: '2048' } });
});
afterAll(() => harness.close());

const initialize = (protocolVersion: string) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'edge-test', version: '1' } },
});

describe('HTTP edge: methods and paths', () => {
  it.each(['GET', 'DELETE', 'PUT', 'PATCH'])(
    'answers %s /mcp with 405 and Allow',
    async (method) => {
      const response = await harness.fetch(new Request(MCP_URL, { method }));
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toContain('POST');
    }
  );

  it('answers a health check', async () => {
    const response = await harness.fetch(new Request('http://127.0.0.1:3000/health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok' });
  });

  it('answers unknown paths and unknown well-known paths with 404', async () => {
    for (const path of ['/', '/other', '/.well-known/oauth-authorization-server']) {
      const response = await harness.fetch(new Request(`http://127.0.0.1:3000${path}`));
      expect(response.status).toBe(404);
    }
  });

  it('serves no protected resource metadata when inbound auth is off', async () => {
    const response = await harness.fetch(
      new Request('http://127.0.0.1:3000/.well-known/oauth-protected-resource/mcp')
    );
    expect(response.status).toBe(404);
  });
});

describe('HTTP edge: content negotiation', () => {
  it.each([['application/json, text/event-stream'], ['application/json'], ['*/*'], ['']])(
    'answers JSON for Accept "%s"',
    async (accept) => {
      const request = rpcRequest(initialize('2025-06-18'), accept ? { accept } : {});
      if (!accept) request.headers.delete('accept');
      const response = await harness.fetch(request);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/application\/json/);
      const body = (await response.json()) as { result: { protocolVersion: string } };
      expect(body.result.protocolVersion).toBe('2025-06-18');
    }
  );

  it('answers 406 when the client accepts neither JSON nor anything', async () => {
    const response = await harness.fetch(
      rpcRequest(initialize('2025-06-18'), { accept: 'text/html' })
    );
    expect(response.status).toBe(406);
  });

  it('answers 415 for a non-JSON content type', async () => {
    const response = await harness.fetch(
      rpcRequest(initialize('2025-06-18'), { 'content-type': 'text/plain' })
    );
    expect(response.status).toBe(415);
  });

  it('answers 413 past the body limit', async () => {
    const response = await harness.fetch(
      rpcRequest({ ...initialize('2025-06-18'), padding: 'x'.repeat(4096) })
    );
    expect(response.status).toBe(413);
  });

  it('answers 400 with a JSON-RPC parse error for malformed JSON', async () => {
    const response = await harness.fetch(rpcRequest('{"jsonrpc":"2.0","id":1,'));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: { code: -32700 } });
  });

  it('answers 202 with no body for a notification', async () => {
    const response = await harness.fetch(
      rpcRequest({ jsonrpc: '2.0', method: 'notifications/initialized' })
    );
    expect(response.status).toBe(202);
    expect(await response.text()).toBe('');
  });
});

describe('HTTP edge: protocol versions', () => {
  it.each(['2025-06-18', '2025-03-26', '2025-11-25'])('negotiates %s', async (version) => {
    const response = await harness.fetch(rpcRequest(initialize(version)));
    const body = (await response.json()) as { result: { protocolVersion: string } };
    expect(body.result.protocolVersion).toBe(version);
  });

  it('answers an unsupported version with its latest supported one', async () => {
    const response = await harness.fetch(rpcRequest(initialize('1999-01-01')));
    const body = (await response.json()) as { result: { protocolVersion: string } };
    expect(body.result.protocolVersion).toBe('2025-11-25');
  });

  it('answers 400 to an unsupported MCP-Protocol-Version header', async () => {
    const response = await harness.fetch(
      rpcRequest(
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { 'mcp-protocol-version': '1999-01-01' }
      )
    );
    expect(response.status).toBe(400);
  });
});

describe('HTTP edge: Origin and Host (DNS rebinding)', () => {
  it('refuses an Origin that is not on the allowlist with 403', async () => {
    const response = await harness.fetch(
      rpcRequest(initialize('2025-06-18'), { origin: 'https://evil.example.com' })
    );
    expect(response.status).toBe(403);
  });

  it('serves an allowed Origin with CORS headers and answers its preflight', async () => {
    const origin = 'http://localhost:6274';
    const response = await harness.fetch(rpcRequest(initialize('2025-06-18'), { origin }));
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    const preflight = await harness.fetch(
      new Request(MCP_URL, { method: 'OPTIONS', headers: { origin } })
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('refuses a Host that is not on the allowlist with 403', async () => {
    const response = await harness.fetch(
      rpcRequest(initialize('2025-06-18'), {}, 'http://evil.example.com/mcp')
    );
    expect(response.status).toBe(403);
  });
});

describe('HTTP edge: 403 request log', () => {
  afterEach(() => vi.restoreAllMocks());

  /** The fields of the one `request` log line the handler wrote for `request` (either logger). */
  async function requestLog(request: Request) {
    const info = vi.spyOn(logger, 'info');
    const refusal = vi.spyOn(refusalLogger, 'info');
    const response = await harness.fetch(request);
    await response.body?.cancel();
    const lines = [...info.mock.calls, ...refusal.mock.calls].filter(
      ([message]) => message === 'request'
    );
    expect(lines).toHaveLength(1);
    return { status: response.status, fields: lines[0]?.[1] as Record<string, unknown> };
  }

  it('names Origin as the refusing rule of a preflight, with the refused value', async () => {
    const { status, fields } = await requestLog(
      new Request(MCP_URL, {
        method: 'OPTIONS',
        headers: { origin: 'http://127.0.0.1:9999', 'access-control-request-method': 'POST' },
      })
    );

    expect(status).toBe(403);
    expect(fields).toMatchObject({
      httpMethod: 'OPTIONS',
      status: 403,
      refusedBy: 'Origin',
      refusedValue: 'http://127.0.0.1:9999',
    });
  });

  it('names Host as the refusing rule, with the value truncated', async () => {
    const host = `${'a'.repeat(300)}.example.com`;
    const { status, fields } = await requestLog(
      rpcRequest(initialize('2025-06-18'), {}, `http://${host}/mcp`)
    );

    expect(status).toBe(403);
    expect(fields.refusedBy).toBe('Host');
    expect(String(fields.refusedValue)).toMatch(/^a{20,}…$/);
    expect(String(fields.refusedValue).length).toBeLessThanOrEqual(100);
  });

  it('replaces characters outside printable ASCII in the logged value', async () => {
    const { fields } = await requestLog(
      rpcRequest(initialize('2025-06-18'), { origin: 'https://évil.example.com\t"x"' })
    );

    expect(fields).toMatchObject({ status: 403, refusedBy: 'Origin' });
    expect(fields.refusedValue).toBe('https://?vil.example.com?"x"');
  });

  it('adds no refusal fields to a request that was served', async () => {
    const { status, fields } = await requestLog(
      rpcRequest(initialize('2025-06-18'), { origin: 'http://localhost:6274' })
    );

    expect(status).toBe(200);
    expect(fields.refusedBy).toBeUndefined();
    expect(fields.refusedValue).toBeUndefined();
  });
});

describe('HTTP edge: tools/list', () => {
  it.each([
    ['without jsonrpc', { id: 4, method: 'tools/list' }],
    ['with jsonrpc 1.0', { jsonrpc: '1.0', id: 5, method: 'tools/list' }],
  ])('refuses a tools/list %s after a valid one, exactly as the first time', async (_, body) => {
    // Prepare: a valid call first, so any warm-path shortcut would be in place.
    const warm = await harness.fetch(rpcRequest({ jsonrpc: '2.0', id: 3, method: 'tools/list' }));
    expect(warm.status).toBe(200);

    // Act
    const response = await harness.fetch(rpcRequest(body));

    // Assess
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ jsonrpc: '2.0', error: { code: -32700 } });
  });

  it('lists every registered tool, kebab-case, with flat schemas, output schemas and annotations', async () => {
    const response = await harness.fetch(
      rpcRequest({ jsonrpc: '2.0', id: 3, method: 'tools/list' })
    );
    const body = (await response.json()) as {
      result: { tools: Array<Record<string, unknown> & { name: string }> };
    };
    const names = body.result.tools.map((tool) => tool.name).sort();
    expect(names).toEqual([...TOOL_NAMES].sort());
    for (const tool of body.result.tools) {
      expect(tool.name).toMatch(/^[a-z][a-z0-9-]{0,63}$/);
      expect(tool.outputSchema).toBeDefined();
      expect(tool.annotations).toMatchObject({
        readOnlyHint: expect.any(Boolean),
        destructiveHint: expect.any(Boolean),
        idempotentHint: expect.any(Boolean),
        openWorldHint: expect.any(Boolean),
      });
      const input = tool.inputSchema as {
        properties: Record<string, { type: string; description?: string }>;
      };
      for (const property of Object.values(input.properties)) {
        expect(['string', 'number', 'integer', 'boolean']).toContain(property.type);
        expect(property.description?.length ?? 0).toBeGreaterThan(0);
      }
    }
  });
});

describe('HTTP edge: malformed JSON-RPC', () => {
  it('answers params of the wrong shape with -32602 and one readable line', async () => {
    const response = await harness.fetch(
      rpcRequest({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 5 } })
    );
    const body = (await response.json()) as {
      id: number;
      error: { code: number; message: string };
    };
    expect(response.status).toBe(200);
    expect(body.id).toBe(7);
    expect(body.error.code).toBe(-32602);
    expect(body.error.message).toMatch(/^Invalid params for tools\/call: params\.name: /);
    expect(body.error.message).not.toContain('\n');
  });

  it('refuses a batch larger than the limit before running anything', async () => {
    const before = harness.simulator.counters.sessionsStarted;
    const batch = Array.from({ length: 11 }, (_, i) => ({
      jsonrpc: '2.0',
      id: i,
      method: 'tools/call',
      params: { name: 'create-agent-session', arguments: { client_email: `b${i}@example.com` } },
    }));
    const response = await harness.fetch(rpcRequest(batch));
    expect(response.status).toBe(400);
    expect(harness.simulator.counters.sessionsStarted).toBe(before);
  });
});

describe('HTTP edge: tools/list cache', () => {
  it('answers later tools/list calls exactly as the SDK answered the first, with their own id', async () => {
    // Prepare: a fresh container (app), so the first call reaches the SDK.
    const fresh = await startHarness();
    try {
      // Act
      const first = await fresh.fetch(
        rpcRequest({ jsonrpc: '2.0', id: 'a', method: 'tools/list' })
      );
      const second = await fresh.fetch(
        rpcRequest({ jsonrpc: '2.0', id: 42, method: 'tools/list' })
      );

      // Assess
      const a = (await first.json()) as { id: unknown; result: unknown };
      const b = (await second.json()) as { id: unknown; result: unknown };
      expect(a.id).toBe('a');
      expect(b.id).toBe(42);
      expect(b.result).toEqual(a.result);
      expect(second.headers.get('content-type')).toMatch(/application\/json/);
    } finally {
      await fresh.close();
    }
  });

  it('still lets the SDK refuse an unsupported MCP-Protocol-Version on a cached method', async () => {
    await harness.fetch(rpcRequest({ jsonrpc: '2.0', id: 1, method: 'tools/list' }));
    const response = await harness.fetch(
      rpcRequest(
        { jsonrpc: '2.0', id: 2, method: 'tools/list' },
        { 'mcp-protocol-version': '1999-01-01' }
      )
    );
    expect(response.status).toBe(400);
  });
});
