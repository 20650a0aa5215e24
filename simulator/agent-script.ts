import type { DraftMessage } from './messages.js';

/**
 * The simulator's scripted demo agent: a pure function of the user's utterance.
 *
 * Keywords are matched case-insensitively as substrings; the **first** matching row decides the
 * reply, and the modifiers combine with any row.
 *
 * | Keyword(s)                          | Reply (`messages[]` / stream events)                                  |
 * |-------------------------------------|-----------------------------------------------------------------------|
 * | `empty error`                       | as `internal error`; streamed as an `ERROR` event with empty data      |
 * | `internal error`                    | in-band `Error` (`INTERNAL_SERVER_ERROR`, httpStatus 500)             |
 * | `variables`                         | one `Inform` listing the session's variables (`name=value`)            |
 * | `fail`                              | `Failure`, `code: ACTION_FAILED`, `message: ""`, text in `errors[]`    |
 * | `human`, `escalate`                 | `Inform` then `Escalate` with a Queue target                           |
 * | `book`, `confirm`, `cancel my`      | `Confirm` with one `copilotActionInput/…` item                         |
 * | `new account`, `create`             | `Inquire` collecting `accountName` and `industry`                      |
 * | `steps`, `multi`                    | three `Inform`s                                                       |
 * | `source`, `cite`                    | `Inform` with one `citedReferences[]` entry                            |
 * | `order status`                      | `Inform` with a non-empty `result[]` (`copilotActionOutput/…`)         |
 * | anything else                       | one `Inform` that quotes the question                                  |
 *
 * | Modifier      | Effect                                                                           |
 * |---------------|----------------------------------------------------------------------------------|
 * | `slow`        | turn latency × 5                                                                 |
 * | `validation`  | stream only: a withdrawn draft, then `VALIDATION_FAILURE_CHUNK`, then the answer |
 * | `unsafe`      | every message of the turn carries `isContentSafe: false`                         |
 */
export interface ScriptedTurn {
  /** Text of the turn's `ProgressIndicator`. */
  readonly progress: string;
  /** Messages in reply order (one or more). */
  readonly messages: readonly DraftMessage[];
  /** Multiplier applied to the configured latency. */
  readonly latencyFactor: number;
  /** Streamed then withdrawn with a `ValidationFailureChunk` (`validation` keyword). */
  readonly withdrawn?: { readonly draft: string; readonly reason: string };
  /** Salesforce's trust layer flagged the turn: its messages carry `isContentSafe: false`. */
  readonly contentFlagged?: boolean;
  /** Stream only: the `Error` goes out as `event: ERROR` with an empty `data:` line. */
  readonly errorEventWithoutData?: boolean;
}

/** What the scripted agent knows about its session besides the utterance. */
export interface ScriptContext {
  /** Variables given at start and with messages so far, by name. */
  readonly variables: ReadonlyMap<string, { readonly type: string; readonly value: unknown }>;
}

/** The session-start greeting (an `Inform` with `feedbackId`/`planId` `""`, §2.1). */
export const GREETING =
  "Hi, I'm the Agentforce simulator, a scripted stand-in for a Salesforce agent. Ask me anything — " +
  "try words like 'create', 'book', 'steps', 'human' or 'fail' to see other reply types.";

/** Longest part of the user's text the agent quotes back. */
export const MAX_QUOTE_LENGTH = 200;

const SLOW_FACTOR = 5;

const ACCOUNT_ACTION = 'copilotActionInput/CreateAccount_179SIM0000000001';
const BOOKING_ACTION = 'copilotActionInput/ConfirmRequest_179SIM0000000002';
const ORDER_ACTION = 'copilotActionOutput/GetOrderStatus_179SIM0000000003';
const SUPPORT_QUEUE_ID = '00GSIM000000001AAA';
const KNOWLEDGE_ARTICLE_ID = 'ka0SIM000000001AAA';

interface Rule {
  readonly keywords: readonly string[];
  readonly progress: string;
  readonly reply: (quote: string, context: ScriptContext) => readonly DraftMessage[];
}

const internalError = (): readonly DraftMessage[] => [
  {
    type: 'Error',
    error: 'INTERNAL_SERVER_ERROR',
    httpStatus: 500,
    message: 'An internal error occurred while processing the request.',
    expected: false,
  },
];

