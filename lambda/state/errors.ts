import type { SessionRecord } from './session-store.js';

/** Base class of every error a `SessionStore` throws on purpose. */
export class StateError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StateError';
  }
}

/**
 * Another request holds the record's lease and did not give it back within `waitMs`, or the
 * caller's signal aborted while waiting.
 */
export class LeaseBusyError extends StateError {
  /** The email whose lease could not be had. */
  readonly clientEmail: string;
  /** How long the store kept trying, in ms. */
  readonly waitedMs: number;

  constructor(clientEmail: string, waitedMs: number, options?: ErrorOptions) {
    super('Another request for this client is still in progress; try again shortly.', options);
    this.name = 'LeaseBusyError';
    this.clientEmail = clientEmail;
    this.waitedMs = waitedMs;
  }
}

/**
 * The tenant already has `limit` live sessions, the most it may hold, so no new one was started.
 * Only sessions of the caller's own tenant count: no other tenant can exhaust it.
 */
export class SessionLimitError extends StateError {
  /** The email that asked for a new session. */
  readonly clientEmail: string;
  /** The cap that was reached (`MAX_SESSIONS_PER_TENANT`). */
  readonly limit: number;

  constructor(clientEmail: string, limit: number, options?: ErrorOptions) {
    super(`This caller already has ${limit} live agent sessions, the most allowed.`, options);
    this.name = 'SessionLimitError';
    this.clientEmail = clientEmail;
    this.limit = limit;
  }
}

/**
 * The lease is no longer this caller's and this release never applied (it cannot apply later
 * either: lease ids are never reused), so it wrote nothing.
 */
export class LeaseLostError extends StateError {
  /** The email whose lease was lost. */
  readonly clientEmail: string;
  /** The lease that is no longer held. */
  readonly leaseId: string;
  /** The record as the failed write found it, when there was one: what is stored now. */
  readonly current?: SessionRecord;

  constructor(
    clientEmail: string,
    leaseId: string,
    options: ErrorOptions & { current?: SessionRecord } = {}
  ) {
    super('The session lease expired and was taken over by another request.', options);
    this.name = 'LeaseLostError';
    this.clientEmail = clientEmail;
    this.leaseId = leaseId;
    if (options.current !== undefined) this.current = options.current;
  }
}

/** Store operations, named in `StoreUnavailableError` so logs say what failed. */
export type StoreOperation =
  | 'get'
  | 'recordAuthentication'
  | 'acquireLease'
  | 'release'
  | 'claimSessionSlot'
  | 'freeSessionSlot';

/**
 * The backing store is unreachable, throttled beyond the SDK's own retries, or failed in an
 * unexpected way. The message is safe to show; the original error is the `cause`.
 */
export class StoreUnavailableError extends StateError {
  /** The store operation that failed. */
  readonly operation: StoreOperation;

  constructor(operation: StoreOperation, options?: ErrorOptions) {
    super('Session state storage is temporarily unavailable; try again shortly.', options);
    this.name = 'StoreUnavailableError';
    this.operation = operation;
  }
}
