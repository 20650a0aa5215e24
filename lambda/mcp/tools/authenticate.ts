import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { clientEmailInput } from '../schemas.js';
import type { ToolContext } from '../tool-context.js';
import { runTool, success } from '../tool-result.js';

/** Built once per container: zod schemas are costly to construct on every request. */
const outputSchema = {
  client_email: z.string().describe('The normalised client email.'),
  authenticated: z.boolean().describe('True when Salesforce accepted the server credentials.'),
  authenticated_at: z
    .string()
    .describe('When the client was recorded as authenticated (ISO 8601).'),
  has_session: z.boolean().describe('True when the client already has an open agent session.'),
};

/** `authenticate`: obtains or validates the Salesforce token and records the client as authenticated. */
export function registerAuthenticate(server: McpServer, context: ToolContext): void {
  server.registerTool(
    'authenticate',
    {
      title: 'Authenticate with Salesforce',
      description:
        'Checks that this server can authenticate to Salesforce and records the client as authenticated. Optional: the other tools authenticate on demand.',
      inputSchema: { client_email: clientEmailInput },
      outputSchema,
      annotations: {
        title: 'Authenticate with Salesforce',
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: true,
        openWorldHint: true,
      },
    },
    ({ client_email }) =>
      runTool('authenticate', context, async (signal) => {
        const clientEmail = client_email;
        const record = await context.conversations.authenticate(
          { clientEmail, owner: context.owner },
          signal
        );
        const authenticatedAt = new Date(record.authenticatedAt ?? Date.now()).toISOString();
        return success(
          {
            client_email: clientEmail,
            authenticated: true,
            authenticated_at: authenticatedAt,
            has_session: record.sessionId !== undefined,
          },
          `Authenticated with Salesforce for ${clientEmail}.${record.sessionId ? ' An agent session is already open.' : ' Next: create-agent-session.'}`
        );
      })
  );
}
