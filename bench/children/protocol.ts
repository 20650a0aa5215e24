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

/**
 * Counts what the code under test writes to stdout (Powertools log lines, EMF metrics: what
 * CloudWatch Logs ingests) and drops it, so the parent's pipe is not part of the figures. The
 * result line still goes through.
 */
export function countLogBytes(): { readonly total: number } {
  const counter = { total: 0 };
  const write = process.stdout.write.bind(process.stdout) as (...args: unknown[]) => boolean;
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith(RESULT_PREFIX)) return write(chunk, ...rest);
    counter.total += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    callback?.();
    return true;
  }) as typeof process.stdout.write;
  return counter;
}
