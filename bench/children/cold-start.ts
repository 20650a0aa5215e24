/**
 * Child process of the cold-start benchmark, run with plain `node` (no loader): imports one
 * bundle, then sends it the first `initialize` and the first `tools/call` as Function URL events,
 * timing each step (wall and this process's CPU). The stand-ins it talks to run in the parent.
 *
 * argv[2]: JSON `ColdStartPlan`.
 */
import { pathToFileURL } from 'node:url';
import type { FunctionUrlHandler } from '../../local/function-url-event.js';
import { lambdaContext } from '../../local/function-url-event.js';
import { initializeBody, mcpEvent, resultOutcome, toolCallBody } from '../lib/mcp-requests.js';
import { finish, maxRssMiB } from './protocol.js';

export interface ColdStartPlan {
  readonly bundle: string;
  /** `import` only: no request is sent (import-time attribution of sub-bundles). */
  readonly importOnly?: boolean;
  readonly tool?: { readonly name: string; readonly args: Record<string, unknown> };
  /**
   * After the timed steps, send the tool call again and time the first `error.stack` rendered
   * with the bundle's frames on it (taken inside its outbound `fetch`): what the first logged
   * error costs, with and without `--enable-source-maps`, on the same bundle at the same point.
   */
  readonly stackProbe?: boolean;
}

export interface ColdStartResult {
  readonly importMs: number;
  readonly initializeMs?: number;
  readonly toolCallMs?: number;
  /** CPU (user + system) of this process from before the import to after the first tools/call. */
  readonly cpuMs: number;
  readonly rssAfterImportMiB: number;
  readonly maxRssMiB: number;
  readonly firstStackMs?: number;
  readonly ok: boolean;
  readonly error?: string;
}

const plan = JSON.parse(process.argv[2] ?? '{}') as ColdStartPlan;
// The Lambda Node runtime defines the `awslambda` global (response streaming) before it loads
// the handler module; the entry point reads it at import.
(globalThis as { awslambda?: unknown }).awslambda = {
  streamifyResponse: <T>(handler: T): T => handler,
  HttpResponseStream: { from: <T>(stream: T): T => stream },
};
// Events and contexts are built before the clock starts: they are not the handler's work.
const initEvent = mcpEvent(initializeBody());
const callBody = plan.tool ? toolCallBody(plan.tool.name, plan.tool.args) : undefined;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

async function probeFirstStack(handler: FunctionUrlHandler): Promise<number | undefined> {
  const realFetch = globalThis.fetch;
  let elapsed: number | undefined;
  globalThis.fetch = (input, init) => {
    if (elapsed === undefined) {
      const error = new Error('probe');
      const t = performance.now();
      void error.stack;
      elapsed = performance.now() - t;
    }
    return realFetch(input, init);
  };
  await handler(mcpEvent(callBody as string), lambdaContext(60_000));
  globalThis.fetch = realFetch;
  return elapsed;
}

try {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const module = (await import(pathToFileURL(plan.bundle).href)) as {
    handler?: FunctionUrlHandler;
  };
  const t1 = performance.now();
  const rssAfterImportMiB = process.memoryUsage().rss / 1048576;
  if (plan.importOnly || !module.handler || !callBody) {
    finish({
      importMs: t1 - t0,
      cpuMs: cpuMs(cpu0),
      rssAfterImportMiB,
      maxRssMiB: maxRssMiB(),
      ok: true,
    } satisfies ColdStartResult);
  } else {
    const handler = module.handler;
    const [initContext, callContext] = [lambdaContext(60_000), lambdaContext(60_000)];
    const callEvent = mcpEvent(callBody);
    const t2 = performance.now();
    const init = await handler(initEvent, initContext);
    const t3 = performance.now();
    const call = await handler(callEvent, callContext);
    const t4 = performance.now();
    const cpu = cpuMs(cpu0);
    const failures = [
      ['initialize', resultOutcome(init)],
      ['tools/call', resultOutcome(call)],
    ] as const;
    const error = failures
      .filter(([, outcome]) => !outcome.ok)
      .map(([step, outcome]) => `${step}: ${outcome.reason}`)
      .join('; ');
    const firstStackMs = plan.stackProbe ? await probeFirstStack(handler) : undefined;
    finish({
      importMs: t1 - t0,
      initializeMs: t3 - t2,
      toolCallMs: t4 - t3,
      cpuMs: cpu,
      rssAfterImportMiB,
      maxRssMiB: maxRssMiB(),
      ...(firstStackMs === undefined ? {} : { firstStackMs }),
      ok: error === '',
      ...(error ? { error } : {}),
    } satisfies ColdStartResult);
  }
} catch (err) {
  finish({
    importMs: Number.NaN,
    cpuMs: Number.NaN,
    rssAfterImportMiB: 0,
    maxRssMiB: maxRssMiB(),
    ok: false,
    error: (err as Error).stack ?? String(err),
  } satisfies ColdStartResult);
}
