/**
 * Port for per-client conversation state. One record per (tenant, client email); the DynamoDB
 * adapter is the production implementation, the in-memory one serves benchmarks and unit tests.
 *
 * Invariants every adapter keeps:
 * - a record is addressed by its tenant (`owner`) and email together: every operation reads and
 *   writes only the caller's own tenant's records, so another tenant's email is indistinguishable
 *   from an unused one and cannot be squatted, read, renewed or ended;
 * - a tenant's roster lists the emails whose session counts against its cap: an email is added
 *   (`claimSessionSlot`, refused at the cap) before its session is started upstream and removed
 *   (`freeSessionSlot`) after it is cleared; members left behind by a crash, a lost write or TTL are
 *   dropped when the roster is full, so the cap cannot leak shut;
 * - at most one lease per record is live; a lease whose holder died expires by itself at `leaseExpiresAt`;
 * - `acquireLease` reserves `lastSequenceId + 1` atomically with the lease (stored as the new
 *   `lastSequenceId`) and hands it out as `Lease.sequenceId`, the floor of the turn's id; the
 *   holder sends `max(now, floor)` and stores the id it used with `release` (`lastSequenceId`), so
 *   `lastSequenceId` only grows while a session lives and ids of one session are strictly
 *   increasing whatever the concurrency (the lease serialises turns; a holder that died leaves at
 *   least the floor stored, and its successor's clock is past the dead lease's expiry);
 * - acquire and release are idempotent under retries and late answers: a retried acquire whose first
 *   try took the lease returns that lease; releasing a lease again returns the record; an acquire
 *   whose outcome was unknown is cleaned up, and a copy of it that lands later never takes the lease;
 * - no Salesforce token and no message text is ever stored.
 */
export interface SessionRecord {
  /** Normalised (trimmed, lower-cased) client email: part of the record's key. */
  readonly clientEmail: string;
  /** The tenant whose namespace holds this record (`tenantOf`): the other part of its key. */
  readonly owner: string;
  /** Epoch ms of the last successful `authenticate` (or implicit authentication). */
  readonly authenticatedAt?: number;
  /** Agent API session id, when a session is open. */
  readonly sessionId?: string;
  /** Agent the session was started with. */
  readonly agentId?: string;
  /** Epoch ms when the session was started. */
  readonly sessionStartedAt?: number;
  /**
   * Last sequence id used (or reserved) for `sessionId`: epoch ms of the turn or more (0 right after
   * the session starts).
   */
  readonly lastSequenceId: number;
  /** Epoch ms of the last completed turn. */
  readonly lastTurnAt?: number;
  /** Epoch ms of the last write. */
  readonly updatedAt: number;
  /** DynamoDB TTL attribute: epoch **seconds** after which the record may be deleted. */
  readonly expiresAt: number;
}

/** Proof of holding a record's lease; pass it back to `release`. */
export interface Lease {
  readonly clientEmail: string;
  readonly owner: string;
  readonly leaseId: string;
  /** The record as it is with this lease held (after the sequence id was taken). */
  readonly record: SessionRecord;
  /**
   * The floor of this turn's sequence id, reserved with the lease: the last id plus one
   * (`record.lastSequenceId`). The turn sends `max(now, sequenceId)`. Meaningless without a session.
   */
  readonly sequenceId: number;
}

export interface AcquireLeaseOptions {
  /** How long the lease lives if never released (the holder died): tool deadline plus a margin. */
  readonly leaseMs: number;
  /** How long to keep trying while another holder has the lease, before `LeaseBusyError`. */
  readonly waitMs: number;
  /** Aborts waiting (the tool call's deadline). */
  readonly signal?: AbortSignal;
}

/** How many live sessions a tenant may hold, and when a stored one no longer counts. */
export interface SessionSlotLimits {
  /** Most live sessions of one tenant (`MAX_SESSIONS_PER_TENANT`). */
  readonly maxSessions: number;
  /** A session idle longer than this has likely expired upstream; it stops counting once the cap is reached. */
  readonly idleMs: number;
}

export interface ReleaseOptions {
  /** Gives up waiting for DynamoDB's answer (the outcome is then unknown: `StoreUnavailableError`). */
  readonly signal?: AbortSignal;
}

/** What to write when giving a lease back. Omitted fields are left as they are. */
export interface ReleasePatch {
  /** A new session (resets `lastSequenceId` to `lastSequenceId` below or 0), or `null` to clear it. */
  readonly session?: {
    readonly sessionId: string;
    readonly agentId: string;
    readonly startedAt: number;
  } | null;
  /** Overrides the stored last sequence id: the id a turn actually sent (`max(now, floor)`). */
  readonly lastSequenceId?: number;
  /** Epoch ms of a completed turn. */
  readonly lastTurnAt?: number;
  /** Epoch ms of an implicit authentication done while holding the lease. */
  readonly authenticatedAt?: number;
}

/**
 * @example
 * const lease = await store.acquireLease(email, owner, { leaseMs: 50_000, waitMs: 20_000, signal });
 * try {
 *   const sequenceId = Math.max(Date.now(), lease.sequenceId);
 *   const reply = await agentforce.sendMessage({ sessionId: lease.record.sessionId!, sequenceId, ... });
 *   await store.release(lease, { lastTurnAt: Date.now(), lastSequenceId: sequenceId });
 * } catch (err) {
 *   await store.release(lease, {});
 *   throw err;
 * }
 */
export interface SessionStore {
  /** Reads a record (strongly consistent); `undefined` when this tenant never used the email. */
  get(clientEmail: string, owner: string): Promise<SessionRecord | undefined>;
  /** Creates the record if needed and stamps `authenticatedAt`. */
  recordAuthentication(clientEmail: string, owner: string, now: number): Promise<SessionRecord>;
  /**
   * Takes the record's lease (creating the record if needed) and reserves the next sequence id's
   * floor (`lastSequenceId + 1`) in one atomic write. Waits with jittered backoff while another holder has a live lease.
   * @throws LeaseBusyError when the lease cannot be had within `waitMs` (or `signal` aborts)
   */
  acquireLease(clientEmail: string, owner: string, options: AcquireLeaseOptions): Promise<Lease>;
  /**
   * Applies `patch` and gives the lease back in one conditional write. Releasing a lease that this
   * very release already gave back (a retry after a lost answer) returns the record as stored.
   * @throws LeaseLostError when the lease had expired and another holder took it (nothing is
   *   written, and never will be); its `current` is the record as it is
   * @throws StoreUnavailableError when the outcome is unknown: the write may still land, so retry it
   */
  release(lease: Lease, patch: ReleasePatch, options?: ReleaseOptions): Promise<SessionRecord>;
  /**
   * Counts the leased record's session against its tenant's cap; call it before starting the
   * session upstream. Idempotent: an email already counted passes. At the cap, members that no
   * longer hold a session (record gone, no session, or idle longer than `idleMs`, and no live
   * lease) are dropped first, in one more read and write.
   * @throws SessionLimitError when the tenant has `maxSessions` live sessions
   */
  claimSessionSlot(lease: Lease, limits: SessionSlotLimits): Promise<void>;
  /** Stops counting the record's session (ended, gone upstream, or never started). Idempotent. */
  freeSessionSlot(lease: Lease): Promise<void>;
}
