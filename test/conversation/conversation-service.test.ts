import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  AgentforceClient,
  AgentSessionLockedError,
  type StreamEvent,
  staticCredentials,
  TokenProvider,
  turnText,
} from '../../lambda/agentforce/index.js';
import {
  type Caller,
  ConversationService,
} from '../../lambda/conversation/conversation-service.js';
import {
  NoSessionError,
  SessionNotSavedError,
  SessionSaveUncertainError,
} from '../../lambda/conversation/errors.js';
import {
  LeaseBusyError,
  LeaseLostError,
  SessionLimitError,
  StoreUnavailableError,
} from '../../lambda/state/errors.js';
import { MemorySessionStore } from '../../lambda/state/memory-session-store.js';
import type { Lease, ReleasePatch, SessionStore } from '../../lambda/state/session-store.js';
import { type Simulator, startSimulator } from '../../simulator/index.js';
import { caught } from '../agentforce/helpers.js';

/**
 * The use cases on their own: the in-memory store (the contract suite pins it to the DynamoDB
 * adapter) and the real Agent API client against the simulator. Tool wording and the HTTP edge are
 * tested elsewhere; here only what the service promises.
 */

const OWNER = 'client-a';
const IDLE_MS = 600_000;

let sim: Simulator;
let store: MemorySessionStore;
/** Added to the real clock, so a test can jump ahead in time. */
let skew = 0;
const now = () => Date.now() + skew;
let service: ConversationService;
let emailCounter = 0;

const email = () => `user-${++emailCounter}@example.com`;
const signal = () => AbortSignal.timeout(10_000);

/**
 * What the next releases come to: `answer-lost` applies the write and then fails as a timed-out
 * request does; `unknown` fails without applying (the store cannot tell the two apart); `lost`
 * finds another holder's lease.
 */
type ReleaseFault = 'answer-lost' | 'unknown' | 'lost';

/** The in-memory store with scripted release faults (a fault list left empty releases normally). */
class FaultyStore implements SessionStore {
  readonly faults: ReleaseFault[] = [];
  /** `unknown` for every release, however many. */
  alwaysUnknown = false;
  releases = 0;

  constructor(private readonly inner: MemorySessionStore) {}

  get(clientEmail: string, owner: string) {
    return this.inner.get(clientEmail, owner);
  }
  claimSessionSlot(...args: Parameters<SessionStore['claimSessionSlot']>) {
    return this.inner.claimSessionSlot(...args);
  }
  freeSessionSlot(lease: Lease) {
    return this.inner.freeSessionSlot(lease);
  }
  recordAuthentication(clientEmail: string, owner: string, at: number) {
    return this.inner.recordAuthentication(clientEmail, owner, at);
  }
  acquireLease(...args: Parameters<SessionStore['acquireLease']>) {
    return this.inner.acquireLease(...args);
  }
  async release(lease: Lease, patch: ReleasePatch) {
    this.releases++;
    const fault = this.alwaysUnknown ? 'unknown' : this.faults.shift();
    if (fault === 'answer-lost') await this.inner.release(lease, patch);
    if (fault === 'answer-lost' || fault === 'unknown') throw new StoreUnavailableError('release');
    if (fault === 'lost') {
      const current = await this.inner.get(lease.clientEmail, lease.owner);
      throw new LeaseLostError(lease.clientEmail, lease.leaseId, current ? { current } : {});
    }
    return this.inner.release(lease, patch);
  }
}

function createService(
  overrides: { leaseWaitMs?: number; store?: SessionStore; maxSessions?: number } = {}
): ConversationService {
  const tokens = new TokenProvider({
    myDomainUrl: sim.url,
    credentials: staticCredentials(sim.credentials),
  });
  const agentforce = new AgentforceClient({ tokens, myDomainUrl: sim.url, apiUrl: sim.url });
  return new ConversationService({
    store: overrides.store ?? store,
    agentforce,
    tokens,
    agentId: sim.agentId,
    bypassUser: true,
    leaseMs: 15_000,
    leaseWaitMs: overrides.leaseWaitMs ?? 5_000,
    sessionIdleMs: IDLE_MS,
    maxSessionsPerTenant: overrides.maxSessions ?? 100,
    now,
  });
}

