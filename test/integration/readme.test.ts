import { readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import {
  LATEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { authEnvSchema } from '../../lambda/auth/config.js';
import { envSchema } from '../../lambda/config.js';
import { refusalLogger } from '../../lambda/logger.js';
import { ERROR_TABLE, INTERNAL } from '../../lambda/mcp/error-table.js';
import { TOOL_NAMES } from '../../lambda/mcp/tools/index.js';
import { startMockIssuer } from '../auth/oauth-issuer.js';
import { type Harness, MCP_URL, rpcRequest, startHarness } from '../helpers/harness.js';

/**
 * The README's "HTTP behaviour" and "Tools" tables, checked row by row against the real handler,
 * so the docs cannot promise what the code does not do.
 */

const README = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The rows of the first table under `## heading` (or of the table after `after`), as cells. */
function table(heading: string, after?: string): string[][] {
  let section = README.split(`\n## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  if (after !== undefined) section = section.slice(section.indexOf(after));
  const lines = section.split('\n');
  const start = lines.findIndex((line) => line.startsWith('|'));
  const end = lines.findIndex((line, i) => i > start && !line.startsWith('|'));
  return lines
    .slice(start, end === -1 ? undefined : end)
    .filter((line) => !/^\|[-| ]+\|$/.test(line))
    .slice(1)
    .map((line) =>
      line
        .slice(1, -1)
        .split(' | ')
        .map((cell) => cell.trim())
    );
}

interface Rpc {
  result?: Record<string, unknown> & { protocolVersion?: string };
  error?: { code: number; data?: Record<string, unknown> };
}

/** A 2026-07-28 POST: the `_meta` envelope plus the standard headers. */
function modern(
  method: string,
  params: Record<string, unknown> = {},
  { version = '2026-07-28', headers = {} as Record<string, string> } = {}
): Request {
  const meta = {
    [PROTOCOL_VERSION_META_KEY]: version,
    'io.modelcontextprotocol/clientInfo': { name: 'readme', version: '1' },
    'io.modelcontextprotocol/clientCapabilities': {},
  };
  const id = method.startsWith('notifications/') ? {} : { id: 9 };
  return rpcRequest(
    { jsonrpc: '2.0', ...id, method, params: { ...params, _meta: meta } },
    {
      'mcp-protocol-version': version,
      'mcp-method': method,
      ...(typeof params.name === 'string' ? { 'mcp-name': params.name } : {}),
      ...headers,
    }
  );
}

const ORIGIN = 'http://localhost:6274';
const initialize = (protocolVersion: string) => ({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion, capabilities: {}, clientInfo: { name: 'readme', version: '1' } },
});

let harness: Harness;
let secured: Harness;
let issuer: Awaited<ReturnType<typeof startMockIssuer>>;

beforeAll(async () => {
  harness = await startHarness();
  issuer = await startMockIssuer();
  secured = await startHarness({
    env: {
      AUTH_MODE: 'jwt',
      AUTH_ISSUER: issuer.url,
      AUTH_JWKS_URL: issuer.jwksUrl,
      AUTH_AUDIENCE: MCP_URL,
      AUTH_REQUIRED_SCOPE: 'mcp.invoke',
    },
  });
});
afterAll(async () => {
  await Promise.all([harness.close(), secured.close()]);
  await issuer.stop();
});

/** One check per row of the HTTP table, keyed by the row's first cell. */
const HTTP_CHECKS: Record<string, (row: string[]) => Promise<void>> = {
  '`POST /mcp` JSON-RPC': async ([, answer = '']) => {
    const documented = answer.match(/\d{4}-\d{2}-\d{2}/g) ?? [];
    const fallback = documented.at(-1);
    expect(fallback).toBe(LATEST_PROTOCOL_VERSION);
    expect(new Set(documented.slice(0, -1))).toEqual(new Set(SUPPORTED_PROTOCOL_VERSIONS));
    for (const version of SUPPORTED_PROTOCOL_VERSIONS) {
      const response = await harness.fetch(rpcRequest(initialize(version)));
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(((await response.json()) as Rpc).result?.protocolVersion).toBe(version);
    }
    const other = await harness.fetch(rpcRequest(initialize('1999-01-01')));
    expect(((await other.json()) as Rpc).result?.protocolVersion).toBe(fallback);
    const notification = await harness.fetch(
      rpcRequest({ jsonrpc: '2.0', method: 'notifications/initialized' })
    );
    expect(notification.status).toBe(202);
  },
  '`Accept: application/json`, `*/*` or none': async () => {
    for (const accept of ['application/json', '*/*', undefined]) {
      const request = rpcRequest({ jsonrpc: '2.0', id: 2, method: 'ping' });
      if (accept) request.headers.set('accept', accept);
      else request.headers.delete('accept');
      const response = await harness.fetch(request);
      expect(response.status, accept).toBe(200);
      expect(response.headers.get('content-type'), accept).toMatch(/^application\/json/);
    }
    for (const accept of ['text/html', 'text/event-stream']) {
      const response = await harness.fetch(
        rpcRequest({ jsonrpc: '2.0', id: 2, method: 'ping' }, { accept })
      );
      expect(response.status, accept).toBe(406);
    }
  },
  '`GET`, `DELETE`, other methods on `/mcp`': async () => {
    for (const method of ['GET', 'DELETE', 'PUT', 'PATCH']) {
      const response = await harness.fetch(new Request(MCP_URL, { method }));
      expect(response.status, method).toBe(405);
      expect(response.headers.get('allow'), method).toBe('POST, OPTIONS');
    }
  },
  '`OPTIONS /mcp` from an allowed origin': async () => {
    const response = await harness.fetch(
      new Request(MCP_URL, {
        method: 'OPTIONS',
        headers: { origin: ORIGIN, 'access-control-request-method': 'POST' },
      })
    );
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    const allowed = response.headers.get('access-control-allow-headers')?.split(/,\s*/);
    expect(allowed).toEqual(
      expect.arrayContaining(['mcp-protocol-version', 'mcp-session-id', 'mcp-method', 'mcp-name'])
    );
  },
  '`Origin` not in `ALLOWED_ORIGINS` / `Host` not in `ALLOWED_HOSTS`': async () => {
    const info = vi.spyOn(refusalLogger, 'info');
    try {
      const preflight = await harness.fetch(
        new Request(MCP_URL, { method: 'OPTIONS', headers: { origin: 'https://evil.example' } })
      );
      expect(preflight.status).toBe(403);
      const badHost = await harness.fetch(
        rpcRequest({ jsonrpc: '2.0', id: 3, method: 'ping' }, {}, 'http://evil.example/mcp')
      );
      expect(badHost.status).toBe(403);
      const logged = info.mock.calls
        .filter(([message]) => message === 'request')
        .map(([, fields]) => fields as Record<string, unknown>);
      expect(logged).toMatchObject([
        { status: 403, refusedBy: 'Origin', refusedValue: 'https://evil.example' },
        { status: 403, refusedBy: 'Host', refusedValue: 'evil.example' },
      ]);
    } finally {
      info.mockRestore();
    }
  },
  'Content type other than JSON / body over `MAX_BODY_BYTES` / malformed JSON': async () => {
    const text = await harness.fetch(rpcRequest('{}', { 'content-type': 'text/plain' }));
    expect(text.status).toBe(415);
    const big = await harness.fetch(rpcRequest(`"${'x'.repeat(1_048_576)}"`));
    expect(big.status).toBe(413);
    const malformed = await harness.fetch(rpcRequest('{"jsonrpc":'));
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as Rpc).error?.code).toBe(-32700);
  },
  'Missing or invalid bearer token (auth on)': async () => {
    const body = { jsonrpc: '2.0', id: 4, method: 'ping' };
    const missing = await secured.fetch(rpcRequest(body));
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toMatch(/^Bearer resource_metadata="/);
    const invalid = await secured.fetch(rpcRequest(body, { authorization: 'Bearer nope' }));
    expect(invalid.status).toBe(401);
    const token = await issuer.sign({ aud: MCP_URL, scope: 'other', client_id: 'a', sub: 'a' });
    const unscoped = await secured.fetch(rpcRequest(body, { authorization: `Bearer ${token}` }));
    expect(unscoped.status).toBe(403);
    expect(unscoped.headers.get('www-authenticate')).toMatch(/error="insufficient_scope"/);
  },
  '`GET /.well-known/oauth-protected-resource[/mcp]`': async () => {
    for (const path of [
      '/.well-known/oauth-protected-resource',
      '/.well-known/oauth-protected-resource/mcp',
    ]) {
      const response = await secured.fetch(new Request(`http://127.0.0.1:3000${path}`));
      expect(response.status, path).toBe(200);
      expect(((await response.json()) as { resource?: string }).resource, path).toBe(MCP_URL);
    }
    const other = await secured.fetch(
      new Request('http://127.0.0.1:3000/.well-known/openid-configuration')
    );
    expect(other.status).toBe(404);
  },
  '`GET /health`': async () => {
    const response = await harness.fetch(new Request('http://127.0.0.1:3000/health'));
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', name: 'agentforce-mcp' });
  },
  '2026-07-28: `POST /mcp` with the `_meta` envelope': async () => {
    const discover = await harness.fetch(modern('server/discover'));
    expect(discover.status).toBe(200);
    expect(((await discover.json()) as Rpc).result).toMatchObject({
      supportedVersions: ['2026-07-28'],
      capabilities: { tools: { listChanged: false } },
    });
    const list = (await (await harness.fetch(modern('tools/list'))).json()) as Rpc;
    expect(list.result).toMatchObject({ ttlMs: expect.any(Number), cacheScope: 'private' });
    const call = modern('tools/call', {
      name: 'get-session-status',
      arguments: { client_email: 'readme@example.com' },
    });
    expect(((await (await harness.fetch(call)).json()) as Rpc).result?.resultType).toBe('complete');
    const notification = await harness.fetch(modern('notifications/cancelled', { requestId: 1 }));
    expect(notification.status).toBe(202);
  },
  '2026-07-28: `Mcp-Method` / `Mcp-Name` missing or unlike the body': async () => {
    const unlike = await harness.fetch(
      modern('tools/list', {}, { headers: { 'mcp-method': 'ping' } })
    );
    const noName = modern('tools/call', { name: 'get-session-status', arguments: {} });
    noName.headers.delete('mcp-name');
    for (const response of [unlike, await harness.fetch(noName)]) {
      expect(response.status).toBe(400);
      expect(((await response.json()) as Rpc).error?.code).toBe(-32020);
    }
  },
  '2026-07-28: unsupported protocol version': async () => {
    const response = await harness.fetch(modern('tools/list', {}, { version: '2099-01-01' }));
    expect(response.status).toBe(400);
    const { error } = (await response.json()) as Rpc;
    expect(error?.code).toBe(-32022);
    expect(error?.data?.supported).toEqual(['2026-07-28']);
  },
  '2026-07-28: `ping`, `initialize`, `subscriptions/listen`, unknown methods': async () => {
    for (const method of ['ping', 'initialize', 'subscriptions/listen', 'resources/list']) {
      const response = await harness.fetch(modern(method));
      expect(response.status, method).toBe(404);
      expect(((await response.json()) as Rpc).error?.code, method).toBe(-32601);
    }
  },
};

