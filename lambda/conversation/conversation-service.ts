import { setTimeout as sleep } from 'node:timers/promises';
import type {
  AgentforceClient,
  AgentMessage,
  AgentTurn,
  AgentVariable,
  SendMessageInput,
  StreamEvent,
  TokenProvider,
} from '../agentforce/index.js';
import { SessionNotFoundError } from '../agentforce/index.js';
import { logger } from '../logger.js';
import { SETTLE_GRACE_MS } from '../shared/deadline.js';
import { LeaseLostError, StoreUnavailableError } from '../state/errors.js';
import type { Lease, ReleasePatch, SessionRecord, SessionStore } from '../state/session-store.js';
import { type CallVariables, NO_VARIABLES } from './context-variables.js';
import {
  NoSessionError,
  SessionNotSavedError,
  SessionSaveUncertainError,
  TurnNotSentError,
} from './errors.js';

/** A session start may answer this long past the deadline and still be recorded (inside the grace). */
const START_GRACE_MS = 1_000;
/** Longest a call keeps retrying a release whose outcome is unknown, however early the work ended. */
const SETTLE_MAX_MS = 10_000;
const SETTLE_BACKOFF_MS = 100;

/** Who is asking: the normalised client email and the caller's tenant (`tenantOf`), its namespace. */
export interface Caller {
  readonly clientEmail: string;
  readonly owner: string;
}

export interface ConversationDependencies {
  readonly store: SessionStore;
  readonly agentforce: Pick<
    AgentforceClient,
    'startSession' | 'sendMessage' | 'streamMessage' | 'endSession' | 'submitFeedback'
  >;
  readonly tokens: Pick<TokenProvider, 'getToken'>;
  readonly agentId: string;
  readonly bypassUser: boolean;
  /** Start sessions with `x-attributed-client: no-builder` (replies without markdown). */
  readonly plainText?: boolean;
  /** A lease outlives the tool deadline a little, so a holder that died frees the record soon after. */
  readonly leaseMs: number;
  readonly leaseWaitMs: number;
  /** Idle time after which a stored session is reported as likely expired upstream. */
  readonly sessionIdleMs: number;
  /** Most live sessions one tenant may hold (`MAX_SESSIONS_PER_TENANT`); 0 means no cap. */
  readonly maxSessionsPerTenant: number;
  readonly now?: () => number;
}

export interface SessionStatus {
  readonly record?: SessionRecord;
  readonly likelyExpired: boolean;
}

export interface TurnOutcome {
  readonly sessionId: string;
  readonly sequenceId: number;
  readonly messages: readonly AgentMessage[];
  /** Set when this call started the session (complete-agentforce-conversation). */
  readonly newSession?: {
    readonly greeting: readonly AgentMessage[];
    readonly replacedExpired: boolean;
  };
}

/**
 * Hears a turn's progress as the agent produces it. Given one, a turn goes over the Agent API's
 * streaming endpoint; the outcome is still built from the turn's final messages, as without it.
 */
export type TurnListener = (event: StreamEvent) => void;

/**
 * The conversation use cases behind the MCP tools: (tool) --> ConversationService --> store + Agent API.
 *
 * Every write to a client's state happens under the record's lease, which serialises turns of one
 * session (Salesforce answers 423 to overlapping turns) and carries the next sequence id.
 *
 * @example
 * const service = new ConversationService({ store, agentforce, tokens, agentId, bypassUser: true,
 *   leaseMs: 50_000, leaseWaitMs: 20_000, sessionIdleMs: 600_000 });
 * const turn = await service.converse({ clientEmail, owner }, 'Where is my order?', signal);
 */
export class ConversationService {
  readonly #deps: ConversationDependencies;
  readonly #now: () => number;
  /** Leases under which a session slot was claimed, so a start that came to nothing frees it. */
  readonly #claimed = new WeakSet<Lease>();

  constructor(deps: ConversationDependencies) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  /** Obtains (or reuses) the Salesforce token and records the client as authenticated. */
  async authenticate(caller: Caller, signal: AbortSignal): Promise<SessionRecord> {
    await this.#deps.tokens.getToken(signal);
    return this.#deps.store.recordAuthentication(caller.clientEmail, caller.owner, this.#now());
  }

