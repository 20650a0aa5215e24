import { readdirSync, readFileSync } from 'node:fs';
import { Client as V2Client } from '@modelcontextprotocol/client';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { buildServer, INSTRUCTIONS } from '../../lambda/mcp/server.js';
import { TOOL_NAMES, TOOLS } from '../../lambda/mcp/tools/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const TOOLS_DIR = new URL('../../lambda/mcp/tools/', import.meta.url);

let harness: Harness;
const settings = () => ({
  conversations: harness.deps.conversations,
  toolDeadlineMs: harness.deps.config.limits.toolDeadlineMs,
  maxMessageChars: harness.deps.config.limits.maxMessageChars,
  variables: harness.deps.config.salesforce.variables,
});
let client: Client;

beforeAll(async () => {
  harness = await startHarness();
  client = await harness.connect();
});
afterAll(() => harness.close());

describe('Constant: TOOLS', () => {
  it('is what the server lists, in the same order', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(TOOL_NAMES);
    expect(tools.map((tool) => tool.title)).toEqual(TOOLS.map((tool) => tool.title));
  });

  it("lists each tool's input schema exactly as its validating schema converts to JSON Schema", async () => {
    const { tools } = await client.listTools();
    for (const tool of TOOLS) {
      const { $schema: _draft, ...expected } = z.toJSONSchema(tool.inputSchema(settings()), {
        target: 'draft-7',
        io: 'input',
      });
      const { $schema: _listed, ...listed } = (tools.find(
        (candidate) => candidate.name === tool.name
      )?.inputSchema ?? {}) as Record<string, unknown>;
      expect(listed, tool.name).toEqual(expected);
      expect(listed.required, tool.name).toContain('client_email');
    }
  });

  it('declares no x-mcp-header parameter, so the CORS preflight needs no Mcp-Param-* header', async () => {
    // 2026-07-28 (SEP-2243): a client mirrors a parameter marked `x-mcp-header` into an
    // `Mcp-Param-{Name}` request header. A browser would need each such name in
    // CORS_ALLOW_HEADERS (lambda/http/rules.ts): a tool that declares one must add it there.
    const { tools } = await client.listTools();
    expect(JSON.stringify(tools)).not.toContain('x-mcp-header');
  });

  it('holds each tool once, one file per tool', () => {
    const files = readdirSync(TOOLS_DIR).filter((file) => file !== 'index.ts');
    expect(new Set(TOOL_NAMES).size).toBe(TOOL_NAMES.length);
    expect(files.map((file) => file.replace(/\.ts$/, '')).sort()).toEqual([...TOOL_NAMES].sort());
  });

  it('has no tool file that imports another tool file', () => {
    for (const file of readdirSync(TOOLS_DIR)) {
      if (file === 'index.ts') continue;
      const source = readFileSync(new URL(file, TOOLS_DIR), 'utf8');
      expect(source, file).not.toMatch(/from '\.\/[^']+'/);
    }
  });
});

describe('Annotation: openWorldHint', () => {
  it('is false only on tools that call nothing upstream', async () => {
    const { tools } = await client.listTools();
    const closed = tools.filter((tool) => tool.annotations?.openWorldHint === false);
    expect(closed.map((tool) => tool.name)).toEqual(['get-session-status']);
    for (const tool of closed) {
      const before = JSON.stringify({ ...harness.simulator.counters, sequenceIds: undefined });
      const result = await client.callTool({
        name: tool.name,
        arguments: { client_email: 'closed-world@example.com' },
      });
      expect(result.isError, tool.name).toBeFalsy();
      expect(JSON.stringify({ ...harness.simulator.counters, sequenceIds: undefined })).toBe(
        before
      );
    }
  });
});

describe('Function: buildServer', () => {
  it('writes instructions that name every registered tool, the first as the one to start with', () => {
    const instructions = client.getInstructions() ?? '';
    expect(instructions).toBe(INSTRUCTIONS);
    for (const name of TOOL_NAMES) expect(instructions).toContain(name);
    expect(instructions).toMatch(
      new RegExp(`^[^.]+\\. For a conversation, call ${TOOL_NAMES[0]} `)
    );
  });

  it('advertises tools without listChanged, which this server never sends', () => {
    expect(client.getServerCapabilities()?.tools).toEqual({ listChanged: false });
  });

  it('registers the tools it is given instead of the registry (the conformance fixture build)', async () => {
    // Prepare
    const given = TOOLS.slice(1, 3);
    const request = { owner: 'tenant', signal: new AbortController().signal, record: {} };
    const server = buildServer(settings(), request, given);
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    const inMemory = new V2Client({ name: 'registry-test', version: '1.0.0' });
    await server.connect(serverSide);
    await inMemory.connect(clientSide);

    // Act
    const { tools } = await inMemory.listTools();
    await inMemory.close();
    await server.close();

    // Assess
    expect(tools.map((tool) => tool.name)).toEqual(given.map((tool) => tool.name));
  });
});
