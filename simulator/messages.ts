/**
 * Wire shapes of Agent API response messages (agent-api.md §2.6) and the builders that turn the
 * scripted agent's drafts into them. Field order follows the recorded samples.
 */

/** `result[]` item of an `Inform` (fixture F6). */
export interface ResultItem {
  readonly type: string;
  readonly property: string;
  readonly value: unknown;
}

/** `citedReferences[]` item (§2.6, docs citation sample). */
export interface CitedReference {
  readonly type: 'record' | 'link';
  readonly value: string;
  readonly recordId: string | null;
  readonly label: string | null;
  readonly inlineMetadata: readonly { readonly claim: string; readonly location: number }[];
}

/** `collect[]` item of an `Inquire` (fixture F7). */
export interface CollectItem {
  readonly targetType: string;
  readonly targetProperty: string;
  readonly data: unknown;
}

/** `confirm[]` item of a `Confirm` (fixture F7). */
export interface ConfirmItem {
  readonly type: string;
  readonly property: string;
  readonly value: unknown;
}

/** `targets[]` item of an `Escalate`, in the reference's `{type, value}` shape (§2.6, §7.7). */
export interface EscalateTarget {
  readonly type:
    | 'Salesforce:Core:Bot:Id'
    | 'Salesforce:Core:Queue:Id'
    | 'Salesforce:Core:Skill:Id'
    | 'Salesforce:Core:Flow:Id';
  readonly value: string;
}

/**
 * `targets[]` item of an `Escalate` as the MuleSoft connector's mocks show it (agent-api.md §7.7;
 * docs/agent-api-notes.md, "Escalate targets").
 */
export interface MulesoftEscalateTarget {
  readonly id: string;
  readonly type: 'Flow';
  readonly label: string;
}

interface PlannedMessage {
  readonly id: string;
  readonly feedbackId: string;
  readonly planId: string;
  readonly isContentSafe: boolean;
  readonly metrics?: Record<string, never>;
}

/** Agent text, possibly markdown; the final text of a streamed turn. */
export interface InformMessage extends PlannedMessage {
  readonly type: 'Inform';
  readonly message: string;
  readonly result: readonly ResultItem[];
  readonly citedReferences: readonly CitedReference[];
}
/** The agent asks for inputs of an action (`collect[]`). */
export interface InquireMessage extends PlannedMessage {
  readonly type: 'Inquire';
  readonly message: string;
  readonly collect: readonly CollectItem[];
}
/** The agent asks to confirm an action's inputs (`confirm[]`). */
export interface ConfirmMessage extends PlannedMessage {
  readonly type: 'Confirm';
  readonly message: string;
  readonly confirm: readonly ConfirmItem[];
}
/** An action failed; the user-facing text is in `errors[]`, `message` may be `""`. */
export interface FailureMessage extends PlannedMessage {
  readonly type: 'Failure';
  readonly message: string;
  readonly code: 'ACTION_FAILED' | 'ESCALATE';
  readonly errors: readonly string[];
}
/** Hand-off to a human or another bot (`targets[]`). */
export interface EscalateMessage {
  readonly type: 'Escalate';
  readonly id: string;
  readonly feedbackId: string;
  readonly targets: readonly (EscalateTarget | MulesoftEscalateTarget)[];
}
/** In-band error carried by a 200 response or an SSE `ERROR` event (§2.7). */
export interface ErrorMessage {
  readonly type: 'Error';
  readonly id: string;
  readonly feedbackId: string;
  readonly httpStatus: number;
  readonly traceId: string;
  readonly error: string;
  readonly message: string;
  readonly timestamp: number;
  readonly expected: boolean;
}
/** Stream only: the agent is working (first event of a turn). */
export interface ProgressIndicatorMessage {
  readonly type: 'ProgressIndicator';
  readonly id: string;
  readonly indicatorType: 'ACTION';
  readonly message: string;
}
/** Stream only: a fragment of the text the next INFORM carries in full. */
export interface TextChunkMessage {
  readonly type: 'TextChunk';
  readonly id: string;
  readonly offset: number;
  readonly message: string;
  readonly formatType: 'Text';
}
/** Stream only: discard the chunks shown so far (§2.3.1). */
export interface ValidationFailureChunkMessage {
  readonly type: 'ValidationFailureChunk';
  readonly id: string;
  readonly offset: number;
  readonly reason: string;
}
/** Stream only: the last event of a turn. */
export interface EndOfTurnMessage {
  readonly type: 'EndOfTurn';
  readonly id: string;
}
/** Reply to `DELETE /sessions/{id}`. */
export interface SessionEndedMessage {
  readonly type: 'SessionEnded';
  readonly id: string;
  readonly reason: 'ClientRequest';
  readonly feedbackId: string;
}

/** A message that ends up in a sync reply's `messages[]` or as the final event of its kind in a stream. */
export type TurnMessage =
  | InformMessage
  | InquireMessage
  | ConfirmMessage
  | FailureMessage
  | EscalateMessage
  | ErrorMessage;