beforeAll(async () => {
  sim = await startSimulator({ sequenceIdMode: 'strict' });
});
afterAll(() => sim.close());
beforeEach(() => {
  skew = 0;
  store = new MemorySessionStore({ now });
  service = createService();
});

describe('Class: ConversationService', () => {
  describe('Method: authenticate', () => {
    it('records the client as authenticated with no session', async () => {
      const clientEmail = email();
      const record = await service.authenticate({ clientEmail, owner: OWNER }, signal());
      expect(record).toMatchObject({ clientEmail, owner: OWNER });
      expect(record.authenticatedAt).toBeCloseTo(now(), -3);
      expect(record.sessionId).toBeUndefined();
    });
  });

  describe('Method: createSession', () => {
    it('starts a session, stores it and returns the greeting', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      const created = await service.createSession(caller, signal());
      expect(created.greeting.length).toBeGreaterThan(0);
      expect(created.endedSessionId).toBeUndefined();
      const { record } = await service.status(caller);
      expect(record).toMatchObject({ sessionId: created.sessionId, lastSequenceId: 0 });
    });

    it('ends the previous session upstream before starting the next', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      const first = await service.createSession(caller, signal());
      const endedBefore = sim.counters.sessionsEnded;
      const second = await service.createSession(caller, signal());
      expect(second.endedSessionId).toBe(first.sessionId);
      expect(sim.counters.sessionsEnded).toBe(endedBefore + 1);
    });
  });

  describe('Method: sendMessage', () => {
    it('throws NoSessionError without calling the agent when no session is open', async () => {
      const before = sim.counters.messagesReceived;
      const error = await caught(() =>
        service.sendMessage({ clientEmail: email(), owner: OWNER }, 'Hi', signal())
      );
      expect(error).toBeInstanceOf(NoSessionError);
      expect(sim.counters.messagesReceived).toBe(before);
    });

    it('sends increasing sequence ids that the strict simulator accepts', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      const { sessionId } = await service.createSession(caller, signal());
      const first = await service.sendMessage(caller, 'One', signal());
      const second = await service.sendMessage(caller, 'Two', signal());
      expect(second.sequenceId).toBeGreaterThan(first.sequenceId);
      expect(sim.counters.sequenceIds.get(sessionId)).toEqual([
        first.sequenceId,
        second.sequenceId,
      ]);
      expect(second.messages.length).toBeGreaterThan(0);
    });

    it("sends max(now, last + 1) as sequence ids, as Salesforce's own clients send Date.now()", async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      await service.createSession(caller, signal());
      const startedAt = now();
      const first = await service.sendMessage(caller, 'One', signal());
      const second = await service.sendMessage(caller, 'Two', signal());
      expect(first.sequenceId).toBeGreaterThanOrEqual(startedAt);
      expect(second.sequenceId).toBeGreaterThan(first.sequenceId);
      expect((await store.get(caller.clientEmail, OWNER))?.lastSequenceId).toBe(second.sequenceId);
    });

    it('keeps ids increasing when the clock falls behind the last id sent', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      const { sessionId } = await service.createSession(caller, signal());
      const first = await service.sendMessage(caller, 'One', signal());
      skew = -60_000;
      const second = await service.sendMessage(caller, 'Two', signal());
      expect(second.sequenceId).toBe(first.sequenceId + 1);
      expect(sim.counters.sequenceIds.get(sessionId)).toEqual([
        first.sequenceId,
        second.sequenceId,
      ]);
    });

    it('forgets a session that expired upstream so the next converse starts a new one', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      const { sessionId } = await service.createSession(caller, signal());
      sim.expireSession(sessionId);
      await expect(service.sendMessage(caller, 'Hi', signal())).rejects.toMatchObject({
        name: 'SessionNotFoundError',
      });
      expect((await service.status(caller)).record?.sessionId).toBeUndefined();
    });

    it('serialises concurrent turns of one client, so the agent never answers 423', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      const { sessionId } = await service.createSession(caller, signal());
      const turns = await Promise.all(
        Array.from({ length: 8 }, (_, i) => service.sendMessage(caller, `Turn ${i}`, signal()))
      );
      const ids = turns.map((turn) => turn.sequenceId).sort((a, b) => a - b);
      expect(new Set(ids).size).toBe(8);
      expect(sim.counters.refusedBusy).toBe(0);
      expect(sim.counters.sequenceIds.get(sessionId)).toHaveLength(8);
    });

    it('throws LeaseBusyError, not the agent 423, when another turn holds the lease too long', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      await service.createSession(caller, signal());
      sim.configure({ latencyMs: 600 });
      const impatient = createService({ leaseWaitMs: 100 });
      try {
        const slow = service.sendMessage(caller, 'Slow', signal());
        await new Promise((resolve) => setTimeout(resolve, 50));
        const error = await caught(() => impatient.sendMessage(caller, 'Fast', signal()));
        expect(error).toBeInstanceOf(LeaseBusyError);
        expect(error).not.toBeInstanceOf(AgentSessionLockedError);
        await slow;
      } finally {
        sim.configure({ latencyMs: 0 });
      }
    });
  });

  describe('Method: converse', () => {
    it('starts a session on first use and reuses it on the next call', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      const first = await service.converse(caller, 'Hello', signal());
      const second = await service.converse(caller, 'Again', signal());
      expect(first.newSession?.replacedExpired).toBe(false);
      expect(second.newSession).toBeUndefined();
      expect(second.sessionId).toBe(first.sessionId);
      expect(second.sequenceId).toBeGreaterThan(first.sequenceId);
    });

    it('replaces a session that expired upstream within the same call', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      const first = await service.converse(caller, 'Hello', signal());
      sim.expireSession(first.sessionId);
      const second = await service.converse(caller, 'Still there?', signal());
      expect(second.sessionId).not.toBe(first.sessionId);
      expect(second.newSession?.replacedExpired).toBe(true);
      expect((await service.status(caller)).record?.sessionId).toBe(second.sessionId);
    });
  });

  describe('Method: sendMessage and converse (with a listener)', () => {
    it('streams the turn to the listener and answers its final messages, as the synchronous path does', async () => {
      // Prepare
      const caller = { clientEmail: email(), owner: OWNER };
      const events: StreamEvent[] = [];
      const before = sim.counters.messagesReceived;

      // Act
      const streamed = await service.converse(
        caller,
        'What is my order status?',
        signal(),
        undefined,
        (event) => events.push(event)
      );
      const plain = await service.sendMessage(caller, 'What is my order status?', signal());

      // Assess
      expect(events[0]).toEqual({
        type: 'progress',
        message: 'Looking up your order',
        indicatorType: 'ACTION',
      });
      expect(events.some((event) => event.type === 'text-chunk')).toBe(true);
      expect(events.at(-1)).toEqual({ type: 'end-of-turn' });
      expect(streamed.messages.map((m) => m.type)).toEqual(plain.messages.map((m) => m.type));
      expect(turnText(streamed.messages)).toBe(turnText(plain.messages));
      expect(sim.counters.messagesReceived - before).toBe(2);
      expect((await store.get(caller.clientEmail, OWNER))?.lastSequenceId).toBe(plain.sequenceId);
    });

    it('records the sequence id of a streamed turn that failed upstream, so the next one is higher', async () => {
      // Prepare
      const caller = { clientEmail: email(), owner: OWNER };
      const { sessionId } = await service.createSession(caller, signal());
      sim.injectFault({ route: 'stream', status: 500, times: 1 });

      // Act
      const failure = await caught(() =>
        service.sendMessage(caller, 'One', signal(), undefined, () => undefined)
      );
      const used = (await store.get(caller.clientEmail, OWNER))?.lastSequenceId ?? 0;
      const next = await service.sendMessage(caller, 'Two', signal(), undefined, () => undefined);

      // Assess: the failed turn's id may have reached the agent, so it counts as used.
      expect(failure.name).toBe('UpstreamError');
      expect(used).toBeGreaterThan(0);
      expect(next.sequenceId).toBeGreaterThan(used);
      expect(sim.counters.sequenceIds.get(sessionId)).toEqual([next.sequenceId]);
    });
  });

  describe('Method: status', () => {
    it('reports a session idle longer than sessionIdleMs as likely expired', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      await service.converse(caller, 'Hello', signal());
      expect((await service.status(caller)).likelyExpired).toBe(false);
      skew += IDLE_MS + 1;
      expect((await service.status(caller)).likelyExpired).toBe(true);
    });

    it('reports nothing for an unknown client', async () => {
      expect(await service.status({ clientEmail: email(), owner: OWNER })).toEqual({
        likelyExpired: false,
      });
    });

    it("answers another tenant's client exactly as an unused one", async () => {
      const clientEmail = email();
      await service.converse({ clientEmail, owner: OWNER }, 'Hi', signal());
      const foreign = await service.status({ clientEmail, owner: 'client:b' });
      const unused = await service.status({ clientEmail: email(), owner: 'client:b' });
      expect(foreign).toEqual(unused);
      expect(foreign).toEqual({ likelyExpired: false });
    });
  });

  describe('Session cap per tenant', () => {
    it('refuses a session beyond the cap before starting anything upstream, and frees a slot on end', async () => {
      const capped = createService({ maxSessions: 2 });
      const [a, b, c] = [email(), email(), email()].map((clientEmail) => ({
        clientEmail,
        owner: 'client:capped',
      }));
      await capped.createSession(a as Caller, signal());
      await capped.converse(b as Caller, 'Hi', signal());
      const startedBefore = sim.counters.sessionsStarted;
      await expect(capped.converse(c as Caller, 'Hi', signal())).rejects.toBeInstanceOf(
        SessionLimitError
      );
      await expect(capped.createSession(c as Caller, signal())).rejects.toMatchObject({ limit: 2 });
      expect(sim.counters.sessionsStarted).toBe(startedBefore);
      // Replacing one's own session is not a new one; another tenant is not affected.
      await capped.createSession(a as Caller, signal());
      await capped.createSession(
        { clientEmail: (c as Caller).clientEmail, owner: 'client:other' },
        signal()
      );
      await capped.endSession(a as Caller, signal());
      await expect(capped.converse(c as Caller, 'Hi', signal())).resolves.toMatchObject({
        newSession: { replacedExpired: false },
      });
    });

    it('counts a session idle past sessionIdleMs as gone once the cap is reached', async () => {
      const capped = createService({ maxSessions: 1 });
      const owner = 'client:idle';
      await capped.converse({ clientEmail: email(), owner }, 'Hi', signal());
      const next = { clientEmail: email(), owner };
      await expect(capped.converse(next, 'Hi', signal())).rejects.toBeInstanceOf(SessionLimitError);
      skew = IDLE_MS + 1_000;
      await expect(capped.converse(next, 'Hi', signal())).resolves.toMatchObject({
        sessionId: expect.any(String),
      });
    });

    it('counts nothing and writes no roster when the cap is 0 (a single-tenant deployment)', async () => {
      // Prepare
      const counting = new MemorySessionStore({ now });
      const claim = vi.spyOn(counting, 'claimSessionSlot');
      const free = vi.spyOn(counting, 'freeSessionSlot');
      const uncapped = createService({ maxSessions: 0, store: counting });
      const owner = 'client:single-tenant';
      const callers = Array.from({ length: 3 }, () => ({ clientEmail: email(), owner }));

      // Act
      for (const caller of callers) await uncapped.converse(caller, 'Hi', signal());
      await uncapped.endSession(callers[0] as Caller, signal());

      // Assess
      expect(claim).not.toHaveBeenCalled();
      expect(free).not.toHaveBeenCalled();
      await expect(uncapped.status(callers[2] as Caller)).resolves.toMatchObject({
        record: { sessionId: expect.any(String) },
      });
    });

    it('frees the slot when a start fails upstream', async () => {
      const capped = createService({ maxSessions: 1 });
      const owner = 'client:fails';
      sim.injectFault({ route: 'start', status: 500, times: 10 });
      await expect(
        capped.converse({ clientEmail: email(), owner }, 'Hi', signal())
      ).rejects.toThrow();
      sim.clearFaults();
      await expect(
        capped.converse({ clientEmail: email(), owner }, 'Hi', signal())
      ).resolves.toMatchObject({
        sessionId: expect.any(String),
      });
    });
  });

  describe('Method: endSession', () => {
    it('ends the open session upstream and clears it', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      const { sessionId } = await service.createSession(caller, signal());
      const live = sim.counters.liveSessions;
      expect(await service.endSession(caller, signal())).toEqual({ endedSessionId: sessionId });
      expect(sim.counters.liveSessions).toBe(live - 1);
      expect((await service.status(caller)).record?.sessionId).toBeUndefined();
    });

    it('succeeds without calling the agent when no session is open', async () => {
      const ended = sim.counters.sessionsEnded;
      expect(await service.endSession({ clientEmail: email(), owner: OWNER }, signal())).toEqual(
        {}
      );
      expect(sim.counters.sessionsEnded).toBe(ended);
    });

    it('treats a session already gone upstream as ended', async () => {
      const caller = { clientEmail: email(), owner: OWNER };
      const { sessionId } = await service.createSession(caller, signal());
      sim.expireSession(sessionId);
      expect(await service.endSession(caller, signal())).toEqual({ endedSessionId: sessionId });
    });
  });

  describe('Method: createSession and converse (releases with lost answers)', () => {
    let faulty: FaultyStore;
    beforeEach(() => {
      faulty = new FaultyStore(store);
      service = createService({ store: faulty });
    });

    it('returns the reply and keeps the new session when the release applied but its answer was lost', async () => {
      // Prepare
      const caller = { clientEmail: email(), owner: OWNER };
      faulty.faults.push('answer-lost');
      const live = sim.counters.liveSessions;

      // Act
      const turn = await service.converse(caller, 'hello', signal());

      // Assess: retried once, found applied; nothing ended.
      expect(turn.messages.length).toBeGreaterThan(0);
      expect(faulty.releases).toBe(2);
      expect((await store.get(caller.clientEmail, OWNER))?.sessionId).toBe(turn.sessionId);
      expect(sim.counters.liveSessions).toBe(live + 1);
    });

    it('ends the new session and throws SessionNotSavedError when the lease was certainly lost', async () => {
      // Prepare
      const caller = { clientEmail: email(), owner: OWNER };
      faulty.faults.push('lost');
      const live = sim.counters.liveSessions;

      // Act
      const error = await caught(() => service.createSession(caller, signal()));

      // Assess
      expect(error).toBeInstanceOf(SessionNotSavedError);
      expect(sim.counters.liveSessions).toBe(live);
    });

    it('keeps the new session and throws SessionSaveUncertainError when no release outcome is known in time', async () => {
      // Prepare: the deadline is 300 ms, so the settle budget ends 2 s later.
      const caller = { clientEmail: email(), owner: OWNER };
      faulty.alwaysUnknown = true;
      const live = sim.counters.liveSessions;
      const started = performance.now();

      // Act
      const error = await caught(() => service.createSession(caller, AbortSignal.timeout(300)));

      // Assess: never ended (it may be the stored one), and settled within the grace.
      expect(error).toBeInstanceOf(SessionSaveUncertainError);
      expect(sim.counters.liveSessions).toBe(live + 1);
      expect(faulty.releases).toBeGreaterThan(2);
      expect(performance.now() - started).toBeLessThan(300 + 2_000 + 500);
    });

    it('returns the reply of a turn the agent answered even when no release outcome is known', async () => {
      // Prepare
      const caller = { clientEmail: email(), owner: OWNER };
      const first = await service.converse(caller, 'first', signal());
      faulty.alwaysUnknown = true;

      // Act
      const turn = await service.converse(caller, 'second', AbortSignal.timeout(300));

      // Assess
      expect(turn.sequenceId).toBeGreaterThan(first.sequenceId);
      expect(turn.messages.length).toBeGreaterThan(0);
    });
  });
});
