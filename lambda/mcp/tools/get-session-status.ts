import * as z from 'zod';
import { defineTool } from '../define-tool.js';
import { clientEmailOutput, clientInput } from '../schemas.js';

const iso = (epochMs: number | undefined) =>
  epochMs === undefined ? '' : new Date(epochMs).toISOString();

/** `get-session-status`: the client's stored state, without calling Salesforce. */
export const getSessionStatus = defineTool({
  name: 'get-session-status',
  title: 'Get session status',
  description:
    "Returns the client's conversation state kept by this server: authentication, open session, last sequence id, timestamps, and whether the session has likely expired. Does not call Salesforce.",
  summary: 'reports the stored state without calling Salesforce',
  annotations: {
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
  input: () => clientInput,
  output: {
    client_email: clientEmailOutput,
    authenticated: z.boolean().describe('True when the client was authenticated before.'),
    has_session: z.boolean().describe('True when an agent session is open.'),
    session_id: z.string().describe('The open Agentforce session id, or empty.'),
    last_sequence_id: z
      .number()
      .int()
      .describe('Last sequence id used in the session (0 when none).'),
    authenticated_at: z.string().describe('ISO 8601 time of authentication, or empty.'),
    session_started_at: z.string().describe('ISO 8601 start time of the session, or empty.'),
    last_turn_at: z.string().describe('ISO 8601 time of the last completed turn, or empty.'),
    likely_expired: z
      .boolean()
      .describe(
        'True when the session has been idle long enough that Salesforce has likely expired it.'
      ),
  },
  async run({ client_email }, { conversations, owner }) {
    const { record, likelyExpired } = await conversations.status({
      clientEmail: client_email,
      owner,
    });
    const structured = {
      client_email,
      authenticated: record?.authenticatedAt !== undefined,
      has_session: record?.sessionId !== undefined,
      session_id: record?.sessionId ?? '',
      last_sequence_id: record?.sessionId ? record.lastSequenceId : 0,
      authenticated_at: iso(record?.authenticatedAt),
      session_started_at: iso(record?.sessionStartedAt),
      last_turn_at: iso(record?.lastTurnAt),
      likely_expired: likelyExpired,
    };
    const text = !record
      ? `No state for ${client_email}: not authenticated and no session. Next: complete-agentforce-conversation or create-agent-session.`
      : [
          `Client: ${client_email}`,
          `Authenticated: ${structured.authenticated ? `yes (${structured.authenticated_at})` : 'no'}`,
          `Session: ${structured.session_id || 'none'}`,
          `Last sequence id: ${structured.last_sequence_id}`,
          ...(structured.last_turn_at ? [`Last turn: ${structured.last_turn_at}`] : []),
          ...(likelyExpired
            ? ['The session has likely expired; the next turn may need a new session.']
            : []),
        ].join('\n');
    return { structured, text };
  },
});