const RULES: readonly Rule[] = [
  { keywords: ['empty error', 'internal error'], progress: 'Working on it', reply: internalError },
  {
    keywords: ['variables'],
    progress: 'Reading the conversation context',
    reply: (_, { variables }) => [
      {
        type: 'Inform',
        message:
          variables.size === 0
            ? 'No variables were set for this session.'
            : `The variables I know: ${[...variables]
                .map(([name, { value }]) => `${name}=${JSON.stringify(value)}`)
                .join(', ')}.`,
      },
    ],
  },
  {
    keywords: ['fail'],
    progress: 'Running the requested action',
    reply: () => [
      {
        type: 'Failure',
        message: '',
        code: 'ACTION_FAILED',
        errors: ['Unfortunately a system error occurred. Please try again.'],
      },
    ],
  },
  {
    keywords: ['human', 'escalate'],
    progress: 'Looking for an available agent',
    reply: () => [
      {
        type: 'Inform',
        message: "I'm connecting you with a member of our support team. Please hold on.",
      },
      {
        type: 'Escalate',
        targets: [{ type: 'Salesforce:Core:Queue:Id', value: SUPPORT_QUEUE_ID }],
      },
    ],
  },
  {
    keywords: ['book', 'confirm', 'cancel my'],
    progress: 'Preparing your request',
    reply: (quote) => [
      {
        type: 'Confirm',
        message: `Can I proceed with this request: "${quote}"?`,
        confirm: [{ type: BOOKING_ACTION, property: '', value: { request: quote } }],
      },
    ],
  },
  {
    keywords: ['new account', 'create'],
    progress: 'Getting ready to create a record',
    reply: () => [
      {
        type: 'Inquire',
        message:
          "Let's get started with creating a new account. Please provide the following details: " +
          'the account name and its industry.',
        collect: [
          { targetType: ACCOUNT_ACTION, targetProperty: 'accountName', data: null },
          { targetType: ACCOUNT_ACTION, targetProperty: 'industry', data: null },
        ],
      },
    ],
  },
  {
    keywords: ['steps', 'multi'],
    progress: 'Planning the steps',
    reply: () => [
      { type: 'Inform', message: 'Sure, here is how it works in three steps.' },
      {
        type: 'Inform',
        message: '1. **Describe** your issue.\n2. **Confirm** the details I collect.',
      },
      { type: 'Inform', message: '3. **Review** the result, and tell me if anything is missing.' },
    ],
  },
  {
    keywords: ['source', 'cite'],
    progress: 'Searching knowledge articles',
    reply: () => {
      const claim = 'Simulated agents answer from a fixed script instead of your org data.';
      const lead = 'According to our knowledge base: ';
      return [
        {
          type: 'Inform',
          message: `${lead}${claim}`,
          citedReferences: [
            {
              type: 'record',
              value: KNOWLEDGE_ARTICLE_ID,
              recordId: KNOWLEDGE_ARTICLE_ID,
              label: 'About the Agentforce simulator',
              inlineMetadata: [{ claim, location: lead.length }],
            },
          ],
        },
      ];
    },
  },
  {
    keywords: ['order status'],
    progress: 'Looking up your order',
    reply: () => [
      {
        type: 'Inform',
        message: 'Your order **00000100** has shipped and should arrive within 3 business days.',
        result: [
          {
            type: ORDER_ACTION,
            property: '',
            value: { orderNumber: '00000100', status: 'Shipped', etaBusinessDays: 3 },
          },
        ],
      },
    ],
  },
];

const DEFAULT_RULE: Rule = {
  keywords: [],
  progress: 'Working on it',
  reply: (quote) => [
    {
      type: 'Inform',
      message:
        `You asked: "${quote}". I'm a simulated agent, so I can't look anything up, but a real ` +
        'Agentforce agent would answer this with its topics and actions.',
    },
  ],
};

/**
 * Decides the reply to one user utterance (see the keyword table on `ScriptedTurn`).
 *
 * @example
 * scriptTurn('Please create a new account').messages[0]?.type; // 'Inquire'
 * scriptTurn('this is slow').latencyFactor; // 5
 */
export function scriptTurn(
  utterance: string,
  context: ScriptContext = { variables: new Map() }
): ScriptedTurn {
  const text = utterance.toLowerCase();
  const quote = quoteOf(utterance);
  const rule = RULES.find((r) => r.keywords.some((k) => text.includes(k))) ?? DEFAULT_RULE;
  const turn: ScriptedTurn = {
    progress: rule.progress,
    messages: rule.reply(quote, context),
    latencyFactor: text.includes('slow') ? SLOW_FACTOR : 1,
    ...(text.includes('empty error') ? { errorEventWithoutData: true } : {}),
    ...(text.includes('unsafe') ? { contentFlagged: true } : {}),
  };
  if (!text.includes('validation')) return turn;
  return {
    ...turn,
    withdrawn: {
      draft: 'Here is a first draft of my answer that will be withdrawn before it completes',
      reason: 'The response failed a content validation check and was regenerated.',
    },
  };
}

/** Single-line, length-capped copy of the utterance for quoting it back. */
function quoteOf(utterance: string): string {
  const flat = utterance.replace(/\s+/g, ' ').trim();
  return flat.length > MAX_QUOTE_LENGTH ? `${flat.slice(0, MAX_QUOTE_LENGTH - 1)}…` : flat;
}
