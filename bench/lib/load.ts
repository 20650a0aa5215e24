import { Agent, request } from 'node:http';
import { type Summary, summarize } from './stats.js';

/** A closed-loop load: `connections` clients, each sending its next request when the last answered. */
export interface LoadOptions {
  readonly url: string;
  readonly connections: number;
  readonly durationMs: number;
  readonly headers: Readonly<Record<string, string>>;
  /** The body of the i-th request (i counts across all connections). */
  readonly body: (i: number) => string;
}

export interface LoadResult {
  readonly engine: string;
  readonly requests: number;
  readonly perSecond: number;
  readonly latency: Pick<Summary, 'p50' | 'p90' | 'p99' | 'mean'>;
  /** Non-200 answers, JSON-RPC errors and tool results with `isError`. */
  readonly failures: number;
  readonly firstFailure?: string;
}

/** Whether an answer body reports a failure (cheap: no JSON parse on the load generator). */
function failed(status: number, body: string): boolean {
  return status !== 200 || body.includes('"isError":true') || body.includes('"error":{"code"');
}

interface AutocannonResult {
  requests: { total: number };
  latency: { p50: number; p90: number; p99: number; average: number };
  duration: number;
  errors: number;
  timeouts: number;
}
type Autocannon = (options: Record<string, unknown>) => Promise<AutocannonResult>;

/**
 * autocannon when the project has it (or `BENCH_AUTOCANNON` points at one), else `undefined` and
 * the built-in loop is used.
 */
async function loadAutocannon(): Promise<Autocannon | undefined> {
  const specifier = process.env.BENCH_AUTOCANNON ?? 'autocannon';
  try {
    const module = (await import(specifier)) as { default?: Autocannon };
    return module.default ?? (module as unknown as Autocannon);
  } catch {
    return undefined;
  }
}

async function withAutocannon(autocannon: Autocannon, options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const url = new URL(options.url);
  const result = await autocannon({
    url: url.origin,
    connections: options.connections,
    duration: options.durationMs / 1000,
    requests: [
      {
        method: 'POST',
        path: url.pathname,
        headers: options.headers,
        setupRequest: (req: Record<string, unknown>) => ({ ...req, body: options.body(next++) }),
        onResponse: (status: number, body: string) => {
          if (failed(status, body)) {
            failures++;
            firstFailure ??= `${status} ${body.slice(0, 200)}`;
          }
        },
      },
    ],
  });
  return {
    engine: 'autocannon',
    requests: result.requests.total,
    perSecond: result.requests.total / result.duration,
    latency: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      mean: result.latency.average,
    },
    failures: failures + result.errors + result.timeouts,
    ...(firstFailure ? { firstFailure } : {}),
  };
}

/** The fallback: `connections` keep-alive loops over `node:http`, bounded by time. */
async function withLoop(options: LoadOptions): Promise<LoadResult> {
  const url = new URL(options.url);
  const agent = new Agent({ keepAlive: true, maxSockets: options.connections });
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  let firstFailure: string | undefined;
  const send = (body: string) =>
    new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          agent,
          host: url.hostname,
          port: url.port,
          path: url.pathname,
          method: 'POST',
          headers: { ...options.headers, 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') })
          );
          res.on('error', reject);
        }
      );
      req.on('error', reject);
      req.end(body);
    });
  const started = performance.now();
  const deadline = started + options.durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const body = options.body(next++);
      const t0 = performance.now();
      try {
        const { status, text } = await send(body);
        latencies.push(performance.now() - t0);
        if (failed(status, text)) {
          failures++;
          firstFailure ??= `${status} ${text.slice(0, 200)}`;
        }
      } catch (err) {
        failures++;
        firstFailure ??= (err as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, worker));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  const summary = summarize(latencies);
  return {
    engine: 'built-in loop (node:http keep-alive)',
    requests: latencies.length,
    perSecond: latencies.length / elapsed,
    latency: { p50: summary.p50, p90: summary.p90, p99: summary.p99, mean: summary.mean },
    failures,
    ...(firstFailure ? { firstFailure } : {}),
  };
}

/** Runs a closed-loop load with autocannon when available, else with the built-in loop. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const autocannon = await loadAutocannon();
  return autocannon ? withAutocannon(autocannon, options) : withLoop(options);
}
