/**
 * Errors raised by the Agent API client. Every message is safe to show to an operator or an MCP
 * client: none contains an access token, a client secret or the text of a conversation.
 */

/** Context shared by every Agentforce error. */
interface AgentforceErrorOptions extends ErrorOptions {
  /** HTTP status Salesforce answered with, when the failure came from a response. */
  readonly status?: number;
  /** Salesforce's `x-request-id` (or the error body's `requestId`), for support cases. */
  readonly requestId?: string;
}

/**
 * Base class of every error the Agent API client throws on purpose. Whether a caller should retry
 * is decided in one place, the MCP error table (`lambda/mcp/error-table.ts`), by error class.
 */
class AgentforceError extends Error {
  /** HTTP status Salesforce answered with, when the failure came from a response. */
  readonly status?: number;
  /** Salesforce request id, for support cases. */
  readonly requestId?: string;

  constructor(message: string, options: AgentforceErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentforceError';
    if (options.status !== undefined) this.status = options.status;
    if (options.requestId !== undefined) this.requestId = options.requestId;
  }
}

/** Why Salesforce refused to authenticate the server; each value points at one setting to fix. */
type AuthFailureReason =
  | 'unknown-client'
  | 'wrong-secret'
  | 'no-run-as-user'
  | 'wrong-domain'
  | 'unsupported-grant'
  | 'missing-scopes'
  | 'token-rejected'
  | 'other';

/**
 * The token request failed, or the Agent API kept refusing a freshly issued token. The message is
 * a sentence telling the operator what to fix; `oauthError` keeps Salesforce's `error` code.
 */
class AgentforceAuthError extends AgentforceError {
  /** The likely cause, derived from Salesforce's `error`/`error_description`. */
  readonly reason: AuthFailureReason;
  /** Salesforce's OAuth `error` code (`invalid_client`, `invalid_grant`, …), when it sent one. */
  readonly oauthError?: string;

  constructor(
    message: string,
    reason: AuthFailureReason,
    options: AgentforceErrorOptions & { readonly oauthError?: string } = {}
  ) {
    super(message, options);
    this.name = 'AgentforceAuthError';
    this.reason = reason;
    if (options.oauthError !== undefined) this.oauthError = options.oauthError;
  }
}

/** A URL setting (My Domain, API host) is unusable, or Salesforce rejected it as configured. */
class AgentforceConfigError extends AgentforceError {
  /** The setting at fault, e.g. `myDomainUrl` or `apiUrl`. */
  readonly setting?: string;

  constructor(
    message: string,
    options: AgentforceErrorOptions & { readonly setting?: string } = {}
  ) {
    super(message, options);
    this.name = 'AgentforceConfigError';
    if (options.setting !== undefined) this.setting = options.setting;
  }
}

/** The session expired, was ended, or never existed (404 `NotFoundException`). Start a new one. */
class SessionNotFoundError extends AgentforceError {
  /** The session that Salesforce does not know. */
  readonly sessionId: string;

  constructor(sessionId: string, options: AgentforceErrorOptions = {}) {
    super(
      `Agentforce session ${sessionId} was not found: it expired, was ended, or never existed. Start a new session.`,
      options
    );
    this.name = 'SessionNotFoundError';
    this.sessionId = sessionId;
  }
}

/** The agent id is invalid (400) or the agent has no active version (404). */
class AgentNotFoundError extends AgentforceError {
  /** The agent id that was used. */
  readonly agentId: string;

  constructor(agentId: string, detail: string, options: AgentforceErrorOptions = {}) {
    super(`Agentforce agent ${agentId} cannot be used: ${detail}`, options);
    this.name = 'AgentNotFoundError';
    this.agentId = agentId;
  }
}

/** Another request for the same session was still running (423) after a brief wait. */
class AgentSessionLockedError extends AgentforceError {
  /** The locked session. */
  readonly sessionId: string;

  constructor(sessionId: string, options: AgentforceErrorOptions = {}) {
    super(
      `Agentforce session ${sessionId} is still busy with another request; try again shortly.`,
      options
    );
    this.name = 'AgentSessionLockedError';
    this.sessionId = sessionId;
  }
}

/** Salesforce kept answering 429 (or the token endpoint did) beyond the retry budget. */
class RateLimitedError extends AgentforceError {
  /** How long Salesforce asked callers to wait (`Retry-After`), when it said. */
  readonly retryAfterMs?: number;

  constructor(
    message: string,
    options: AgentforceErrorOptions & { readonly retryAfterMs?: number } = {}
  ) {
    super(message, options);
    this.name = 'RateLimitedError';
    if (options.retryAfterMs !== undefined) this.retryAfterMs = options.retryAfterMs;
  }
}

/** Salesforce failed (5xx, 503 beyond the retry budget, an unexpected status, a broken connection). */
class UpstreamError extends AgentforceError {
  constructor(message: string, options: AgentforceErrorOptions = {}) {
    super(message, options);
    this.name = 'UpstreamError';
  }
}

/** The caller's deadline (`signal`) fired before the call completed; the request was abandoned. */
class DeadlineExceededError extends AgentforceError {
  constructor(
    message = 'The Agentforce call did not finish before its deadline.',
    options: AgentforceErrorOptions = {}
  ) {
    super(message, options);
    this.name = 'DeadlineExceededError';
  }
}

/** Salesforce answered with a body that does not have the documented shape. */
class MalformedResponseError extends AgentforceError {
  /** Where the body deviated (`messages.0.type: …`); never contains values from the body. */
  readonly issues: readonly string[];

  constructor(
    message: string,
    options: AgentforceErrorOptions & { readonly issues?: readonly string[] } = {}
  ) {
    super(message, options);
    this.name = 'MalformedResponseError';
    this.issues = options.issues ?? [];
  }
}

/** Salesforce rejected the request as invalid (400) for a reason not covered by a subclass above. */
class BadRequestError extends AgentforceError {
  constructor(message: string, options: AgentforceErrorOptions = {}) {
    super(message, options);
    this.name = 'BadRequestError';
  }
}

/**
 * An employee agent refused a session started with `bypassUser: true` (400 "Invalid user ID"):
 * such agents run as the token's user, so they must be started with `bypassUser: false`.
 */
class BypassUserRejectedError extends BadRequestError {
  /** The agent that refused. */
  readonly agentId: string;

  constructor(agentId: string, options: AgentforceErrorOptions = {}) {
    super(
      `Salesforce refused to start a session with agent ${agentId} (400: Invalid user ID). An ` +
        'employee agent must be started with bypassUser set to false, so it runs as the token’s user.',
      options
    );
    this.name = 'BypassUserRejectedError';
    this.agentId = agentId;
  }
}

export type { AgentforceErrorOptions, AuthFailureReason };
export {
  AgentforceAuthError,
  AgentforceConfigError,
  AgentforceError,
  AgentNotFoundError,
  AgentSessionLockedError,
  BadRequestError,
  BypassUserRejectedError,
  DeadlineExceededError,
  MalformedResponseError,
  RateLimitedError,
  SessionNotFoundError,
  UpstreamError,
};