describe('README: HTTP behaviour', () => {
  const rows = table('HTTP behaviour');

  it('has a check for every row and a row for every check', () => {
    expect(rows.map(([request]) => request)).toEqual(Object.keys(HTTP_CHECKS));
  });

  it.each(rows.map((row) => [row[0], row] as const))('holds: %s', async (request, row) => {
    const check = HTTP_CHECKS[request as string];
    if (!check) throw new Error(`no check for README row ${request}`);
    await check(row);
  });
});

describe('README: Tools', () => {
  const rows = table('Tools');
  let client: Client;

  beforeAll(async () => {
    client = await harness.connect();
  });

  it('lists exactly the registered tools', () => {
    const names = rows.map(([name]) => name?.replace(/`/g, ''));
    expect([...names].sort()).toEqual([...TOOL_NAMES].sort());
  });

  it("lists each tool's inputs exactly as its input schema has them", async () => {
    const { tools } = await client.listTools();
    for (const [name = '', inputs = ''] of rows) {
      const tool = tools.find((candidate) => candidate.name === name.replace(/`/g, ''));
      const documented = [...inputs.matchAll(/`([a-z_]+)`/g)].map((match) => match[1]);
      expect(documented, name).toEqual(Object.keys(tool?.inputSchema.properties ?? {}));
    }
  });
});

