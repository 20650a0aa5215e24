import * as z from 'zod';
import { defineTool } from '../define-tool.js';
import { clientEmailInput, clientEmailOutput } from '../schemas.js';

/** Longest feedback comment accepted; the Agent API documents no limit (agent-api.md §2.5). */
export const MAX_FEEDBACK_COMMENT_CHARS = 2_000;

const input = z.object({
  client_email: clientEmailInput,
  feedback_id: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .regex(/^[A-Za-z0-9-]{1,100}$/, {
      error: 'must be the feedback_id of a message returned by a turn tool',
    })
    .describe('The feedback_id of the agent message being rated, as a turn tool returned it.'),
  rating: z.enum(['GOOD', 'BAD'], { error: 'must be GOOD or BAD' }).describe('GOOD or BAD.'),
  comment: z
    .string({ error: 'must be a string' })
    .trim()
    .max(MAX_FEEDBACK_COMMENT_CHARS, {
      error: `must be at most ${MAX_FEEDBACK_COMMENT_CHARS} characters`,
    })
    .optional()
    .describe(
      `Optional comment explaining the rating, at most ${MAX_FEEDBACK_COMMENT_CHARS} characters.`
    ),
});

/** `submit-agent-feedback`: rates one agent answer of the client's open session. */
export const submitAgentFeedback = defineTool({
  name: 'submit-agent-feedback',
  title: 'Rate an agent answer',
  description:
    "Rates one answer of the Agentforce agent GOOD or BAD, with an optional comment, by the feedback_id a turn tool returned. Uses the client's open session; Salesforce stores the feedback with the conversation.",
  summary: 'rates an agent answer by its feedback_id',
  annotations: {
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
  input: () => input,
  output: {
    client_email: clientEmailOutput,
    session_id: z.string().describe('The Agentforce session the feedback was given in.'),
    feedback_id: z.string().describe('The rated feedback_id.'),
    rating: z.string().describe('GOOD or BAD.'),
    submitted: z.boolean().describe('True when Salesforce accepted the feedback.'),
  },
  async run({ client_email, feedback_id, rating, comment }, { conversations, owner, signal }) {
    const { sessionId } = await conversations.submitFeedback(
      { clientEmail: client_email, owner },
      {
        feedbackId: feedback_id,
        rating,
        ...(comment !== undefined && comment !== '' ? { text: comment } : {}),
      },
      signal
    );
    return {
      structured: {
        client_email,
        session_id: sessionId,
        feedback_id,
        rating,
        submitted: true,
      },
      text: `Feedback ${rating} recorded for answer ${feedback_id} in Agentforce session ${sessionId}.`,
    };
  },
});
