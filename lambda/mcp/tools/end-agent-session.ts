import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { clientEmailInput } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { runTool, success } from '../tool-result.js';

/** Built once per container: zod schemas are costly to construct on every request. */
const outputSchema = {
  client_email: z.string().describe('The normalised client email.'),
  ended: z.boolean().describe('True when a session was open and has been ended.'),
  session_id: z.string().describe('The session that was ended, or empty.'),
};

/** `end-agent-session`: ends the client's session in Salesforce and clears it here. */
export function registerEndAgentSession(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'end-agent-session',
    {
      title: 'End the agent session',
      description:
        "Ends the client's Agentforce session in Salesforce and forgets it here. Safe to call when no session is open.",
      inputSchema: { client_email: clientEmailInput },
      outputSchema,
      annotations: {
        title: 'End the agent session',
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    ({ client_email }) =>
      runTool('end-agent-session', context, async (signal) => {
        const { endedSessionId } = await context.conversations.endSession(
          { clientEmail: client_email, owner: context.owner },
          signal
        );
        return success(
          { client_email, ended: endedSessionId !== undefined, session_id: endedSessionId ?? '' },
          endedSessionId
            ? `Ended Agentforce session ${endedSessionId} for ${client_email}.`
            : `No session was open for ${client_email}; nothing to end.`
        );
      })
  );
}
