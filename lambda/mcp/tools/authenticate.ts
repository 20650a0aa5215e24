import * as z from 'zod';
import { defineTool } from '../define-tool.js';
import { clientEmailOutput, clientInput } from '../schemas.js';

/** `authenticate`: obtains or validates the Salesforce token and records the client as authenticated. */
export const authenticate = defineTool({
  name: 'authenticate',
  title: 'Authenticate with Salesforce',
  description:
    'Checks that this server can authenticate to Salesforce and records the client as authenticated. Optional: the other tools authenticate on demand.',
  summary: 'checks the Salesforce credentials (optional: the other tools do it on demand)',
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: true,
  },
  input: () => clientInput,
  output: {
    client_email: clientEmailOutput,
    authenticated: z.boolean().describe('True when Salesforce accepted the server credentials.'),
    authenticated_at: z
      .string()
      .describe('When the client was recorded as authenticated (ISO 8601).'),
    has_session: z.boolean().describe('True when the client already has an open agent session.'),
  },
  async run({ client_email }, { conversations, owner, signal }) {
    const record = await conversations.authenticate({ clientEmail: client_email, owner }, signal);
    const authenticatedAt = new Date(record.authenticatedAt ?? Date.now()).toISOString();
    return {
      structured: {
        client_email,
        authenticated: true,
        authenticated_at: authenticatedAt,
        has_session: record.sessionId !== undefined,
      },
      text: `Authenticated with Salesforce for ${client_email}.${record.sessionId ? ' An agent session is already open.' : ' Next: create-agent-session.'}`,
    };
  },
});
