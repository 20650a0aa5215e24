import { appendFileSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';

/**
 * Publishes the measured figures of one scenario: one `[reliability]` line on stdout, and one JSON
 * line appended to the file named by `RELIABILITY_RESULTS` when it is set (RELIABILITY.md is
 * written from those lines). The machine's CPU count and load are added: timings mean little
 * without them.
 *
 * @example
 * reportFigures('load: 200 emails x 5 turns', { turns: 1000, lost: 0, p95Ms: 420 });
 */
export function reportFigures(scenario: string, figures: Record<string, unknown>): void {
  const machine = {
    cpus: availableParallelism(),
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 10) / 10,
  };
  const line = JSON.stringify({ scenario, ...figures, machine, at: new Date().toISOString() });
  process.stdout.write(`[reliability] ${line}\n`);
  const file = process.env.RELIABILITY_RESULTS;
  if (file) appendFileSync(file, `${line}\n`);
}
