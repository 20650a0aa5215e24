import * as z from 'zod';
import { defineTool } from '../define-tool.js';
import { clientEmailOutput, clientInput, flattenMessage, replyText } from '../schemas.js';

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
  input: () => clientInput,
  output: {
    client_email: clientEmailOutput,
    session_id: z.string().describe('The new Agentforce session id.'),
    greeting: z.string().describe("The agent's greeting."),
    ended_session_id: z
      .string()
      .describe('The previous session that was ended, or empty when there was none.'),
  },
  async run({ client_email }, { conversations, owner, signal }) {
    const created = await conversations.createSession({ clientEmail: client_email, owner }, signal);
    const greeting = replyText(created.greeting.map(flattenMessage));
    return {
      structured: {
        client_email,
        session_id: created.sessionId,
        greeting,
        ended_session_id: created.endedSessionId ?? '',
      },
      text: `${greeting || 'Session started.'}\n\n(Agentforce session ${created.sessionId}${created.endedSessionId ? `; ended previous session ${created.endedSessionId}` : ''}. Next: send-message-to-agent.)`,
    };
  },
});