  /** Starts a new session, ending the client's previous one upstream first so none leaks. */
  async createSession(
    caller: Caller,
    signal: AbortSignal,
    variables: CallVariables = NO_VARIABLES
  ): Promise<{ sessionId: string; greeting: readonly AgentMessage[]; endedSessionId?: string }> {
    return this.#withLease(caller, signal, async (lease) => {
      await this.#deps.tokens.getToken(signal);
      const previous = lease.record.sessionId;
      if (previous) await this.#endUpstream(previous, signal);
      // The previous session is gone upstream: if no new one takes its place, forget it.
      const started = await this.#start(
        lease,
        signal,
        previous ? { session: null } : {},
        variables
      );
      const now = this.#now();
      return {
        patch: {
          session: { sessionId: started.sessionId, agentId: this.#deps.agentId, startedAt: now },
          lastSequenceId: 0,
          authenticatedAt: now,
        },
        value: {
          sessionId: started.sessionId,
          greeting: started.messages,
          ...(previous ? { endedSessionId: previous } : {}),
        },
      };
    });
  }

  /** Sends the next turn of the client's open session. */
  async sendMessage(
    caller: Caller,
    text: string,
    signal: AbortSignal,
    variables: CallVariables = NO_VARIABLES,
    listener?: TurnListener
  ): Promise<TurnOutcome> {
    return this.#withLease<TurnOutcome>(caller, signal, async (lease) => {
      const sessionId = lease.record.sessionId;
      if (!sessionId) throw new NoSessionError(caller.clientEmail);
      const sequenceId = nextSequenceId(lease.sequenceId, this.#now());
      const turn = await this.#send(
        { sessionId, sequenceId, text, ...sent(variables.message), signal },
        listener
      );
      return {
        patch: { lastTurnAt: this.#now(), lastSequenceId: sequenceId },
        value: { sessionId, sequenceId, messages: turn.messages },
        answered: true,
      };
    });
  }

  /**
   * One call for the whole flow: authenticates if needed, starts a session when there is none or
   * the stored one expired upstream, and sends the message.
   */
  async converse(
    caller: Caller,
    text: string,
    signal: AbortSignal,
    variables: CallVariables = NO_VARIABLES,
    listener?: TurnListener
  ): Promise<TurnOutcome> {
    return this.#withLease<TurnOutcome>(caller, signal, async (lease) => {
      await this.#deps.tokens.getToken(signal);
      const authenticatedAt = lease.record.authenticatedAt ?? this.#now();
      const existing = lease.record.sessionId;
      if (existing) {
        try {
          const sequenceId = nextSequenceId(lease.sequenceId, this.#now());
          const turn = await this.#send(
            { sessionId: existing, sequenceId, text, ...sent(variables.message), signal },
            listener
          );
          return {
            patch: { lastTurnAt: this.#now(), lastSequenceId: sequenceId, authenticatedAt },
            value: { sessionId: existing, sequenceId, messages: turn.messages },
            answered: true,
          };
        } catch (err) {
          if (!(err instanceof SessionNotFoundError)) throw err;
          logger.info('stored session expired upstream; starting a new one');
        }
      }
      // A stored session that expired upstream is forgotten if no new one takes its place.
      // A new session gets the variables at start (where context variables are set), not again.
      const started = await this.#start(
        lease,
        signal,
        existing ? { session: null } : {},
        variables
      );
      const startedAt = this.#now();
      const session = { sessionId: started.sessionId, agentId: this.#deps.agentId, startedAt };
      const firstSequenceId = nextSequenceId(1, startedAt);
      if (signal.aborted) {
        // The start answered inside its grace, after the deadline: keep the session, send nothing.
        throw new FailedWithPatch(new TurnNotSentError(caller.clientEmail), {
          session,
          lastSequenceId: 0,
        });
      }
      try {
        const turn = await this.#deliver(
          { sessionId: started.sessionId, sequenceId: firstSequenceId, text, signal },
          listener
        );
        return {
          patch: {
            session,
            lastSequenceId: firstSequenceId,
            lastTurnAt: this.#now(),
            authenticatedAt,
          },
          value: {
            sessionId: started.sessionId,
            sequenceId: firstSequenceId,
            messages: turn.messages,
            newSession: { greeting: started.messages, replacedExpired: existing !== undefined },
          },
          answered: true,
        };
      } catch (err) {
        // Keep the new session even though its first turn failed: the caller can retry on it.
        throw new FailedWithPatch(
          err,
          err instanceof SessionNotFoundError
            ? { session: null }
            : { session, lastSequenceId: firstSequenceId }
        );
      }
    });
  }

  /** Reads the client's state without calling Salesforce. */
  async status(caller: Caller): Promise<SessionStatus> {
    const record = await this.#deps.store.get(caller.clientEmail, caller.owner);
    const now = this.#now();
    const lastActivity = record?.lastTurnAt ?? record?.sessionStartedAt;
    return {
      ...(record ? { record } : {}),
      likelyExpired:
        record?.sessionId !== undefined &&
        lastActivity !== undefined &&
        now - lastActivity > this.#deps.sessionIdleMs,
    };
  }

  /**
   * Rates one answer of the client's stored session. Read without a lease: feedback carries no
   * sequence id and changes nothing stored, so it need not wait for (or block) a running turn;
   * Salesforce's own 423 covers a turn in flight on the same session.
   */
  async submitFeedback(
    caller: Caller,
    feedback: { feedbackId: string; rating: 'GOOD' | 'BAD'; text?: string },
    signal: AbortSignal
  ): Promise<{ sessionId: string }> {
    const { record } = await this.status(caller);
    const sessionId = record?.sessionId;
    if (!sessionId) throw new NoSessionError(caller.clientEmail);
    await this.#deps.agentforce.submitFeedback({
      sessionId,
      feedbackId: feedback.feedbackId,
      feedback: feedback.rating,
      ...(feedback.text !== undefined ? { text: feedback.text } : {}),
      signal,
    });
    return { sessionId };
  }

  /** Ends the client's session upstream (if any) and clears it. */
  async endSession(caller: Caller, signal: AbortSignal): Promise<{ endedSessionId?: string }> {
    return this.#withLease(caller, signal, async (lease) => {
      const sessionId = lease.record.sessionId;
      if (sessionId) await this.#endUpstream(sessionId, signal);
      return {
        patch: { session: null },
        value: sessionId ? { endedSessionId: sessionId } : {},
      };
    });
  }

  /**
   * Sends one turn. A failure other than "session gone" may still have reached the agent, so the
   * id is recorded as used either way: ids may skip, never repeat.
   */
  async #send(input: SendMessageInput, listener: TurnListener | undefined) {
    try {
      return await this.#deliver(input, listener);
    } catch (err) {
      throw err instanceof SessionNotFoundError
        ? err
        : new FailedWithPatch(err, { lastSequenceId: input.sequenceId });
    }
  }

  /**
   * The one place a turn goes upstream: streamed when someone listens, else synchronous. Both
   * answer the same `AgentTurn`, from the final messages (never from the chunks alone).
   */
  #deliver(input: SendMessageInput, listener: TurnListener | undefined): Promise<AgentTurn> {
    return listener
      ? this.#deps.agentforce.streamMessage({ ...input, onEvent: listener })
      : this.#deps.agentforce.sendMessage(input);
  }

  async #endUpstream(sessionId: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#deps.agentforce.endSession({ sessionId, reason: 'UserRequest', signal });
    } catch (err) {
      // Already gone upstream is the outcome we wanted.
      if (err instanceof SessionNotFoundError) return;
      throw err;
    }
  }

  /**
   * Starts a session with a signal that outlives the tool deadline by `START_GRACE_MS`: a start is
   * the one call whose late answer cannot be repaired (an unknown session id cannot be ended), so
   * it gets the grace rather than be abandoned at the deadline. The session is first counted
   * against the tenant's cap (`SessionLimitError` at the cap, before anything is started).
   * `onFailure` is what to record if no session comes of it.
   */
  async #start(
    lease: Lease,
    signal: AbortSignal,
    onFailure: ReleasePatch,
    variables: CallVariables
  ) {
    try {
      // 0: no cap, so nothing to count (and no roster write).
      if (this.#deps.maxSessionsPerTenant > 0) {
        await this.#deps.store.claimSessionSlot(lease, {
          maxSessions: this.#deps.maxSessionsPerTenant,
          idleMs: this.#deps.sessionIdleMs,
        });
        this.#claimed.add(lease);
      }
      return await this.#deps.agentforce.startSession({
        agentId: this.#deps.agentId,
        bypassUser: this.#deps.bypassUser,
        plainText: this.#deps.plainText ?? false,
        ...sent(variables.start),
        // Past the deadline already: start nothing (the client fails at once on an aborted signal).
        signal: signal.aborted ? signal : afterAbort(signal, START_GRACE_MS),
      });
    } catch (err) {
      throw onFailure.session === undefined ? err : new FailedWithPatch(err, onFailure);
    }
  }

  async #withLease<T>(
    caller: Caller,
    signal: AbortSignal,
    work: (lease: Lease) => Promise<Outcome<T>>
  ): Promise<T> {
    const lease = await this.#deps.store.acquireLease(caller.clientEmail, caller.owner, {
      leaseMs: this.#deps.leaseMs,
      waitMs: this.#deps.leaseWaitMs,
      signal,
    });
    let outcome: Outcome<T>;
    try {
      outcome = await work(lease);
    } catch (err) {
      const patch = patchAfterFailure(err);
      const settled = await this.#settle(lease, patch, signal);
      await this.#freeSlotIfCleared(lease, patch, settled);
      if (patch.session) await this.#keepIfStored(patch.session.sessionId, settled);
      throw err instanceof FailedWithPatch ? err.cause : err;
    }
    const settled = await this.#settle(lease, outcome.patch, signal);
    await this.#freeSlotIfCleared(lease, outcome.patch, settled);
    const started = outcome.patch.session;
    if (!started || settled.kind === 'saved') return outcome.value;
    const kept = await this.#keepIfStored(started.sessionId, settled);
    // A turn that reached the agent is answered whatever the store did: a retry would have the
    // agent process it twice. A bare start says what became of the session.
    if (outcome.answered) return outcome.value;
    if (settled.kind === 'unknown') {
      throw new SessionSaveUncertainError(caller.clientEmail, { cause: settled.error });
    }
    if (!kept) throw new SessionNotSavedError(caller.clientEmail, { cause: settled.error });
    return outcome.value;
  }

  /**
   * Stops counting a session against the tenant's cap once the record certainly holds none: it was
   * cleared, or a start this call counted came to nothing. Best effort: a member left behind is
   * dropped when the roster is full (the record shows no session).
   */
  async #freeSlotIfCleared(lease: Lease, patch: ReleasePatch, settled: Settled): Promise<void> {
    if (settled.kind !== 'saved' || this.#deps.maxSessionsPerTenant === 0) return;
    const counted = this.#claimed.has(lease) || lease.record.sessionId !== undefined;
    const cleared =
      patch.session === null || (patch.session === undefined && !lease.record.sessionId);
    if (!counted || !cleared) return;
    await this.#deps.store
      .freeSessionSlot(lease)
      .catch(() => logger.warn('could not free a session slot; it is reclaimed at the cap'));
  }

  /**
   * Decides the fate of a session this call started and tried to store: kept when it is stored,
   * or may be (the write's outcome is unknown, so it may still land: never end the stored one);
   * ended when it is certainly not stored (the lease is gone, so the write never will apply), so
   * it does not leak. Returns whether it was kept.
   */
  async #keepIfStored(sessionId: string, settled: Settled): Promise<boolean> {
    if (settled.kind === 'saved') return true;
    if (settled.kind === 'unknown') {
      logger.warn('a new session may not have been recorded', { error: settled.error.name });
      return true;
    }
    if (settled.current?.sessionId === sessionId) return true;
    await this.#endUpstream(sessionId, AbortSignal.timeout(END_ORPHAN_TIMEOUT_MS)).catch(() =>
      logger.warn('could not end a session the store failed to record')
    );
    return false;
  }

  /**
   * Releases the lease with `patch` and finds out whether it applied. A release whose answer was
   * lost is retried (it is idempotent) until its outcome is known or the settle budget ends: the
   * tool deadline plus `SETTLE_GRACE_MS`, at most `SETTLE_MAX_MS`.
   */
  async #settle(lease: Lease, patch: ReleasePatch, signal: AbortSignal): Promise<Settled> {
    const budget = AbortSignal.any([
      afterAbort(signal, SETTLE_GRACE_MS),
      AbortSignal.timeout(SETTLE_MAX_MS),
    ]);
    for (;;) {
      try {
        await this.#deps.store.release(lease, patch, { signal: budget });
        return { kind: 'saved' };
      } catch (err) {
        if (err instanceof LeaseLostError) {
          logger.warn('the session lease was lost before its release');
          return { kind: 'lost', error: err, ...(err.current && { current: err.current }) };
        }
        const unknown =
          err instanceof StoreUnavailableError
            ? err
            : new StoreUnavailableError('release', { cause: err });
        if (budget.aborted) {
          logger.warn('could not release the session lease', { error: unknown.name });
          return { kind: 'unknown', error: unknown };
        }
        await sleep(SETTLE_BACKOFF_MS, undefined, { signal: budget }).catch(() => undefined);
      }
    }
  }
}

