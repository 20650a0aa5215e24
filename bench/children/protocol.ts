/** How a benchmark child hands its figures to the parent: one prefixed JSON line on stdout. */
export const RESULT_PREFIX = 'BENCH_RESULT ';

/** Writes the result line, then exits once stdout has flushed (SDK sockets would keep us alive). */
export function finish(result: unknown): void {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`, () => process.exit(0));
}

/** Peak resident set size of this process so far, in MiB. */
export function maxRssMiB(): number {
  return process.resourceUsage().maxRSS / 1024;
}
