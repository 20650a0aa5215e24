import * as z from 'zod';
import { defineTool } from '../define-tool.js';
import { clientEmailOutput, clientInput } from '../schemas.js';

/** `end-agent-session`: ends the client's session in Salesforce and clears it here. */
export const endAgentSession = defineTool({
  name: 'end-agent-session',
  title: 'End the agent session',
  description:
    "Ends the client's Agentforce session in Salesforce and forgets it here. Safe to call when no session is open.",
  summary: "ends the client's session",
  annotations: {
    readOnlyHint: false,
    destructiveHint: true,
    idempotentHint: true,
    openWorldHint: true,
  },
  input: () => clientInput,
  output: {
    client_email: clientEmailOutput,
    ended: z.boolean().describe('True when a session was open and has been ended.'),
    session_id: z.string().describe('The session that was ended, or empty.'),
  },
  async run({ client_email }, { conversations, owner, signal }) {
    const { endedSessionId } = await conversations.endSession(
      { clientEmail: client_email, owner },
      signal
    );
    return {
      structured: {
        client_email,
        ended: endedSessionId !== undefined,
        session_id: endedSessionId ?? '',
      },
      text: endedSessionId
        ? `Ended Agentforce session ${endedSessionId} for ${client_email}.`
        : `No session was open for ${client_email}; nothing to end.`,
    };
  },
});