/** What a release came to. */
type Settled =
  | { readonly kind: 'saved' }
  | { readonly kind: 'lost'; readonly error: LeaseLostError; readonly current?: SessionRecord }
  | { readonly kind: 'unknown'; readonly error: StoreUnavailableError };

/** What a use case's work under the lease came to. */
interface Outcome<T> {
  /** Written with the release. */
  readonly patch: ReleasePatch;
  readonly value: T;
  /** The agent processed a message and `value` holds its answer: delivered whatever the store did. */
  readonly answered?: boolean;
}

/**
 * A turn's sequence id: `max(now, floor)`, where `floor` is the last id used plus one (reserved
 * with the lease). At least the clock, as every Salesforce-written client sends (`Date.now()`), so
 * ids keep increasing when our record of a session that still lives upstream is lost or rewritten
 * lower; and above the last id, so they keep increasing when the clock steps back.
 */
export function nextSequenceId(floor: number, now: number): number {
  return Math.max(Math.trunc(now), floor);
}

/** A signal that aborts `graceMs` after `signal` does (with its reason). */
function afterAbort(signal: AbortSignal, graceMs: number): AbortSignal {
  const controller = new AbortController();
  const fire = () => {
    setTimeout(() => controller.abort(signal.reason), graceMs).unref();
  };
  if (signal.aborted) fire();
  else signal.addEventListener('abort', fire, { once: true });
  return controller.signal;
}

/** The `variables` field of a request, omitted when there are none (the wire stays as before). */
function sent(variables: readonly AgentVariable[]): { variables?: readonly AgentVariable[] } {
  return variables.length > 0 ? { variables } : {};
}

/** Time allowed to end a session whose record could not be written (outside the tool deadline's budget). */
const END_ORPHAN_TIMEOUT_MS = 3_000;

/** A failure after which the record must still change (a session started or gone upstream). */
class FailedWithPatch extends Error {
  readonly patch: ReleasePatch;

  constructor(cause: unknown, patch: ReleasePatch) {
    super('A step failed after the upstream state changed', { cause });
    this.name = 'FailedWithPatch';
    this.patch = patch;
  }
}

function patchAfterFailure(err: unknown): ReleasePatch {
  if (err instanceof FailedWithPatch) return err.patch;
  // The stored session is gone upstream: forget it so the next call does not trip on it again.
  if (err instanceof SessionNotFoundError) return { session: null };
  return {};
}
