/**
 * The baseline a user would otherwise write: a bare `@modelcontextprotocol/sdk` stateless server
 * on Lambda (fresh McpServer + WebStandardStreamableHTTPServerTransport per request, JSON
 * responses, one trivial tool), behind the same Function URL event conversion as ours.
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Context, LambdaFunctionURLEvent } from 'aws-lambda';
import * as z from 'zod';
import {
  type FunctionUrlResult,
  toFunctionUrlResult,
  toWebRequest,
} from '../../lambda/http/function-url.js';

export async function handler(
  event: LambdaFunctionURLEvent,
  _context: Context
): Promise<FunctionUrlResult> {
  const server = new McpServer({ name: 'bare-sdk', version: '1.0.0' });
  server.registerTool(
    'echo',
    { description: 'Echoes the text back.', inputSchema: { text: z.string() } },
    ({ text }) => ({ content: [{ type: 'text', text }] })
  );
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await toFunctionUrlResult(await transport.handleRequest(toWebRequest(event)));
  } finally {
    await transport.close();
    await server.close();
  }
}
