import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { LeaseBusyError, LeaseLostError, SessionLimitError } from '../../lambda/state/errors.js';
import type { SessionStore } from '../../lambda/state/session-store.js';
import type { StoreStats } from '../../lambda/state/store-support.js';

/** An adapter under test: the port plus the benchmark counters both adapters expose. */
export interface StoreUnderTest extends SessionStore {
  readonly stats: StoreStats;
}

/** Builds a fresh store; may share a table with other tests, since each test uses its own email. */
export type MakeStore = () => StoreUnderTest | Promise<StoreUnderTest>;

const OWNER = 'client-a';
const OTHER_OWNER = 'client-b';
const DAY_SECONDS = 24 * 60 * 60;
/** Long enough that nothing expires by accident during a test. */
const LONG = { leaseMs: 30_000, waitMs: 0 } as const;

/** A fresh email per test keeps tests independent on a shared table. */
export function uniqueEmail(): string {
  return `user-${randomUUID()}@example.com`;
}

/**
 * The behaviour every `SessionStore` adapter must share. Run it once per adapter so that the
 * in-memory store used by benchmarks and unit tests cannot drift from the DynamoDB one.
 */
export function describeSessionStoreContract(name: string, makeStore: MakeStore): void {
  describe(`Class: ${name} (SessionStore contract)`, () => {
    describe('Method: get', () => {
      it('returns undefined for an email never used', async () => {
        // Prepare
        const store = await makeStore();

        // Act
        const record = await store.get(uniqueEmail(), OWNER);

        // Assess
        expect(record).toBeUndefined();
      });

      it('returns the record without lease attributes while a lease is held', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const lease = await store.acquireLease(email, OWNER, LONG);

        // Act
        const record = await store.get(email, OWNER);

        // Assess
        expect(record).toStrictEqual(lease.record);
        expect(record).not.toHaveProperty('leaseId');
        expect(record).not.toHaveProperty('leaseExpiresAt');
      });

      it('returns the same record for differently cased and padded spellings of an email', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        await store.recordAuthentication(` ${email.toUpperCase()} `, OWNER, 1_000);

        // Act
        const record = await store.get(email, OWNER);

        // Assess
        expect(record).toMatchObject({ clientEmail: email, owner: OWNER, authenticatedAt: 1_000 });
      });
    });

    describe('Method: recordAuthentication', () => {
      it('returns a new record owned by the caller with authenticatedAt and sequence id 0', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const before = Date.now();

        // Act
        const record = await store.recordAuthentication(email, OWNER, 1_234);

        // Assess
        expect(record).toStrictEqual({
          clientEmail: email,
          owner: OWNER,
          authenticatedAt: 1_234,
          lastSequenceId: 0,
          updatedAt: expect.any(Number),
          expiresAt: expect.any(Number),
        });
        expect(record.updatedAt).toBeGreaterThanOrEqual(before);
        expect(await store.get(email, OWNER)).toStrictEqual(record);
      });

      it('returns the record with its session and sequence id kept', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const lease = await store.acquireLease(email, OWNER, LONG);
        await store.release(lease, {
          session: { sessionId: 'sess-1', agentId: 'agent-1', startedAt: 10 },
          lastSequenceId: 3,
        });

        // Act
        const record = await store.recordAuthentication(email, OWNER, 2_000);

        // Assess
        expect(record).toMatchObject({
          sessionId: 'sess-1',
          agentId: 'agent-1',
          sessionStartedAt: 10,
          lastSequenceId: 3,
          authenticatedAt: 2_000,
        });
      });

      it("keeps another tenant's record of the same email apart, each seeing only its own", async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const original = await store.recordAuthentication(email, OWNER, 1_000);

        // Act
        const other = await store.recordAuthentication(email, OTHER_OWNER, 2_000);

        // Assess
        expect(other).toMatchObject({
          clientEmail: email,
          owner: OTHER_OWNER,
          authenticatedAt: 2_000,
        });
        expect(await store.get(email, OWNER)).toStrictEqual(original);
        expect(await store.get(email, OTHER_OWNER)).toStrictEqual(other);
      });
    });

    describe('Method: acquireLease', () => {
      it('returns sequence id 1 and creates the record owned by the caller on first use', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();

        // Act
        const lease = await store.acquireLease(email, OWNER, LONG);

        // Assess
        expect(lease).toMatchObject({ clientEmail: email, owner: OWNER, sequenceId: 1 });
        expect(lease.leaseId).toMatch(/^[0-9a-f-]{36}$/);
        expect(lease.record).toStrictEqual({
          clientEmail: email,
          owner: OWNER,
          lastSequenceId: 1,
          updatedAt: expect.any(Number),
          expiresAt: expect.any(Number),
        });
      });

      it('returns strictly increasing sequence ids across acquire and release cycles', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const sequenceIds: number[] = [];

        // Act
        for (let turn = 0; turn < 5; turn++) {
          const lease = await store.acquireLease(email, OWNER, LONG);
          sequenceIds.push(lease.sequenceId);
          await store.release(lease, { lastTurnAt: turn });
        }

        // Assess
        expect(sequenceIds).toEqual([1, 2, 3, 4, 5]);
        expect((await store.get(email, OWNER))?.lastSequenceId).toBe(5);
      });

      it("takes its own lease at once while another tenant holds the same email's lease", async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        await store.acquireLease(email, OWNER, LONG);
        const started = performance.now();

        // Act
        const other = await store.acquireLease(email, OTHER_OWNER, {
          leaseMs: 1_000,
          waitMs: 5_000,
        });

        // Assess
        expect(other).toMatchObject({ owner: OTHER_OWNER, sequenceId: 1 });
        expect(performance.now() - started).toBeLessThan(1_000);
        expect((await store.get(email, OWNER))?.lastSequenceId).toBe(1);
      });

      it('returns the lease once the live holder releases it, after waiting', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const first = await store.acquireLease(email, OWNER, LONG);
        const started = performance.now();

        // Act
        const second = store.acquireLease(email, OWNER, { leaseMs: 1_000, waitMs: 5_000 });
        await sleep(100);
        await store.release(first, {});

        // Assess
        const lease = await second;
        expect(lease.sequenceId).toBe(2);
        expect(lease.leaseId).not.toBe(first.leaseId);
        expect(performance.now() - started).toBeGreaterThanOrEqual(95);
      });

      it('throws LeaseBusyError after waitMs when the holder never releases', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        await store.acquireLease(email, OWNER, LONG);
        const started = performance.now();

        // Act
        const result = store.acquireLease(email, OWNER, { leaseMs: 1_000, waitMs: 200 });

        // Assess
        const error = await result.catch((err: unknown) => err);
        const elapsed = performance.now() - started;
        expect(error).toBeInstanceOf(LeaseBusyError);
        expect(error).toMatchObject({ name: 'LeaseBusyError', clientEmail: email });
        expect(elapsed).toBeGreaterThanOrEqual(195);
        expect(elapsed).toBeLessThan(1_500);
        expect((await store.get(email, OWNER))?.lastSequenceId).toBe(1);
      });

      it('throws LeaseBusyError soon after the signal aborts while waiting', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        await store.acquireLease(email, OWNER, LONG);
        const controller = new AbortController();
        const started = performance.now();

        // Act
        const result = store.acquireLease(email, OWNER, {
          leaseMs: 1_000,
          waitMs: 10_000,
          signal: controller.signal,
        });
        setTimeout(() => controller.abort(new Error('deadline')), 100);

        // Assess
        const error = await result.catch((err: unknown) => err);
        expect(error).toBeInstanceOf(LeaseBusyError);
        expect((error as Error).cause).toEqual(new Error('deadline'));
        expect(performance.now() - started).toBeLessThan(1_500);
      });

      it('throws LeaseBusyError without writing when the signal has already aborted', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const writesBefore = store.stats.writes;

        // Act
        const result = store.acquireLease(email, OWNER, {
          ...LONG,
          signal: AbortSignal.abort(),
        });

        // Assess
        await expect(result).rejects.toBeInstanceOf(LeaseBusyError);
        expect(store.stats.writes).toBe(writesBefore);
        expect(await store.get(email, OWNER)).toBeUndefined();
      });

      it('returns a new lease once an abandoned lease has expired by itself', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        await store.acquireLease(email, OWNER, { leaseMs: 150, waitMs: 0 });
        const started = performance.now();

        // Act
        const lease = await store.acquireLease(email, OWNER, { leaseMs: 1_000, waitMs: 3_000 });

        // Assess
        expect(lease.sequenceId).toBe(2);
        expect(performance.now() - started).toBeGreaterThanOrEqual(100);
      });

      it('stamps expiresAt in epoch seconds one day ahead', async () => {
        // Prepare
        const store = await makeStore();
        const before = Math.floor(Date.now() / 1000);

        // Act
        const lease = await store.acquireLease(uniqueEmail(), OWNER, LONG);

        // Assess
        const after = Math.floor(Date.now() / 1000);
        expect(Number.isInteger(lease.record.expiresAt)).toBe(true);
        expect(lease.record.expiresAt).toBeGreaterThanOrEqual(before + DAY_SECONDS);
        expect(lease.record.expiresAt).toBeLessThanOrEqual(after + DAY_SECONDS);
      });
    });

    describe('Method: release', () => {
      it('returns sequence id 0 after a new session, so the next turn gets 1', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        await store.release(await store.acquireLease(email, OWNER, LONG), {});
        const lease = await store.acquireLease(email, OWNER, LONG);

        // Act
        const record = await store.release(lease, {
          session: { sessionId: 'sess-1', agentId: 'agent-1', startedAt: 42 },
        });

        // Assess
        expect(record).toMatchObject({
          sessionId: 'sess-1',
          agentId: 'agent-1',
          sessionStartedAt: 42,
          lastSequenceId: 0,
        });
        expect((await store.acquireLease(email, OWNER, LONG)).sequenceId).toBe(1);
      });

      it('returns the given sequence id with a new session', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const lease = await store.acquireLease(email, OWNER, LONG);

        // Act
        const record = await store.release(lease, {
          session: { sessionId: 'sess-1', agentId: 'agent-1', startedAt: 42 },
          lastSequenceId: 1,
        });

        // Assess
        expect(record.lastSequenceId).toBe(1);
        expect((await store.acquireLease(email, OWNER, LONG)).sequenceId).toBe(2);
      });

      it('returns a record without session and with sequence id 0 when session is null', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        await store.release(await store.acquireLease(email, OWNER, LONG), {
          session: { sessionId: 'sess-1', agentId: 'agent-1', startedAt: 42 },
          lastSequenceId: 4,
        });
        const lease = await store.acquireLease(email, OWNER, LONG);

        // Act
        const record = await store.release(lease, { session: null });

        // Assess
        expect(record).toStrictEqual({
          clientEmail: email,
          owner: OWNER,
          lastSequenceId: 0,
          updatedAt: expect.any(Number),
          expiresAt: expect.any(Number),
        });
        expect(await store.get(email, OWNER)).toStrictEqual(record);
      });

      it('returns the record with lastTurnAt and authenticatedAt set and omitted fields kept', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        await store.release(await store.acquireLease(email, OWNER, LONG), {
          session: { sessionId: 'sess-1', agentId: 'agent-1', startedAt: 42 },
        });
        const lease = await store.acquireLease(email, OWNER, LONG);

        // Act
        const record = await store.release(lease, { lastTurnAt: 500, authenticatedAt: 400 });

        // Assess
        expect(record).toStrictEqual({
          clientEmail: email,
          owner: OWNER,
          sessionId: 'sess-1',
          agentId: 'agent-1',
          sessionStartedAt: 42,
          lastSequenceId: 1,
          lastTurnAt: 500,
          authenticatedAt: 400,
          updatedAt: expect.any(Number),
          expiresAt: expect.any(Number),
        });
      });

      it('returns after freeing the lease, so the next acquire does not wait', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        await store.release(await store.acquireLease(email, OWNER, LONG), {});

        // Act
        const lease = await store.acquireLease(email, OWNER, { leaseMs: 1_000, waitMs: 0 });

        // Assess
        expect(lease.sequenceId).toBe(2);
      });

      it('throws LeaseLostError and writes nothing after the lease expired and was taken over', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const stale = await store.acquireLease(email, OWNER, { leaseMs: 50, waitMs: 0 });
        const current = await store.acquireLease(email, OWNER, { leaseMs: 30_000, waitMs: 3_000 });

        // Act
        const result = store.release(stale, { lastTurnAt: 999, session: null });

        // Assess
        const error = await result.catch((err: unknown) => err);
        expect(error).toBeInstanceOf(LeaseLostError);
        expect(error).toMatchObject({ clientEmail: email, leaseId: stale.leaseId });
        expect(await store.get(email, OWNER)).toStrictEqual(current.record);
        await expect(store.release(current, {})).resolves.toMatchObject({ lastSequenceId: 2 });
      });

      it('returns the record when the lease expired but nobody took it over', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const lease = await store.acquireLease(email, OWNER, { leaseMs: 20, waitMs: 0 });
        await sleep(60);

        // Act
        const record = await store.release(lease, { lastTurnAt: 7 });

        // Assess
        expect(record).toMatchObject({ lastSequenceId: 1, lastTurnAt: 7 });
      });

      it('returns the released record when the same lease is released again (a retried release)', async () => {
        // Prepare
        const store = await makeStore();
        const lease = await store.acquireLease(uniqueEmail(), OWNER, LONG);
        const released = await store.release(lease, { lastTurnAt: 5 });

        // Act
        const again = await store.release(lease, { lastTurnAt: 5 });

        // Assess
        expect(again).toStrictEqual(released);
      });

      it('throws LeaseLostError carrying the record as it is when the lease was taken over', async () => {
        // Prepare
        const store = await makeStore();
        const email = uniqueEmail();
        const stale = await store.acquireLease(email, OWNER, { leaseMs: 50, waitMs: 0 });
        const current = await store.acquireLease(email, OWNER, { leaseMs: 30_000, waitMs: 3_000 });

        // Act
        const error = await store.release(stale, {}).catch((err: unknown) => err);

        // Assess
        expect(error).toBeInstanceOf(LeaseLostError);
        expect((error as LeaseLostError).current).toStrictEqual(current.record);
      });
    });

    describe('Methods: claimSessionSlot and freeSessionSlot', () => {
      const LIMITS = { maxSessions: 3, idleMs: 60_000 } as const;
      /** A tenant of its own per test, so rosters of one shared table never meet. */
      const tenant = () => `client:${randomUUID()}`;
      /** Takes a lease on a fresh email, claims its slot and records a session, as a start does. */
      async function openSession(store: SessionStore, owner: string, email = uniqueEmail()) {
        const lease = await store.acquireLease(email, owner, LONG);
        await store.claimSessionSlot(lease, LIMITS);
        const now = Date.now();
        await store.release(lease, {
          session: { sessionId: randomUUID(), agentId: 'a', startedAt: now },
        });
        return email;
      }

      it('refuses a claim beyond maxSessions with SessionLimitError, and passes a repeat claim', async () => {
        // Prepare
        const store = await makeStore();
        const owner = tenant();
        const emails = [
          await openSession(store, owner),
          await openSession(store, owner),
          await openSession(store, owner),
        ];

        // Act
        const lease = await store.acquireLease(uniqueEmail(), owner, LONG);
        const refused = await store.claimSessionSlot(lease, LIMITS).catch((err: unknown) => err);
        const again = await store.acquireLease(emails[0] as string, owner, LONG);

        // Assess
        expect(refused).toBeInstanceOf(SessionLimitError);
        expect(refused).toMatchObject({ limit: 3, clientEmail: lease.clientEmail });
        await expect(store.claimSessionSlot(again, LIMITS)).resolves.toBeUndefined();
      });

      it("counts only the tenant's own sessions: another tenant at its cap changes nothing", async () => {
        // Prepare
        const store = await makeStore();
        const [full, other] = [tenant(), tenant()];
        for (let i = 0; i < LIMITS.maxSessions; i++) await openSession(store, full);

        // Act + Assess
        for (let i = 0; i < LIMITS.maxSessions; i++) await openSession(store, other);
      });

      it('frees a slot, and drops members whose record holds no session when the roster is full', async () => {
        // Prepare
        const store = await makeStore();
        const owner = tenant();
        const [first] = [
          await openSession(store, owner),
          await openSession(store, owner),
          await openSession(store, owner),
        ];
        const ended = await store.acquireLease(first as string, owner, LONG);
        await store.release(ended, { session: null });
        // A crash between the release and the free leaves the member behind.

        // Act: the fourth claim finds the roster full and drops the member with no session.
        await openSession(store, owner);
        const fifth = await store.acquireLease(uniqueEmail(), owner, LONG);
        const refused = await store.claimSessionSlot(fifth, LIMITS).catch((err: unknown) => err);
        await store.freeSessionSlot(fifth);

        // Assess
        expect(refused).toBeInstanceOf(SessionLimitError);
      });

      it('keeps a member whose lease is live even without a session (a start in progress)', async () => {
        // Prepare
        const store = await makeStore();
        const owner = tenant();
        await openSession(store, owner);
        await openSession(store, owner);
        const starting = await store.acquireLease(uniqueEmail(), owner, LONG);
        await store.claimSessionSlot(starting, LIMITS);

        // Act
        const lease = await store.acquireLease(uniqueEmail(), owner, LONG);
        const refused = await store.claimSessionSlot(lease, LIMITS).catch((err: unknown) => err);

        // Assess
        expect(refused).toBeInstanceOf(SessionLimitError);
      });

      it('admits exactly maxSessions of 12 concurrent claims on different emails', async () => {
        // Prepare
        const store = await makeStore();
        const owner = tenant();
        const leases = await Promise.all(
          Array.from({ length: 12 }, () => store.acquireLease(uniqueEmail(), owner, LONG))
        );

        // Act
        const outcomes = await Promise.allSettled(
          leases.map((lease) => store.claimSessionSlot(lease, LIMITS))
        );

        // Assess
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(LIMITS.maxSessions);
        for (const o of outcomes.filter((o) => o.status === 'rejected')) {
          expect((o as PromiseRejectedResult).reason).toBeInstanceOf(SessionLimitError);
        }
      });
    });

    describe('Property: stats', () => {
      it('counts two writes and no read for an uncontended turn', async () => {
        // Prepare
        const store = await makeStore();
        const { reads, writes } = store.stats;

        // Act
        const lease = await store.acquireLease(uniqueEmail(), OWNER, LONG);
        await store.release(lease, { lastTurnAt: 1 });

        // Assess
        expect(store.stats).toEqual({ reads, writes: writes + 2 });
      });
    });
  });
}
