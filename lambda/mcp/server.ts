import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/ajv';
import type { ToolContext } from './tool-context.js';
import { registerAuthenticate } from './tools/authenticate.js';
import { registerCompleteAgentforceConversation } from './tools/complete-agentforce-conversation.js';
import { registerCreateAgentSession } from './tools/create-agent-session.js';
import { registerEndAgentSession } from './tools/end-agent-session.js';
import { registerGetSessionStatus } from './tools/get-session-status.js';
import { registerSendMessageToAgent } from './tools/send-message-to-agent.js';

export const SERVER_INFO = { name: 'agentforce-mcp', version: '0.1.0' } as const;

// The SDK builds a new Ajv instance per server unless given one; this server never uses it
// (it would validate elicitation answers), so one per container is plenty.
const jsonSchemaValidator = new AjvJsonSchemaValidator();

const INSTRUCTIONS =
  'Bridge to a Salesforce Agentforce agent. For a conversation, call complete-agentforce-conversation with the end user email and message; it handles authentication and sessions. The step-by-step tools (authenticate, create-agent-session, send-message-to-agent, get-session-status, end-agent-session) give finer control.';

/**
 * Builds a fresh MCP server for one request. Never share one across requests: the SDK's stateless
 * transport is single-use, and a shared server leaked responses across clients (CVE-2026-25536).
 *
 * @example
 * const server = buildServer(context);
 * await server.connect(transport);
 */
export function buildServer(context: ToolContext): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions: INSTRUCTIONS,
    jsonSchemaValidator,
  });
  registerAuthenticate(server, context);
  registerCreateAgentSession(server, context);
  registerSendMessageToAgent(server, context);
  registerGetSessionStatus(server, context);
  registerCompleteAgentforceConversation(server, context);
  registerEndAgentSession(server, context);
  return server;
}
