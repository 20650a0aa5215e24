import type { BenchResults } from './lib/results.js';
import { kib, ms, ratio } from './lib/stats.js';
import { TURN_TOOLS } from './sections/io.js';

/**
 * Performance budgets `npm run bench` enforces (exit code 1 when one is broken). Size and import
 * time are relative to the leanest bundle the bench itself builds from the same dependencies
 * (every cut in `VARIANTS` applied), so a dependency upgrade moves both sides and the budget
 * only fails when a known cut is missing or a new regression appears.
 */
export const BUDGETS = {
  /** Our handler's warm p50 against the bare SDK server's (tools/list, tools/call). */
  warmRatio: 1.5,
  warmSecretsManagerCalls: 0,
  warmTokenCalls: 0,
  dynamoRequestsPerTurn: 2,
  /**
   * Production bundle, raw KiB. Measured 850 KiB after the zod namespace-import cut (1191 KiB
   * before), 910 KiB on SDK v2 (`@modelcontextprotocol/server` 322 KiB, which ships its own Ajv,
   * against 281 KiB of SDK v1 + Ajv + zod v3 + zod-to-json-schema): the price of serving both
   * protocol eras. A regression such as zod's locale files coming back (+343 KiB) still breaks it.
   */
  bundleMaxKiB: 950,
  /**
   * Production import p50 against the bare SDK server's in the same run (a ratio, so it holds on
   * any machine): ours adds DynamoDB, Secrets Manager, Powertools and JWT verification.
   */
  importVsBare: 2.5,
} as const;

export interface BudgetCheck {
  readonly name: string;
  readonly limit: string;
  readonly measured: string;
  readonly ok: boolean;
  /** What to do when it fails. */
  readonly hint?: string;
}

export function checkBudgets(results: BenchResults): BudgetCheck[] {
  const checks: BudgetCheck[] = [];
  const scenario = (id: string) => results.warm.scenarios.find((s) => s.id === id);
  for (const id of ['tools/list', 'tools/call']) {
    const found = scenario(id);
    const ours = found?.summaries.ours?.p50 ?? Number.NaN;
    const bare = found?.summaries.bare?.p50 ?? Number.NaN;
    const value = ours / bare;
    checks.push({
      name: `warm ${id}: our handler vs bare SDK server (p50)`,
      limit: `≤ ${ratio(BUDGETS.warmRatio)}`,
      measured: `${ratio(value)} (${ms(ours)} vs ${ms(bare)} ms)`,
      ok: value <= BUDGETS.warmRatio,
      hint: 'per-request work in buildServer: see "Where the warm time goes" in bench/README.md',
    });
  }

  const warmIo = results.io.filter((row) => row.phase === 'warm');
  const warmSecrets = Math.max(0, ...warmIo.map((row) => row.secretsManagerRequests));
  checks.push({
    name: 'warm path: Secrets Manager requests per tool call',
    limit: `= ${BUDGETS.warmSecretsManagerCalls}`,
    measured: String(warmSecrets),
    ok: warmSecrets <= BUDGETS.warmSecretsManagerCalls,
  });
  const loopTokens = Object.values(results.warm.upstreamDuringLoops).reduce(
    (total, counters) => total + counters.token,
    0
  );
  const warmTokens = Math.max(0, ...warmIo.map((row) => row.tokenRequests));
  checks.push({
    name: 'warm path: Salesforce token requests per tool call',
    limit: `= ${BUDGETS.warmTokenCalls}`,
    measured: `${warmTokens} (I/O run); ${loopTokens} in the warm loops`,
    ok: warmTokens <= BUDGETS.warmTokenCalls && loopTokens === 0,
  });
  const turns = results.io.filter((row) => TURN_TOOLS.has(row.tool));
  const perTurn = Math.max(0, ...turns.map((row) => row.dynamoRequests));
  const storeMismatch = results.io.some((row) => row.storeOperations !== row.dynamoRequests);
  checks.push({
    name: 'DynamoDB requests per conversation turn (cold and warm)',
    limit: `≤ ${BUDGETS.dynamoRequestsPerTurn}`,
    measured: `${perTurn}${storeMismatch ? ' (store stats disagree with the wire count!)' : ''}`,
    ok: perTurn <= BUDGETS.dynamoRequestsPerTurn && !storeMismatch,
  });

  const production = results.variants[0];
  if (production) {
    const kibs = production.bundle.bytes / 1024;
    checks.push({
      name: 'bundle size: production, raw',
      limit: `≤ ${BUDGETS.bundleMaxKiB} KiB`,
      measured: kib(production.bundle.bytes),
      ok: kibs <= BUDGETS.bundleMaxKiB,
      hint: "check `import { z } from 'zod'` (Biome forbids it) and new dependencies in the metafile table",
    });
  }
  const importOf = (id: string) =>
    results.cold.find((row) => row.config.id === id)?.importMs.p50 ?? Number.NaN;
  const imported = importOf('node20:production') / importOf('node20:bare');
  checks.push({
    name: 'import time (Node 20, as deployed): production vs bare SDK server (p50)',
    limit: `≤ ${ratio(BUDGETS.importVsBare)}`,
    measured: `${ratio(imported)} (${ms(importOf('node20:production'))} vs ${ms(importOf('node20:bare'))} ms)`,
    ok: imported <= BUDGETS.importVsBare,
  });

  const productionHash = results.cold.find((row) => row.config.id === 'node20:production')
    ?.toolsListHashes[0];
  const broken = results.cold.filter(
    (row) =>
      row.failures.length > 0 ||
      (row.config.tool === 'ours' &&
        (row.toolsListHashes.length !== 1 || row.toolsListHashes[0] !== productionHash))
  );
  const ioFailures = results.io.filter((row) => !row.ok);
  const failures = [
    ...broken.map((row) => `${row.config.id}: ${row.failures[0] ?? 'tools/list differs'}`),
    ...ioFailures.map((row) => `I/O ${row.tool} ${row.phase}: ${row.error}`),
    ...results.warm.failures,
    ...(results.throughputError ? [`throughput: ${results.throughputError}`] : []),
  ];
  checks.push({
    name: 'every section ran and every measured call succeeded; every cut answers tools/list like production',
    limit: 'no failure',
    measured: failures.length === 0 ? 'none' : failures.slice(0, 3).join(' | ').slice(0, 400),
    ok: failures.length === 0,
  });
  return checks;
}
