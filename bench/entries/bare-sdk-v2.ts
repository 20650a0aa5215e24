/**
 * The SDK v2 baseline a user would otherwise write: `createMcpHandler` from
 * `@modelcontextprotocol/server` (one per container, a fresh McpServer per request from the
 * factory, legacy requests served statelessly, one trivial tool), behind the same Function URL
 * event conversion as ours. Measured next to the v1 baseline (`bare-sdk.ts`).
 */
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import * as z from 'zod';
import {
  type FunctionUrlResult,
  toFunctionUrlResult,
  toWebRequest,
} from '../../lambda/http/function-url.js';

const mcp = createMcpHandler(() => {
  const server = new McpServer({ name: 'bare-sdk-v2', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes the text back.', inputSchema: z.object({ text: z.string() }) },
    ({ text }) => ({ content: [{ type: 'text', text }] })
  );
  return server;
});

export async function handler(
  event: LambdaFunctionURLEvent,
  _context: Context
): Promise<FunctionUrlResult> {
  return toFunctionUrlResult(await mcp.fetch(toWebRequest(event)));
}
