import * as z from 'zod';
import { callVariables } from '../../conversation/context-variables.js';
import { defineTool } from '../define-tool.js';
import {
  flattenMessage,
  replyText,
  turnAnnotations,
  turnInput,
  turnOutputShape,
  turnResult,
} from '../schemas.js';

/** `complete-agentforce-conversation`: authenticate, start a session if needed, and send, in one call. */
export const completeAgentforceConversation = defineTool({
  name: 'complete-agentforce-conversation',
  title: 'Talk to the agent (one call)',
  description:
    "Sends the user's message to the Agentforce agent in one call: authenticates if needed, starts a session when there is none or the previous one expired, then returns the agent's reply.",
  summary: 'handles authentication and sessions and returns the reply',
  annotations: turnAnnotations,
  input: turnInput,
  output: {
    ...turnOutputShape,
    session_created: z.boolean().describe('True when this call started a new agent session.'),
    greeting: z
      .string()
      .describe("The new session's greeting, or empty when no session was started."),
  },
  async run(args, { conversations, owner, signal, variables, listener }) {
    const { client_email, message } = args;
    const turn = await conversations.converse(
      { clientEmail: client_email, owner },
      message,
      signal,
      callVariables(variables, args),
      listener
    );
    const { structured, text } = turnResult(client_email, turn);
    const greeting = turn.newSession ? replyText(turn.newSession.greeting.map(flattenMessage)) : '';
    return {
      structured: { ...structured, session_created: turn.newSession !== undefined, greeting },
      text,
    };
  },
});
