import { readdirSync, readFileSync } from 'node:fs';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INSTRUCTIONS } from '../../lambda/mcp/server.js';
import { TOOL_NAMES, TOOLS } from '../../lambda/mcp/tools/index.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const TOOLS_DIR = new URL('../../lambda/mcp/tools/', import.meta.url);

let harness: Harness;
let client: Client;

beforeAll(async () => {
  harness = await startHarness();
  client = await harness.connect();
});
afterAll(() => harness.close());

describe('Registry: TOOLS', () => {
  it('is what the server lists, in the same order', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((tool) => tool.name)).toEqual(TOOL_NAMES);
    expect(tools.map((tool) => tool.title)).toEqual(TOOLS.map((tool) => tool.title));
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

describe('Server: initialize', () => {
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
});
