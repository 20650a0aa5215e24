import {
  AgentforceAuthError,
  AgentforceConfigError,
  AgentNotFoundError,
  AgentSessionLockedError,
  BadRequestError,
  BypassUserRejectedError,
  DeadlineExceededError,
  MalformedResponseError,
  RateLimitedError,
  SessionNotFoundError,
  UpstreamError,
} from '../agentforce/index.js';
import {
  NoSessionError,
  SessionNotSavedError,
  SessionSaveUncertainError,
  TurnNotSentError,
} from '../conversation/errors.js';
import { CredentialsNotSetError, CredentialsUnavailableError } from '../secrets/errors.js';
import {
  LeaseBusyError,
  LeaseLostError,
  SessionLimitError,
  StoreUnavailableError,
} from '../state/errors.js';
import { InvalidToolInputError, ToolDeadlineError } from './errors.js';

/**
 * What the caller should do next: `retry` the same call (after the wait the sentence names),
 * `change-call` (other arguments or another tool first), or nothing until an `administrator` acts.
 */
export type RetryAdvice = 'retry' | 'change-call' | 'administrator';

/** Facts about the call that a sentence may quote. */
export interface FailureContext {
  readonly deadlineMs: number;
}

/** How one error class reaches the caller: a stable code, retry advice and a next-step sentence. */
export interface ErrorRule<E extends Error = Error> {
  readonly code: string;
  readonly retry: RetryAdvice;
  /** The sentence shown to the caller; only safe facts of `err` (never message text or tokens). */
  readonly message: (err: E, context: FailureContext) => string;
}

/** A failure as the caller sees it. */
export interface Failure {
  readonly code: string;
  readonly retry: RetryAdvice;
  readonly message: string;
}

// biome-ignore lint/suspicious/noExplicitAny: any constructor, whatever its parameters.
type ErrorClass<E extends Error> = abstract new (...args: any[]) => E;

const seconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

const entry = <E extends Error>(error: ErrorClass<E>, rule: ErrorRule<E>) =>
  [error, rule as unknown as ErrorRule] as const;

const BUSY: ErrorRule = {
  code: 'BUSY',
  retry: 'retry',
  message: () =>
    'Another message for this client is still being processed by the agent. Wait a few seconds and retry.',
};

/** The lease says only that another call holds the record, not what it is doing. */
const LEASE_BUSY: ErrorRule = {
  code: 'BUSY',
  retry: 'retry',
  message: () =>
    'Another call for this client is still in progress. Nothing was sent to the agent; wait a few seconds and retry.',
};

const DEADLINE: ErrorRule = {
  code: 'DEADLINE',
  retry: 'retry',
  message: (_, { deadlineMs }) =>
    `The agent did not answer within ${seconds(deadlineMs)} seconds. The message may still be processed in Salesforce, but its answer will not reach you, and sending it again may have it processed twice. Wait a moment before the next call (one that finds the agent busy will say so).`,
};

/** Salesforce failed: the token endpoint or the Agent API; its own sentence says which and how. */
const UPSTREAM_UNAVAILABLE: ErrorRule<UpstreamError | MalformedResponseError> = {
  code: 'UPSTREAM_UNAVAILABLE',
  retry: 'retry',
  message: (err) =>
    `Salesforce failed: ${err.message}${err.requestId ? ` (Salesforce request id ${err.requestId})` : ''} Retry in a minute; if it persists, an administrator must check the server's Salesforce settings.`,
};

/**
 * Every error a tool may surface, by class. The most specific class in an error's prototype chain
 * wins, so order does not matter and a subclass never falls through to a sibling's row. A class
 * thrown on purpose anywhere below the tools must have a row: `test/mcp/error-table.test.ts` fails
 * otherwise.
 */
