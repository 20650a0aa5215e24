import * as z from 'zod';
import { type AgentMessage, ESCALATION_NOTE } from '../agentforce/index.js';
import type { TurnOutcome } from '../conversation/conversation-service.js';

/** Client email input: the key of the client's conversation state. */
export const clientEmailInput = z
  .email({
    error: (issue) =>
      issue.input === undefined ? 'is required' : 'must be an email address (name@example.com)',
  })
  .max(254, { error: 'must be at most 254 characters' })
  .toLowerCase()
  .describe('Email address identifying the end user whose Agentforce conversation this is.');

/** Builds the message input with the configured length bound. */
export const messageInput = (maxChars: number) =>
  z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(maxChars, { error: `must be at most ${maxChars} characters; shorten the message` })
    .describe(`The user's message to the agent, plain text, at most ${maxChars} characters.`);

/** Input of the tools that act on a client's state without sending a message. */
export const clientInput = z.object({ client_email: clientEmailInput });

/** Input of the tools that send a turn: who, and what they say, within the configured length. */
export const turnInput = (maxChars: number) =>
  z.object({ client_email: clientEmailInput, message: messageInput(maxChars) });

/** The client email as every tool's output echoes it. */
export const clientEmailOutput = z.string().describe('The normalised client email.');

/** One agent message in flat form (primitive fields only, so Agentforce can map it). */
export const flatMessageOutput = z.object({
  type: z
    .string()
    .describe('Message type: Inform, Inquire, Confirm, Failure, Escalate, Error, ...'),
  id: z.string().describe('Message id from Salesforce.'),
  text: z.string().describe('Readable text of the message (errors for Failure messages).'),
  feedback_id: z.string().describe('Feedback id for this message, empty when none.'),
  code: z.string().describe('Failure or error code, empty when none.'),
  details: z
    .string()
    .describe(
      'JSON of type-specific fields (requested inputs, confirmations, escalation targets), or empty.'
    ),
});

/** One agent message as the turn tools return it. */
export type FlatMessage = z.infer<typeof flatMessageOutput>;

/** Annotations of the tools that send a turn: they change state upstream, and a repeat is a new turn. */
export const turnAnnotations = {
  readOnlyHint: false,
  destructiveHint: false,
  idempotentHint: false,
  openWorldHint: true,
} as const;

/** Output of the tools that send a turn; filled by {@link turnResult}. */
export const turnOutputShape = {
  client_email: clientEmailOutput,
  session_id: z.string().describe('Agentforce session id used for this turn.'),
  sequence_id: z.number().int().describe('Sequence id sent with this turn.'),
  reply: z.string().describe("The agent's reply: the text of every message of the turn."),
  message_types: z
    .string()
    .describe('Comma-separated types of the messages of the turn, in order.'),
  messages: z.array(flatMessageOutput).describe('Every message of the turn, in order.'),
};

const TEXT_FIELDS = ['message', 'text'] as const;
const DETAIL_FIELDS = [
  'collect',
  'confirm',
  'targets',
  'result',
  'citedReferences',
  'reason',
] as const;

/** Turns one typed agent message into its flat form without losing type-specific fields. */
export function flattenMessage(message: AgentMessage): FlatMessage {
  // Unknown types keep their wire type and fields; flatten them like any other message.
  const fields: Record<string, unknown> =
    message.type === 'Unknown'
      ? { ...message.data, id: message.id, type: message.originalType }
      : (message as unknown as Record<string, unknown>);
  const type = String(fields.type);
  const str = (value: unknown) => (typeof value === 'string' ? value : '');
  let text = TEXT_FIELDS.map((key) => str(fields[key])).find((value) => value.length > 0) ?? '';
  const errors = Array.isArray(fields.errors) ? fields.errors.map(String) : [];
  if (!text && errors.length > 0) text = errors.join(' ');
  if (!text && type === 'Escalate') text = ESCALATION_NOTE;
  const details: Record<string, unknown> = {};
  for (const key of DETAIL_FIELDS) {
    const value = fields[key];
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0))
      continue;
    details[key] = value;
  }
  if (errors.length > 0 && text !== errors.join(' ')) details.errors = errors;
  return {
    type,
    id: str(fields.id),
    text,
    feedback_id: str(fields.feedbackId),
    code: str(fields.code) || str(fields.error),
    details: Object.keys(details).length > 0 ? JSON.stringify(details) : '',
  };
}

/** The readable reply of a turn: each message's text, blank-line separated. */
export function replyText(messages: readonly FlatMessage[]): string {
  return messages
    .map((message) => message.text)
    .filter((text) => text.length > 0)
    .join('\n\n');
}

/** Structured content and readable text of one turn, for every tool that sends one. */
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
