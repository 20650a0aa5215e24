import * as z from 'zod';

/*
 * Zod schemas of the Agent API and OAuth payloads (reference §2, §3). Objects are loose so fields
 * Salesforce adds later are kept, and only what the bridge relies on is validated: a message's
 * type, its text fields and its ids. A response that gets those wrong is a
 * `MalformedResponseError`; any other field with an unexpected shape is dropped (or, for a list
 * Salesforce's own TypeScript types declare as a single object, read as a one-item list) so it
 * never costs a turn its reply text.
 */

/** Text fields that Salesforce sends as `""` on some messages and may omit or null on others. */
const text = z
  .string()
  .nullish()
  .transform((value) => value ?? '');

const optionalString = z.string().nullish();

/** A field the bridge does not depend on: kept when it has the documented shape, else dropped. */
function extra<T extends z.ZodType>(schema: T) {
  return schema.nullish().catch(undefined);
}

const extraString = extra(z.string());

/**
 * A list of `item`s that may arrive as a single object (SF-lib's `lib/types.d.ts` declares
 * `result` and `citedReferences` so): one object is read as a one-item list.
 */
function listOf<T extends z.ZodType>(item: T) {
  return extra(
    z.preprocess(
      (value) =>
        typeof value === 'object' && value !== null && !Array.isArray(value) ? [value] : value,
      z.array(item)
    )
  );
}

/** Failure texts: strings, `{message}` objects, or one bare string; never dropped. */
const errorTexts = z.preprocess(
  (value) => (typeof value === 'string' ? [value] : Array.isArray(value) ? value : []),
  z.array(z.unknown()).transform((items) => items.map(errorText))
);

function errorText(item: unknown): string {
  if (typeof item === 'string') return item;
  const message = (item as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : JSON.stringify(item);
}

const typedValueSchema = z.looseObject({
  type: extraString,
  property: extraString,
  value: z.unknown(),
});

/** A cited source of an answer (§2.6). */
export const citedReferenceSchema = z.looseObject({
  type: extraString,
  value: extraString,
  recordId: extraString,
  label: extraString,
  inlineMetadata: listOf(z.looseObject({ claim: extraString, location: extra(z.number()) })),
});

const base = {
  id: optionalString,
  feedbackId: optionalString,
  planId: extraString,
  isContentSafe: extra(z.boolean()),
};

/** The agent's answer. */
export const informMessageSchema = z.looseObject({
  type: z.literal('Inform'),
  ...base,
  message: text,
  result: listOf(typedValueSchema),
  citedReferences: listOf(citedReferenceSchema),
});

/** The agent asks the user for input (e.g. fields of a record to create). */
export const inquireMessageSchema = z.looseObject({
  type: z.literal('Inquire'),
  ...base,
  message: text,
  collect: listOf(
    z.looseObject({ targetType: extraString, targetProperty: extraString, data: z.unknown() })
  ),
});

/** The agent asks the user to confirm an action. */
export const confirmMessageSchema = z.looseObject({
  type: z.literal('Confirm'),
  ...base,
  message: text,
  confirm: listOf(typedValueSchema),
});

/** The agent could not do what was asked; the text lives in `errors[]`, `message` is often `""`. */
export const failureMessageSchema = z.looseObject({
  type: z.literal('Failure'),
  ...base,
  message: text,
  code: extra(z.union([z.string(), z.number().transform(String)])),
  errors: errorTexts,
});

/**
 * The agent hands the conversation to a human. `targets` items are `{type, value}` per the reference
 * but `{id, type, label}` in a MuleSoft mock (§7.7), so their fields are all optional.
 */
export const escalateMessageSchema = z.looseObject({
  type: z.literal('Escalate'),
  ...base,
  message: optionalString,
  targets: listOf(
    z.looseObject({ type: extraString, value: extraString, id: extraString, label: extraString })
  ),
});

/** The session is over (`reason` e.g. `ClientRequest`; other values are §7.8). */
export const sessionEndedMessageSchema = z.looseObject({
  type: z.literal('SessionEnded'),
  ...base,
  reason: extraString,
});

/** An in-band error reported by the agent runtime inside a 200 response or an SSE `ERROR` event. */
export const errorMessageSchema = z.looseObject({
  type: z.literal('Error'),
  ...base,
  error: optionalString,
  message: optionalString,
  httpStatus: extra(z.number()),
  traceId: extraString,
  expected: extra(z.boolean()),
});

/** Streaming progress ("Working on it"); also seen in a sync-response mock (§4 F7). */
export const progressIndicatorMessageSchema = z.looseObject({
  type: z.literal('ProgressIndicator'),
  id: optionalString,
  indicatorType: extraString,
  message: text,
});

/** A fragment of the answer being streamed. */
export const textChunkMessageSchema = z.looseObject({
  type: z.literal('TextChunk'),
  id: optionalString,
  offset: extra(z.number()),
  message: text,
  formatType: extraString,
});

/** Discard every chunk rendered so far (§2.3.1). */
export const validationFailureChunkMessageSchema = z.looseObject({
  type: z.literal('ValidationFailureChunk'),
  id: optionalString,
  offset: extra(z.number()),
  reason: extraString,
});

/** The last event of a streamed turn. */
export const endOfTurnMessageSchema = z.looseObject({
  type: z.literal('EndOfTurn'),
  id: optionalString,
});

const knownMessageSchemas = [
  informMessageSchema,
  inquireMessageSchema,
  confirmMessageSchema,
  failureMessageSchema,
  escalateMessageSchema,
  sessionEndedMessageSchema,
  errorMessageSchema,
  progressIndicatorMessageSchema,
  textChunkMessageSchema,
  validationFailureChunkMessageSchema,
  endOfTurnMessageSchema,
] as const;

const knownTypes: ReadonlySet<string> = new Set(
  knownMessageSchemas.map((schema) => schema.shape.type.value)
);

/** Known type names keyed by their spelling without case or underscores (`ERROR` → `Error`). */
const knownTypesByLooseName: ReadonlyMap<string, string> = new Map(
  [...knownTypes].map((type) => [looseTypeName(type), type])
);

function looseTypeName(type: string): string {
  return type.replaceAll('_', '').toLowerCase();
}

/**
 * Maps `ERROR`, `END_OF_TURN` and the like to the reference's spelling: one transcription of the
 * reference spells `Error` as `ERROR` (§7.8), so a careful client accepts both.
 */
function normalizeType(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || !('type' in value)) return value;
  const type = (value as { type: unknown }).type;
  if (typeof type !== 'string' || knownTypes.has(type)) return value;
  const known = knownTypesByLooseName.get(looseTypeName(type));
  return known === undefined ? value : { ...value, type: known };
}

