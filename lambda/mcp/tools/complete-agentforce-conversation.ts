import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { flattenMessage, replyText, turnInputShape, turnOutputShape } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { runTool, success } from '../tool-result.js';
import { turnResult } from './send-message-to-agent.js';

/** Built once per container: zod schemas are costly to construct on every request. */
const outputSchema = {
  ...turnOutputShape,
  session_created: z.boolean().describe('True when this call started a new agent session.'),
  greeting: z
    .string()
    .describe("The new session's greeting, or empty when no session was started."),
};

/** `complete-agentforce-conversation`: authenticate, start a session if needed, and send, in one call. */
export function registerCompleteAgentforceConversation(
  server: McpServer,
  context: ToolContext
): void {
  server.registerTool(
    'complete-agentforce-conversation',
    {
      title: 'Talk to the agent (one call)',
      description:
        "Sends the user's message to the Agentforce agent in one call: authenticates if needed, starts a session when there is none or the previous one expired, then returns the agent's reply.",
      inputSchema: turnInputShape(context.maxMessageChars),
      outputSchema,
      annotations: {
        title: 'Talk to the agent (one call)',
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    ({ client_email, message }) =>
      runTool('complete-agentforce-conversation', context, async (signal) => {
        const turn = await context.conversations.converse(
          { clientEmail: client_email, owner: context.owner },
          message,
          signal
        );
        const { structured, text } = turnResult(client_email, turn);
        const greeting = turn.newSession
          ? replyText(turn.newSession.greeting.map(flattenMessage))
          : '';
        return success(
          { ...structured, session_created: turn.newSession !== undefined, greeting },
          text
        );
      })
  );
}
