/**
 * Errors of the simulator. Request handlers throw `ApiResponseError` / `OAuthError` subclasses and
 * the server renders them on the wire; the classes only carry what the wire needs, never a token,
 * secret or message text.
 */

/** Base class of every error the simulator throws. */
export class SimulatorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'SimulatorError';
  }
}

/** An option passed to `startSimulator` or `configure` is invalid. */
export class SimulatorOptionsError extends SimulatorError {
  readonly option: string;

  constructor(option: string, message: string, options?: ErrorOptions) {
    super(`Invalid simulator option '${option}': ${message}`, options);
    this.name = 'SimulatorOptionsError';
    this.option = option;
  }
}

/**
 * The runtime's JSON error envelope (agent-api.md §2.7), e.g. the 404 `NotFoundException` for an
 * unknown session. `path` carries the runtime's `v6.0.0/` prefix instead of the public one.
 */
export interface ErrorEnvelope {
  readonly status: number;
  readonly path: string;
  readonly mode: 'unknown';
  readonly requestId: string;
  readonly error: string;
  readonly message: string;
  readonly timestamp: number;
  readonly expected: boolean;
}

/** Builds an envelope for `apiPath` (the part after `/einstein/ai-agent/v1/`). */
export function errorEnvelope(fields: {
  status: number;
  apiPath: string;
  requestId: string;
  error: string;
  message: string;
  expected: boolean;
  timestamp?: number;
}): ErrorEnvelope {
  return {
    status: fields.status,
    path: `v6.0.0/${fields.apiPath}`,
    mode: 'unknown',
    requestId: fields.requestId,
    error: fields.error,
    message: fields.message,
    timestamp: fields.timestamp ?? Date.now(),
    expected: fields.expected,
  };
}

/**
 * Upstream (core) failures reach the client as `"<status> [<core error array>]"` inside `message`
 * (§2.7 `HttpServerErrorException` sample, §5.1 "No valid version available").
 */
export function coreErrorMessage(status: number, errorCode: string, message: string): string {
  return `${status} ${JSON.stringify([{ errorCode, message }])}`;
}

/** A failure the Agent API answers with a status and either an envelope or an empty body. */
export class ApiResponseError extends SimulatorError {
  readonly status: number;
  /** The envelope's `error` field. */
  readonly errorName: string;
  readonly expected: boolean;
  /** The gateway answers some failures with no body at all (§2.7 "404 (empty body)"). */
  readonly bodyless: boolean;
  /** Seconds for a `Retry-After` header, when set. */
  readonly retryAfterSeconds?: number;