/**
 * A message of a type this client does not know, kept whole instead of dropped. Its `type` is
 * `'Unknown'` so `switch (message.type)` still narrows the known types; the wire type is in
 * `originalType` and every field in `data`. A known type with a broken shape does not land here:
 * it fails validation.
 */
export const unknownMessageSchema = z
  .looseObject({
    type: z.string().refine((type) => !knownTypes.has(type)),
    id: optionalString,
  })
  .transform(({ type, id, ...data }) => ({
    type: 'Unknown' as const,
    originalType: type,
    ...(typeof id === 'string' ? { id } : {}),
    data: data as Record<string, unknown>,
  }));

/** Any response message: a discriminated union on `type`, with unknown types preserved. */
export const agentMessageSchema = z.preprocess(
  normalizeType,
  z.union([z.discriminatedUnion('type', knownMessageSchemas), unknownMessageSchema])
);

/** A response message from a turn, a session start or a session end. */
export type AgentMessage = z.infer<typeof agentMessageSchema>;
export type InformMessage = z.infer<typeof informMessageSchema>;
export type InquireMessage = z.infer<typeof inquireMessageSchema>;
export type ConfirmMessage = z.infer<typeof confirmMessageSchema>;
export type FailureMessage = z.infer<typeof failureMessageSchema>;
export type EscalateMessage = z.infer<typeof escalateMessageSchema>;
export type SessionEndedMessage = z.infer<typeof sessionEndedMessageSchema>;
export type ErrorMessage = z.infer<typeof errorMessageSchema>;
export type ProgressIndicatorMessage = z.infer<typeof progressIndicatorMessageSchema>;
export type TextChunkMessage = z.infer<typeof textChunkMessageSchema>;
export type ValidationFailureChunkMessage = z.infer<typeof validationFailureChunkMessageSchema>;
export type EndOfTurnMessage = z.infer<typeof endOfTurnMessageSchema>;
export type UnknownMessage = z.infer<typeof unknownMessageSchema>;
/** The type names of `AgentMessage`, including `'Unknown'`. */
export type AgentMessageType = AgentMessage['type'];

const messages = z.array(agentMessageSchema);

/** 200 of `POST /agents/{agentId}/sessions` (§2.1); the greeting may be absent. */
export const startSessionResponseSchema = z.looseObject({
  sessionId: z.string().min(1),
  messages: messages.nullish().transform((value) => value ?? []),
});

/** 200 of `POST /sessions/{id}/messages` (§2.2). */
export const sendMessageResponseSchema = z.looseObject({ messages });

/** 200 of `DELETE /sessions/{id}` (§2.4); an empty body is tolerated as "no messages". */
export const endSessionResponseSchema = z.looseObject({
  messages: messages.nullish().transform((value) => value ?? []),
});

/**
 * `data:` of one SSE event as recorded: `{timestamp, originEventId, traceId, offset, message}`
 * (§2.3.1). The docs' Inform sample is sync-style `{messages: […]}` instead (§7.2), which
 * `sendMessageResponseSchema` covers.
 */
export const streamEnvelopeSchema = z.looseObject({ message: agentMessageSchema });

/** A variable passed at session start or with a message (§2.6). */
export const agentVariableSchema = z.object({
  name: z.string().min(1),
  type: z.string().min(1),
  value: z.unknown(),
});

/** `{name, type, value}`; `type` is e.g. `Text`, `Number`, `Boolean`, `Date`, `Object` (§2.6). */
export type AgentVariable = z.infer<typeof agentVariableSchema>;

/** 200 of `POST /services/oauth2/token` (§3.2). */
export const tokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  instance_url: z.string().min(1),
  issued_at: z.union([z.string(), z.number()]).nullish(),
  api_instance_url: z.string().nullish(),
  token_type: optionalString,
  scope: optionalString,
});

/** 400/401 of the token endpoint (§3.3). */
export const oauthErrorSchema = z.looseObject({
  error: z.string(),
  error_description: optionalString,
});

/** The Agent API's JSON error envelope (§2.7); every field optional because bodies vary. */
export const apiErrorSchema = z.looseObject({
  status: z.number().nullish(),
  error: optionalString,
  message: optionalString,
  requestId: optionalString,
});

/** Summarises zod issues as `path: message` lines, which never contain values from the input. */
export function describeIssues(error: z.ZodError): string[] {
  return error.issues.slice(0, 10).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.code}`;
  });
}
