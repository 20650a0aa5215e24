import { afterEach, describe, expect, it } from 'vitest';
import { reportFigures } from './support/figures.js';
import { figuresOf, type LoadRig, runHotEmail, runManyEmails, startRig } from './support/load.js';
import { increasing } from './support/turns.js';

/*
 * Load (`npm run test:reliability` only): the real handler behind a loopback HTTP server, real MCP
 * SDK clients, DynamoDB Local, and the simulator in strict sequence-id mode with 5-50 ms turns.
 * LOAD_EMAILS and LOAD_TURNS scale the first scenario.
 */

const EMAILS = Number(process.env.LOAD_EMAILS ?? 200);
const TURNS = Number(process.env.LOAD_TURNS ?? 5);

let rig: LoadRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('Load: many emails at once', () => {
  it(`returns an answer to every turn of ${EMAILS} concurrent clients x ${TURNS} turns with nothing lost, duplicated or left behind`, async () => {
    // Prepare: one tenant holds every session here, so its cap is set to fit them (the cap has its
    // own tests in security.test.ts; this scenario measures load, not the cap).
    rig = await startRig({
      latencyMs: { min: 5, max: 50 },
      env: { MAX_SESSIONS_PER_TENANT: String(Math.max(EMAILS, 100)) },
    });

    // Act
    const report = await runManyEmails(rig, { emails: EMAILS, turns: TURNS });
    reportFigures(`load: ${EMAILS} emails x ${TURNS} turns`, figuresOf(report, rig));

    // Assess
    const counters = rig.harness.simulator.counters;
    expect(report.problems).toEqual([]);
    expect(report.answered).toBe(EMAILS * TURNS);
    expect(report.crossTalk).toBe(0);
    expect(counters.messagesReceived).toBe(EMAILS * TURNS);
    expect(counters.refusedBusy).toBe(0);
    expect(counters.sessionsStarted).toBe(EMAILS);
    expect(counters.sessionsEnded).toBe(Math.ceil(EMAILS / 2));
    expect(counters.liveSessions).toBe(Math.floor(EMAILS / 2));
    expect(rig.server.stats.maxInFlight).toBeGreaterThanOrEqual(Math.min(20, EMAILS / 4));
  });
});

describe('Load: one email, many callers', () => {
  it('returns an answer or BUSY to each of 100 concurrent calls, answered turns get strictly increasing ids, one session', async () => {
    // Prepare: production lease wait (20 s, capped at the 10 s deadline of the harness).
    rig = await startRig({ latencyMs: 20 });

    // Act
    const report = await runHotEmail(rig, { calls: 100, clients: 10 });
    reportFigures(
      'load: 100 concurrent calls on one email (default lease wait)',
      figuresOf(report, rig)
    );

    // Assess
    expect(report.problems).toEqual([]);
    expect(report.answered + report.busy).toBe(100);
    expect(report.answered).toBeGreaterThan(0);
    expect(report.crossTalk).toBe(0);
    expect(rig.harness.simulator.counters.sessionsStarted).toBe(1);
    const ids = [...rig.harness.simulator.counters.sequenceIds.values()][0] ?? [];
    expect(ids).toHaveLength(report.answered);
    expect(increasing(ids)).toBe(true);
  });

  it('queues 40 concurrent calls behind the lease and answers all of them when the wait allows', async () => {
    // Prepare
    rig = await startRig({
      latencyMs: 10,
      env: { TOOL_DEADLINE_MS: '55000', LEASE_WAIT_MS: '55000' },
    });

    // Act
    const report = await runHotEmail(rig, { calls: 40, clients: 4 });
    reportFigures(
      'load: 40 concurrent calls on one email (long lease wait)',
      figuresOf(report, rig)
    );

    // Assess
    expect(report.problems).toEqual([]);
    expect(report.answered).toBe(40);
    expect(report.busy).toBe(0);
    const ids = [...rig.harness.simulator.counters.sequenceIds.values()][0] ?? [];
    expect(ids).toHaveLength(40);
    expect(increasing(ids)).toBe(true);
  });

  it('refuses most of 60 concurrent calls as BUSY with a tight lease wait, and still loses or reuses nothing', async () => {
    // Prepare
    rig = await startRig({ latencyMs: 30, env: { LEASE_WAIT_MS: '100' } });

    // Act
    const report = await runHotEmail(rig, { calls: 60, clients: 6 });
    reportFigures(
      'load: 60 concurrent calls on one email (100 ms lease wait)',
      figuresOf(report, rig)
    );

    // Assess
    expect(report.problems).toEqual([]);
    expect(report.answered + report.busy).toBe(60);
    expect(report.busy).toBeGreaterThan(0);
    for (const outcome of report.outcomes) {
      if (outcome.kind === 'tool-error')
        expect(outcome.text).toMatch(/wait a few seconds and retry\. \[BUSY\]$/i);
    }
  });
});