  constructor(
    status: number,
    errorName: string,
    message: string,
    options: {
      expected?: boolean;
      bodyless?: boolean;
      retryAfterSeconds?: number;
      cause?: unknown;
    } = {}
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ApiResponseError';
    this.status = status;
    this.errorName = errorName;
    this.expected = options.expected ?? true;
    this.bodyless = options.bodyless ?? false;
    if (options.retryAfterSeconds !== undefined) this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

/** 404 with an empty body: what the gateway answers for requests it does not route (§2.7, §5.2). */
export class UnroutedRequestError extends ApiResponseError {
  constructor() {
    super(404, 'NotFound', 'Not Found', { bodyless: true });
    this.name = 'UnroutedRequestError';
  }
}

/** 401 envelope. Its exact body is unverified (agent-api.md §7.4); clients should key on the status. */
export class UnauthorizedError extends ApiResponseError {
  constructor(message: string) {
    super(401, 'UnauthorizedException', message);
    this.name = 'UnauthorizedError';
  }
}

/** 400 envelope for a request the runtime cannot accept. */
export class BadRequestError extends ApiResponseError {
  constructor(message: string) {
    super(400, 'BadRequestException', message);
    this.name = 'BadRequestError';
  }
}

/** 400 "`{id}` is not a valid agent ID" (§2.7, troubleshooting page). */
export class InvalidAgentIdError extends BadRequestError {
  readonly agentId: string;

  constructor(agentId: string) {
    super(`${agentId} is not a valid agent ID`);
    this.name = 'InvalidAgentIdError';
    this.agentId = agentId;
  }
}

/** 400 "Invalid user ID": `bypassUser: true` on an employee agent (§2.1, §5.1). */
export class InvalidUserIdError extends BadRequestError {
  constructor() {
    super('Invalid user ID');
    this.name = 'InvalidUserIdError';
  }
}

/** 404 core `NOT_FOUND` "No valid version available": the agent has no active version (§2.7). */
export class NoActiveVersionError extends ApiResponseError {
  readonly agentId: string;

  constructor(agentId: string) {
    super(
      404,
      'HttpClientErrorException',
      coreErrorMessage(404, 'NOT_FOUND', 'No valid version available')
    );
    this.name = 'NoActiveVersionError';
    this.agentId = agentId;
  }
}

/** 500 `EngineConfigLookupException`: `instanceConfig.endpoint` is not the org's My Domain (§2.1). */
export class EngineConfigLookupError extends ApiResponseError {
  constructor() {
    super(
      500,
      'EngineConfigLookupException',
      'Unable to look up the engine configuration for the given instanceConfig.endpoint',
      { expected: false }
    );
    this.name = 'EngineConfigLookupError';
  }
}

/** 500 "Unsupported Media Type" for a POST without `Content-Type: application/json` (§2.0). */
export class UnsupportedMediaTypeError extends ApiResponseError {
  constructor() {
    // The docs give only the message; the `error` name is ours (§7.4 spirit: unverified body).
    super(500, 'HttpMediaTypeNotSupportedException', 'Unsupported Media Type', { expected: false });
    this.name = 'UnsupportedMediaTypeError';
  }
}

/** 404 `NotFoundException` "V6Session not found for sessionId: …" (§2.7, fixture F4). */
export class SessionNotFoundError extends ApiResponseError {
  readonly sessionId: string;

  constructor(sessionId: string) {
    super(404, 'NotFoundException', `V6Session not found for sessionId: ${sessionId}`);
    this.name = 'SessionNotFoundError';
    this.sessionId = sessionId;
  }
}

/** 423 while another request for the same session is in flight (§2.0, §2.7). Body unverified (§7.4). */
export class SessionLockedError extends ApiResponseError {
  readonly sessionId: string;

  constructor(sessionId: string) {
    super(
      423,
      'SessionAlreadyLockedException',
      `Session is locked by another request in progress for sessionId: ${sessionId}`
    );
    this.name = 'SessionLockedError';
    this.sessionId = sessionId;
  }
}

/** 404 for feedback on a `feedbackId` the session never issued. Unverified (§2.5, §7.4). */
export class FeedbackNotFoundError extends ApiResponseError {
  constructor(feedbackId: string) {
    super(404, 'NotFoundException', `Feedback not found for feedbackId: ${feedbackId}`);
    this.name = 'FeedbackNotFoundError';
  }
}

/** 400 with an empty body when too many sessions are live (single-project anecdote, §2.7, §5.5). */
export class SessionLimitError extends ApiResponseError {
  constructor() {
    super(400, 'BadRequest', 'Too many live sessions', { bodyless: true });
    this.name = 'SessionLimitError';
  }
}

/** 500 when a turn exceeds the 120 s server timeout (§2.0, §2.8). Body unverified. */
export class TurnTimeoutError extends ApiResponseError {
  constructor(timeoutMs: number) {
    super(500, 'TimeoutException', `Request timed out after ${timeoutMs / 1000} seconds`, {
      expected: false,
    });
    this.name = 'TurnTimeoutError';
  }
}

const FAULT_ERRORS: Record<number, { error: string; message: string }> = {
  429: { error: 'TooManyRequestsException', message: 'Too many requests' },
  500: {
    error: 'HttpServerErrorException',
    message: coreErrorMessage(
      500,
      'UNKNOWN_EXCEPTION',
      'An unexpected error occurred. Please include this ErrorId if you contact support: 0000000000-00000 (000000000)'
    ),
  },
  503: { error: 'ServiceUnavailableException', message: 'Service is unavailable' },
};

/** A status injected with `injectFault`; 429/503 bodies use the envelope shape (unverified, §7.4). */
export class InjectedFaultError extends ApiResponseError {
  constructor(status: 429 | 500 | 503, retryAfterSeconds?: number) {
    const known = FAULT_ERRORS[status] ?? { error: 'Error', message: 'Error' };
    super(status, known.error, known.message, {
      expected: status !== 500,
      ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
    });
    this.name = 'InjectedFaultError';
  }
}

/** The OAuth token endpoint's failure body `{ error, error_description }` (agent-api.md §3.3). */
export class OAuthError extends SimulatorError {
  readonly status: number;
  /** The body's `error` code, e.g. `invalid_client_id`. */
  readonly code: string;
  /** The body's `error_description`. */
  readonly description: string;
  readonly retryAfterSeconds?: number;

  constructor(status: number, code: string, description: string, retryAfterSeconds?: number) {
    super(`${code}: ${description}`);
    this.name = 'OAuthError';
    this.status = status;
    this.code = code;
    this.description = description;
    if (retryAfterSeconds !== undefined) this.retryAfterSeconds = retryAfterSeconds;
  }
}