describe('README: Configuration', () => {
  /** Read by libraries, not by our schemas. */
  const LIBRARY_SETTINGS = [
    'POWERTOOLS_LOG_LEVEL',
    'POWERTOOLS_SERVICE_NAME',
    'POWERTOOLS_METRICS_NAMESPACE',
    'POWERTOOLS_METRICS_DISABLED',
  ];
  /** Documented as accepted and ignored. */
  const IGNORED = ['SALESFORCE_ORG_ID'];
  const documented = table('Configuration').flatMap(([names = '']) =>
    [...names.matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((match) => match[1] as string)
  );

  it('documents every variable the function reads', () => {
    const read = [...Object.keys(envSchema.shape), ...Object.keys(authEnvSchema.shape)];
    expect(read.filter((name) => !documented.includes(name))).toEqual([]);
  });

  it('documents no variable the function does not read', () => {
    const read = new Set([
      ...Object.keys(envSchema.shape),
      ...Object.keys(authEnvSchema.shape),
      ...LIBRARY_SETTINGS,
      ...IGNORED,
    ]);
    expect(documented.filter((name) => !read.has(name))).toEqual([]);
  });
});

describe('README: error codes', () => {
  it('lists every code the error table can return with its retry advice, and no other', () => {
    const WORDS = { retry: 'retry', 'change-call': 'change', administrator: 'admin' } as const;
    const listed = table('Tools', '| Code |').map(([code = '', retry = '']) => [
      code.replace(/`/g, ''),
      retry,
    ]);
    const rules = [...ERROR_TABLE.values(), INTERNAL];
    const expected = [...new Map(rules.map((rule) => [rule.code, WORDS[rule.retry]])).entries()];
    expect([...listed].sort()).toEqual(expected.sort());
  });
});
