import type { AgentforceClient, AgentMessage, TokenProvider } from '../agentforce/index.js';
import { SessionNotFoundError } from '../agentforce/index.js';
import { logger } from '../logger.js';
import { OwnerMismatchError } from '../state/errors.js';
import type { Lease, ReleasePatch, SessionRecord, SessionStore } from '../state/session-store.js';
import { NoSessionError, SessionNotSavedError } from './errors.js';

/** Who is asking: the normalised client email and the inbound principal that owns it. */
export interface Caller {
  readonly clientEmail: string;
  readonly owner: string;
}

export interface ConversationDependencies {
  readonly store: SessionStore;
  readonly agentforce: Pick<AgentforceClient, 'startSession' | 'sendMessage' | 'endSession'>;
  readonly tokens: Pick<TokenProvider, 'getToken'>;
  readonly agentId: string;
  readonly bypassUser: boolean;
  /** A lease outlives the tool deadline a little, so a holder that died frees the record soon after. */
  readonly leaseMs: number;
  readonly leaseWaitMs: number;
  /** Idle time after which a stored session is reported as likely expired upstream. */
  readonly sessionIdleMs: number;
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
    signal: AbortSignal
  ): Promise<{ sessionId: string; greeting: readonly AgentMessage[]; endedSessionId?: string }> {
    return this.#withLease(caller, signal, async (lease) => {
      await this.#deps.tokens.getToken(signal);
      const previous = lease.record.sessionId;
      if (previous) await this.#endUpstream(previous, signal);
      const started = await this.#deps.agentforce.startSession({
        agentId: this.#deps.agentId,
        bypassUser: this.#deps.bypassUser,
        signal,
      });
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
  async sendMessage(caller: Caller, text: string, signal: AbortSignal): Promise<TurnOutcome> {
    return this.#withLease<TurnOutcome>(caller, signal, async (lease) => {
      const sessionId = lease.record.sessionId;
      if (!sessionId) throw new NoSessionError(caller.clientEmail);
      const turn = await this.#deps.agentforce.sendMessage({
        sessionId,
        sequenceId: lease.sequenceId,
        text,
        signal,
      });
      return {
        patch: { lastTurnAt: this.#now() },
        value: { sessionId, sequenceId: lease.sequenceId, messages: turn.messages },
      };
    });
  }

  /**
   * One call for the whole flow: authenticates if needed, starts a session when there is none or
   * the stored one expired upstream, and sends the message.
   */
  async converse(caller: Caller, text: string, signal: AbortSignal): Promise<TurnOutcome> {
    return this.#withLease<TurnOutcome>(caller, signal, async (lease) => {
      await this.#deps.tokens.getToken(signal);
      const authenticatedAt = lease.record.authenticatedAt ?? this.#now();
      const existing = lease.record.sessionId;
      if (existing) {
        try {
          const turn = await this.#deps.agentforce.sendMessage({
            sessionId: existing,
            sequenceId: lease.sequenceId,
            text,
            signal,
          });
          return {
            patch: { lastTurnAt: this.#now(), authenticatedAt },
            value: { sessionId: existing, sequenceId: lease.sequenceId, messages: turn.messages },
          };
        } catch (err) {
          if (!(err instanceof SessionNotFoundError)) throw err;
          logger.info('stored session expired upstream; starting a new one');
        }
      }
      const started = await this.#deps.agentforce.startSession({
        agentId: this.#deps.agentId,
        bypassUser: this.#deps.bypassUser,
        signal,
      });
      const startedAt = this.#now();
      const session = { sessionId: started.sessionId, agentId: this.#deps.agentId, startedAt };
      const firstSequenceId = 1;
      try {
        const turn = await this.#deps.agentforce.sendMessage({
          sessionId: started.sessionId,
          sequenceId: firstSequenceId,
          text,
          signal,
        });
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
        };
      } catch (err) {
        // Keep the new session even though its first turn failed: the caller can retry on it.
        throw new TurnFailedAfterSessionStart(err, session, firstSequenceId);
      }
    });
  }

  /** Reads the client's state without calling Salesforce. */
  async status(caller: Caller): Promise<SessionStatus> {
    const record = await this.#deps.store.get(caller.clientEmail);
    if (record && record.owner !== caller.owner) throw new OwnerMismatchError(caller.clientEmail);
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

  async #endUpstream(sessionId: string, signal: AbortSignal): Promise<void> {
    try {
      await this.#deps.agentforce.endSession({ sessionId, reason: 'UserRequest', signal });
    } catch (err) {
      // Already gone upstream is the outcome we wanted.
      if (err instanceof SessionNotFoundError) return;
      throw err;
    }
  }

  async #withLease<T>(
    caller: Caller,
    signal: AbortSignal,
    work: (lease: Lease) => Promise<{ patch: ReleasePatch; value: T }>
  ): Promise<T> {
    const lease = await this.#deps.store.acquireLease(caller.clientEmail, caller.owner, {
      leaseMs: this.#deps.leaseMs,
      waitMs: this.#deps.leaseWaitMs,
      signal,
    });
    let outcome: { patch: ReleasePatch; value: T };
    try {
      outcome = await work(lease);
    } catch (err) {
      await this.#release(lease, patchAfterFailure(err)).catch(() => undefined);
      throw err instanceof TurnFailedAfterSessionStart ? err.cause : err;
    }
    try {
      await this.#release(lease, outcome.patch);
    } catch (err) {
      // A session the table does not know would leak upstream and split the conversation:
      // end it, and report the failure so the caller retries on a clean state.
      const started = outcome.patch.session;
      if (started) {
        await this.#endUpstream(
          started.sessionId,
          AbortSignal.timeout(END_ORPHAN_TIMEOUT_MS)
        ).catch(() => logger.warn('could not end a session the store failed to record'));
        throw new SessionNotSavedError(caller.clientEmail, { cause: err });
      }
      // Otherwise the turn itself is complete; the lease expires by itself if it is still held.
    }
    return outcome.value;
  }

  async #release(lease: Lease, patch: ReleasePatch): Promise<void> {
    try {
      await this.#deps.store.release(lease, patch);
    } catch (err) {
      logger.warn('could not release the session lease', { error: (err as Error).name });
      throw err;
    }
  }
}

/** Time allowed to end a session whose record could not be written (outside the tool deadline's budget). */
const END_ORPHAN_TIMEOUT_MS = 3_000;

/** Carries what must still be saved when a new session's first turn fails. */
class TurnFailedAfterSessionStart extends Error {
  readonly session: { sessionId: string; agentId: string; startedAt: number };
  readonly sequenceId: number;

  constructor(
    cause: unknown,
    session: { sessionId: string; agentId: string; startedAt: number },
    sequenceId: number
  ) {
    super('The first turn of a new session failed', { cause });
    this.name = 'TurnFailedAfterSessionStart';
    this.session = session;
    this.sequenceId = sequenceId;
  }
}

function patchAfterFailure(err: unknown): ReleasePatch {
  if (err instanceof TurnFailedAfterSessionStart) {
    return err.cause instanceof SessionNotFoundError
      ? { session: null }
      : { session: err.session, lastSequenceId: err.sequenceId };
  }
  // The stored session is gone upstream: forget it so the next call does not trip on it again.
  if (err instanceof SessionNotFoundError) return { session: null };
  return {};
}
