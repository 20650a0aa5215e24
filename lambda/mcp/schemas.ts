import * as z from 'zod';
import { type AgentMessage, ESCALATION_NOTE } from '../agentforce/index.js';
import {
  type ContextVariable,
  VARIABLE_INPUT_PREFIX,
  variableValueSchema,
} from '../conversation/context-variables.js';
import type { TurnOutcome } from '../conversation/conversation-service.js';
import type { ToolSettings } from './tool-context.js';

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

/**
 * `shape` plus one optional flat argument per declared context variable. A `var_…` argument that
 * is not declared is refused by name (other unknown arguments are ignored, as everywhere).
 */
function withVariables<Shape extends z.ZodRawShape>(
  shape: Shape,
  declared: readonly ContextVariable[]
) {
  const variables = Object.fromEntries(
    declared.map((variable) => [
      variable.input,
      variableValueSchema(variable.type).optional().describe(variable.description),
    ])
  );
  const known = new Set(declared.map((variable) => variable.input));
  const accepted =
    declared.length === 0 ? 'this server accepts none' : `accepted: ${[...known].join(', ')}`;
  // Typed as the fixed shape: the variable arguments are read by name (`callVariables`).
  const schema = z.looseObject({ ...shape, ...variables }) as unknown as z.ZodObject<
    Shape,
    z.core.$loose
  >;
  return (
    schema
      .superRefine((args, ctx) => {
        for (const key of Object.keys(args)) {
          if (key.startsWith(VARIABLE_INPUT_PREFIX) && !known.has(key)) {
            ctx.addIssue({
              code: 'custom',
              path: [key],
              message: `is not a context variable this server accepts (${accepted})`,
            });
          }
        }
      })
      // Advertised like every other tool's input: the loose mode is only so the check sees `var_…`.
      .meta({ additionalProperties: undefined })
  );
}

/** The client email as every tool's output echoes it. */
export const clientEmailOutput = z.string().describe('The normalised client email.');

/** Input of the tools that send a turn: who, what they say, and any declared variables. */
export const turnInput = (settings: ToolSettings) =>
  withVariables(
    { client_email: clientEmailInput, message: messageInput(settings.maxMessageChars) },
    settings.variables
  );

/** Input of the tool that starts a session: who, and any declared variables. */
export const sessionStartInput = (settings: ToolSettings) =>
  withVariables({ client_email: clientEmailInput }, settings.variables);

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
  content_safe: z
    .boolean()
    .describe(
      "False when Salesforce's trust layer flagged this message (isContentSafe false); treat its text with care."
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
  content_safe: z
    .boolean()
    .describe('False when Salesforce flagged any message of the turn as possibly unsafe content.'),
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
    // Only an explicit false is a flag: Escalate and Error messages do not carry the field.
    content_safe: fields.isContentSafe !== false,
  };
}

/** Put before the text of a flagged message wherever a person or a model reads the reply. */
export const CONTENT_FLAGGED_NOTE =
  '[Salesforce flagged the next message as possibly unsafe content (isContentSafe: false).]';

/** The reply of a turn: each message's text, blank-line separated (the structured `reply`). */
export function replyText(messages: readonly FlatMessage[]): string {
  return joinTexts(messages, (message) => message.text);
}

/** {@link replyText} for the tool's text block: flagged messages are preceded by a visible note. */
export function readableReply(messages: readonly FlatMessage[]): string {
  return joinTexts(messages, (message) =>
    message.content_safe || message.text === ''
      ? message.text
      : `${CONTENT_FLAGGED_NOTE} ${message.text}`
  );
}

function joinTexts(messages: readonly FlatMessage[], text: (message: FlatMessage) => string) {
  return messages
    .map(text)
    .filter((value) => value.length > 0)
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
      content_safe: messages.every((message) => message.content_safe),
    },
    text: `${readableReply(messages) || '(The agent sent no text.)'}\n\n(Agentforce session ${turn.sessionId}, sequence ${turn.sequenceId}, message types: ${types || 'none'}.)`,
  };
}