export const ERROR_TABLE: ReadonlyMap<ErrorClass<Error>, ErrorRule> = new Map([
  entry(InvalidToolInputError, {
    code: 'INVALID_INPUT',
    retry: 'change-call',
    message: (err) =>
      `The tool arguments are invalid: ${err.problems.join('; ')}. Fix them and call again.`,
  }),
  entry(NoSessionError, {
    code: 'NO_SESSION',
    retry: 'change-call',
    message: () =>
      'No agent session is open for this client. Call create-agent-session first, or use complete-agentforce-conversation, which starts one for you.',
  }),
  entry(SessionNotSavedError, {
    code: 'STATE_NOT_SAVED',
    retry: 'retry',
    message: () =>
      'The server started a new agent session but could not save it, so it ended it instead of leaking it. No message was sent to the agent. Retry: the next call starts a fresh session.',
  }),
  entry(SessionSaveUncertainError, {
    code: 'STATE_UNCERTAIN',
    retry: 'change-call',
    message: () =>
      'The server started a new agent session, but its session store did not confirm that it was saved. No message was sent to the agent. Call get-session-status: if it shows no session or another one, call create-agent-session again.',
  }),
  entry(TurnNotSentError, {
    code: 'DEADLINE',
    retry: 'retry',
    message: (_, { deadlineMs }) =>
      `Starting the agent session took longer than ${seconds(deadlineMs)} seconds, so the message was not sent. The session was kept; retry to send the message.`,
  }),
  entry(SessionNotFoundError, {
    code: 'SESSION_EXPIRED',
    retry: 'change-call',
    message: () =>
      'The agent session has expired or was ended in Salesforce. Call create-agent-session to start a new one, or use complete-agentforce-conversation, which does it for you.',
  }),
  entry(LeaseBusyError, LEASE_BUSY),
  entry(AgentSessionLockedError, BUSY),
  entry(LeaseLostError, {
    code: 'CONFLICT',
    retry: 'retry',
    message: () =>
      'Another call for this client took over while this one was running, so its result was not saved. Retry.',
  }),
  entry(SessionLimitError, {
    code: 'SESSION_LIMIT',
    retry: 'change-call',
    message: (err) =>
      `You already have ${err.limit} live agent sessions, the most this server allows per caller, so no new session was started and nothing was sent. End a session you no longer need with end-agent-session, or ask the administrator to raise MAX_SESSIONS_PER_TENANT.`,
  }),
  entry(RateLimitedError, {
    code: 'RATE_LIMITED',
    retry: 'retry',
    message: (err) =>
      `Salesforce is rate limiting this server. Retry in ${seconds(err.retryAfterMs ?? 10_000)} seconds.`,
  }),
  entry(DeadlineExceededError, DEADLINE),
  entry(ToolDeadlineError, DEADLINE),
  entry(AgentforceAuthError, {
    code: 'SALESFORCE_AUTH',
    retry: 'administrator',
    message: (err) =>
      `Salesforce rejected this server's credentials: ${err.message} An administrator must fix the configuration; retrying will not help.`,
  }),
  entry(AgentNotFoundError, {
    code: 'AGENT_NOT_FOUND',
    retry: 'administrator',
    message: (err) =>
      `${err.message} An administrator must check SALESFORCE_AGENT_ID and that the agent is active.`,
  }),
  entry(AgentforceConfigError, {
    code: 'CONFIGURATION',
    retry: 'administrator',
    message: (err) =>
      `The server's Salesforce settings are invalid: ${err.message} An administrator must fix them.`,
  }),
  entry(CredentialsNotSetError, {
    code: 'CREDENTIALS_NOT_SET',
    retry: 'administrator',
    message: () =>
      `The server's Salesforce credentials were never stored: its secret still holds the placeholder the stack created. An administrator must run the stack's PutSalesforceCredentialsCommand output (aws secretsmanager put-secret-value --secret-id <SalesforceSecretArn> --secret-string '{"SALESFORCE_CLIENT_ID":"<consumer key>","SALESFORCE_CLIENT_SECRET":"<consumer secret>"}'); retrying will not help until then.`,
  }),
  entry(CredentialsUnavailableError, {
    code: 'CREDENTIALS_UNAVAILABLE',
    retry: 'retry',
    message: () =>
      "The server cannot read its Salesforce credentials right now. Retry in a minute; if it persists, an administrator must check the server's secret.",
  }),
  entry(StoreUnavailableError, {
    code: 'STATE_UNAVAILABLE',
    retry: 'retry',
    message: () =>
      "The server's session store is unavailable right now. Retry in a few seconds; nothing was sent to the agent.",
  }),
  entry(BadRequestError, {
    code: 'REJECTED',
    retry: 'change-call',
    message: (err) =>
      `Salesforce rejected the request: ${err.message} Check the message and retry.`,
  }),
  entry(BypassUserRejectedError, {
    code: 'EMPLOYEE_AGENT',
    retry: 'administrator',
    message: (err) =>
      `Agent ${err.agentId} is an employee agent, which runs as the token's user: Salesforce refused a session started with bypassUser true (400 Invalid user ID). An administrator must set SALESFORCE_BYPASS_USER=false in the server's environment; retrying will not help.`,
  }),
  entry(UpstreamError, UPSTREAM_UNAVAILABLE),
  entry(MalformedResponseError, UPSTREAM_UNAVAILABLE),
]);

/** Anything without a row: the cause is logged, never returned. */
export const INTERNAL: Failure = {
  code: 'INTERNAL',
  retry: 'retry',
  message: 'The server hit an unexpected error. Retry; if it persists, contact the administrator.',
};

/** The row of the most specific class in `err`'s prototype chain, if any. */
export function ruleFor(err: unknown): ErrorRule | undefined {
  if (!(err instanceof Error)) return undefined;
  for (
    let proto: object | null = Object.getPrototypeOf(err);
    proto !== null && proto !== Error.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    const rule = ERROR_TABLE.get(proto.constructor as ErrorClass<Error>);
    if (rule) return rule;
  }
  return undefined;
}

/**
 * Maps any failure to a sentence that tells the caller what to do next. Only known, safe facts are
 * included; unknown errors become {@link INTERNAL}.
 */
export function describeFailure(err: unknown, context: FailureContext): Failure {
  const rule = ruleFor(err);
  if (!rule) return INTERNAL;
  return { code: rule.code, retry: rule.retry, message: rule.message(err as Error, context) };
}