/** What the scripted agent decides; ids and bookkeeping fields are added by `toTurnMessage`. */
export type DraftMessage =
  | {
      readonly type: 'Inform';
      readonly message: string;
      readonly result?: readonly ResultItem[];
      readonly citedReferences?: readonly CitedReference[];
    }
  | { readonly type: 'Inquire'; readonly message: string; readonly collect: readonly CollectItem[] }
  | { readonly type: 'Confirm'; readonly message: string; readonly confirm: readonly ConfirmItem[] }
  | {
      readonly type: 'Failure';
      readonly message: string;
      readonly code: 'ACTION_FAILED' | 'ESCALATE';
      readonly errors: readonly string[];
    }
  | { readonly type: 'Escalate'; readonly targets: readonly EscalateTarget[] }
  | {
      readonly type: 'Error';
      readonly error: string;
      readonly httpStatus: number;
      readonly message: string;
      readonly expected: boolean;
    };

/** Per-turn values shared by every message of one turn. */
export interface TurnContext {
  /** Shared by every message of the turn; `planId` equals it (§2.0). `""` on the greeting. */
  readonly feedbackId: string;
  readonly traceId: string;
  readonly now: number;
  readonly newId: () => string;
  /** The session asked for `x-attributed-client: no-builder`: strip markdown from the text. */
  readonly plainText?: boolean;
  /** Default `reference`. */
  readonly escalateTargetShape?: 'reference' | 'mulesoft';
  /** Default true; false when the turn was flagged (`unsafe` keyword). */
  readonly isContentSafe?: boolean;
}

/**
 * What `no-builder` is documented to do ("removes markdown from responses"): emphasis, code
 * marks, headings and link syntax go, the words stay. Which markdown upstream removes exactly is
 * unverified; this is enough for a client to tell the two modes apart.
 */
export function stripMarkdown(text: string): string {
  return text
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/(\*\*|__|\*|`)/g, '')
    .replace(/^#{1,6}\s+/gm, '');
}

function mulesoftTarget(target: EscalateTarget): MulesoftEscalateTarget {
  return { id: target.value, type: 'Flow', label: 'Transfer to a human agent' };
}

/**
 * Completes a draft into its wire shape. The greeting passes `feedbackId: ''` and gets no
 * `metrics`, like fixture F1; turn messages carry `metrics: {}` like the docs' sync sample.
 */
export function toTurnMessage(draft: DraftMessage, ctx: TurnContext): TurnMessage {
  const id = ctx.newId();
  const text = (value: string) => (ctx.plainText ? stripMarkdown(value) : value);
  const planned = {
    id,
    feedbackId: ctx.feedbackId,
    planId: ctx.feedbackId,
    isContentSafe: ctx.isContentSafe ?? true,
    ...(ctx.feedbackId === '' ? {} : { metrics: {} }),
  };
  switch (draft.type) {
    case 'Inform':
      return {
        type: 'Inform',
        ...planned,
        message: text(draft.message),
        result: draft.result ?? [],
        citedReferences: draft.citedReferences ?? [],
      };
    case 'Inquire':
      return { type: 'Inquire', ...planned, message: text(draft.message), collect: draft.collect };
    case 'Confirm':
      return { type: 'Confirm', ...planned, message: text(draft.message), confirm: draft.confirm };
    case 'Failure':
      return {
        type: 'Failure',
        ...planned,
        message: draft.message,
        code: draft.code,
        errors: draft.errors,
      };
    case 'Escalate':
      return {
        type: 'Escalate',
        id,
        feedbackId: ctx.feedbackId,
        targets:
          ctx.escalateTargetShape === 'mulesoft'
            ? draft.targets.map(mulesoftTarget)
            : draft.targets,
      };
    case 'Error':
      return {
        type: 'Error',
        id,
        feedbackId: ctx.feedbackId,
        httpStatus: draft.httpStatus,
        traceId: ctx.traceId,
        error: draft.error,
        message: draft.message,
        timestamp: ctx.now,
        expected: draft.expected,
      };
  }
}

/** The text a message shows to the user, which the stream also sends as `TEXT_CHUNK`s. */
export function streamableText(message: TurnMessage): string {
  switch (message.type) {
    case 'Inform':
    case 'Inquire':
    case 'Confirm':
      return message.message;
    default:
      return '';
  }
}

/**
 * Splits text into chunks of a few words whose concatenation is exactly `text`, the way the
 * LLM's output trickles in as `TEXT_CHUNK`s.
 */
export function splitIntoChunks(text: string, wordsPerChunk = 3): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [];
  const chunks: string[] = [];
  for (let i = 0; i < words.length; i += wordsPerChunk) {
    chunks.push(words.slice(i, i + wordsPerChunk).join(''));
  }
  return chunks;
}

/** `_links` of start/send/end responses (§2.1); `apiBase` ends in `/einstein/ai-agent/v1`. */
export interface SessionLinks {
  readonly self: null;
  readonly messages: { readonly href: string };
  readonly messagesStream: { readonly href: string };
  readonly session: { readonly href: string };
  readonly end: { readonly href: string };
}

/** Builds the `_links` object for `sessionId`. */
export function sessionLinks(apiBase: string, sessionId: string, agentId: string): SessionLinks {
  const session = `${apiBase}/sessions/${sessionId}`;
  return {
    self: null,
    messages: { href: `${session}/messages` },
    messagesStream: { href: `${session}/messages/stream` },
    session: { href: `${apiBase}/agents/${agentId}/sessions` },
    end: { href: session },
  };
}
