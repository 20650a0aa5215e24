import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { TurnOutcome } from '../../conversation/conversation-service.js';
import { flattenMessage, replyText, turnInputShape, turnOutputShape } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { runTool, success } from '../tool-result.js';

/** Structured content and readable text of one turn; shared with complete-agentforce-conversation. */
export function turnResult(clientEmail: string, turn: TurnOutcome) {
  const messages = turn.messages.map(flattenMessage);
  const reply = replyText(messages);
  const types = messages.map((message) => message.type).join(',');
  return {
    structured: {
      client_email: clientEmail,
      session_id: turn.sessionId,
      sequence_id: turn.sequenceId,
      reply,
      message_types: types,
      messages,
    },
    text: `${reply || '(The agent sent no text.)'}\n\n(Agentforce session ${turn.sessionId}, sequence ${turn.sequenceId}, message types: ${types || 'none'}.)`,
  };
}

/** `send-message-to-agent`: the next turn in the client's open session. */
export function registerSendMessageToAgent(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'send-message-to-agent',
    {
      title: 'Send a message to the agent',
      description:
        "Sends the user's message to the Agentforce agent in the client's open session and returns every message of the agent's reply.",
      inputSchema: turnInputShape(context.maxMessageChars),
      outputSchema: turnOutputShape,
      annotations: {
        title: 'Send a message to the agent',
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: true,
      },
    },
    ({ client_email, message }) =>
      runTool('send-message-to-agent', context, async (signal) => {
        const turn = await context.conversations.sendMessage(
          { clientEmail: client_email, owner: context.owner },
          message,
          signal
        );
        const { structured, text } = turnResult(client_email, turn);
        return success(structured, text);
      })
  );
}
