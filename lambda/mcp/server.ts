import { McpServer } from '@modelcontextprotocol/server';
import { AjvJsonSchemaValidator } from '@modelcontextprotocol/server/validators/ajv';
import type { Tool } from './define-tool.js';
import type { ToolRequest, ToolSettings } from './tool-context.js';
import { TOOLS } from './tools/index.js';

/** The server's name and version, as `initialize`, `/health` and logs report them. */
export const SERVER_INFO = { name: 'agentforce-mcp', version: '0.1.0' } as const;

// The SDK builds a new Ajv instance per server unless given one; this server never uses it
// (it would validate elicitation answers), so one per container is plenty.
const jsonSchemaValidator = new AjvJsonSchemaValidator();

/** The server instructions, written from the registry so they always name the tools there are. */
export const INSTRUCTIONS = (() => {
  const [first, ...rest] = TOOLS;
  const steps = rest.map((tool) => `${tool.name} ${tool.summary}`).join('; ');
  return `Bridge to a Salesforce Agentforce agent. For a conversation, call ${first?.name} with the end user email and message: it ${first?.summary}. The step-by-step tools give finer control: ${steps}.`;
})();

/**
 * Builds a fresh MCP server for one request. Never share one across requests: the SDK's stateless
 * transport is single-use, and a shared server leaked responses across clients (CVE-2026-25536).
 * `tools` is the registry unless a test build adds to it (the conformance fixture server does).
 *
 * @example
 * const server = buildServer(settings, { owner, signal, record });
 * await server.connect(transport);
 */
export function buildServer(
  settings: ToolSettings,
  request: ToolRequest,
  tools: readonly Tool[] = TOOLS
): McpServer {
  const server = new McpServer(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions: INSTRUCTIONS,
    jsonSchemaValidator,
  });
  for (const tool of tools) tool.register(server, settings, request);
  // Registering a tool makes the SDK advertise `listChanged: true`; this server never sends that
  // notification (the tool set is fixed for a container's life), so say so.
  server.server.registerCapabilities({ tools: { listChanged: false } });
  return server;
}
