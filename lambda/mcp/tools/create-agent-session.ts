import * as z from 'zod';
import { callVariables } from '../../conversation/context-variables.js';
import { defineTool } from '../define-tool.js';
import {
  clientEmailOutput,
  flattenMessage,
  readableReply,
  replyText,
  sessionStartInput,
} from '../schemas.js';

/** `create-agent-session`: starts a session with the configured agent, ending the previous one first. */
export const createAgentSession = defineTool({
  name: 'create-agent-session',
  title: 'Create an agent session',
  description:
    "Starts a new conversation with the Agentforce agent for this client and returns the agent's greeting. Ends the client's previous session first.",
  summary: "starts a new session, ending the client's previous one",
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: false,
    openWorldHint: true,
  },
  input: sessionStartInput,
  output: {
    client_email: clientEmailOutput,
    session_id: z.string().describe('The new Agentforce session id.'),
    greeting: z.string().describe("The agent's greeting."),
    ended_session_id: z
      .string()
      .describe('The previous session that was ended, or empty when there was none.'),
  },
  async run(args, { conversations, owner, signal, variables }) {
    const { client_email } = args;
    const created = await conversations.createSession(
      { clientEmail: client_email, owner },
      signal,
      callVariables(variables, args)
    );
    const flat = created.greeting.map(flattenMessage);
    const greeting = replyText(flat);
    return {
      structured: {
        client_email,
        session_id: created.sessionId,
        greeting,
        ended_session_id: created.endedSessionId ?? '',
      },
      text: `${readableReply(flat) || 'Session started.'}\n\n(Agentforce session ${created.sessionId}${created.endedSessionId ? `; ended previous session ${created.endedSessionId}` : ''}. Next: send-message-to-agent.)`,
    };
  },
});
