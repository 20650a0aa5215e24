import { afterEach, describe, expect, it } from 'vitest';
import { reportFigures } from './support/figures.js';
import { figuresOf, type LoadRig, runHotEmail, runManyEmails, startRig } from './support/load.js';
import { increasing } from './support/turns.js';

/*
 * Fast load checks (part of `npm test`): the same scenarios as load.reliability.ts, scaled down.
 * The real handler runs behind a loopback HTTP server, against DynamoDB Local and the simulator
 * in strict sequence-id mode, with real MCP SDK clients.
 */

let rig: LoadRig | undefined;
afterEach(async () => {
  await rig?.close();
  rig = undefined;
});

describe('Load (fast): many emails at once', () => {
  it('returns an answer to every turn of 20 concurrent clients with nothing lost, duplicated or left behind', async () => {
    // Prepare
    rig = await startRig({ latencyMs: { min: 5, max: 30 } });

    // Act
    const report = await runManyEmails(rig, { emails: 20, turns: 3 });
    reportFigures('load (fast): 20 emails x 3 turns', figuresOf(report, rig));

    // Assess
    expect(report.problems).toEqual([]);
    expect(report.answered).toBe(60);
    expect(report.crossTalk).toBe(0);
    expect(rig.harness.simulator.counters.messagesReceived).toBe(60);
    expect(rig.harness.simulator.counters.sessionsStarted).toBe(20);
    expect(rig.harness.simulator.counters.liveSessions).toBe(10);
  });
});

describe('Load (fast): one email, many callers', () => {
  it('returns an answer or BUSY to each of 24 concurrent calls and gives the answers increasing ids', async () => {
    // Prepare: a short lease wait so some callers are refused rather than queued.
    rig = await startRig({ latencyMs: 15, env: { LEASE_WAIT_MS: '400' } });
    const startedAt = Date.now();

    // Act
    const report = await runHotEmail(rig, { calls: 24, clients: 4 });
    reportFigures('load (fast): 24 concurrent calls on one email', figuresOf(report, rig));

    // Assess
    expect(report.problems).toEqual([]);
    expect(report.answered + report.busy).toBe(24);
    expect(report.answered).toBeGreaterThan(0);
    expect(rig.harness.simulator.counters.sessionsStarted).toBe(1);
    const ids = [...rig.harness.simulator.counters.sequenceIds.values()][0] ?? [];
    expect(ids).toHaveLength(report.answered);
    expect(increasing(ids)).toBe(true);
    expect(ids[0]).toBeGreaterThanOrEqual(startedAt);
  });
});
