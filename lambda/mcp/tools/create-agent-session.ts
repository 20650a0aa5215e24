import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { clientEmailInput, flattenMessage, replyText } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { runTool, success } from '../tool-result.js';

/** Built once per container: zod schemas are costly to construct on every request. */
const outputSchema = {
  client_email: z.string().describe('The normalised client email.'),
  session_id: z.string().describe('The new Agentforce session id.'),
  greeting: z.string().describe("The agent's greeting."),
  ended_session_id: z
    .string()
    .describe('The previous session that was ended, or empty when there was none.'),
};

/** `create-agent-session`: starts a session with the configured agent, ending the previous one first. */
export function registerCreateAgentSession(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'create-agent-session',
    {
      title: 'Create an agent session',
      description:
        "Starts a new conversation with the Agentforce agent for this client and returns the agent's greeting. Ends the client's previous session first.",
      inputSchema: { client_email: clientEmailInput },
      outputSchema,
      annotations: {
        title: 'Create an agent session',
        readOnlyHint: false,
        destructiveHint: true,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    ({ client_email }) =>
      runTool('create-agent-session', context, async (signal) => {
        const clientEmail = client_email;
        const created = await context.conversations.createSession(
          { clientEmail, owner: context.owner },
          signal
        );
        const greeting = replyText(created.greeting.map(flattenMessage));
        return success(
          {
            client_email: clientEmail,
            session_id: created.sessionId,
            greeting,
            ended_session_id: created.endedSessionId ?? '',
          },
          `${greeting || 'Session started.'}\n\n(Agentforce session ${created.sessionId}${created.endedSessionId ? `; ended previous session ${created.endedSessionId}` : ''}. Next: send-message-to-agent.)`
        );
      })
  );
}
