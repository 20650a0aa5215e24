/**
 * Child process of the cold-start benchmark, run with plain `node` (no loader): imports one
 * production bundle, then sends it the first `initialize` and the first `tools/call` as Function
 * URL events, timing each step. The stand-ins it talks to were started by the parent.
 *
 * argv[2]: JSON `ColdStartPlan`.
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import type { FunctionUrlHandler } from '../../local/function-url-event.js';
import { lambdaContext } from '../../local/function-url-event.js';
import {
  initializeBody,
  mcpEvent,
  type RpcOutcome,
  resultOutcome,
  toolCallBody,
  toolsListBody,
} from '../lib/mcp-requests.js';
import { finish, maxRssMiB } from './protocol.js';

export interface ColdStartPlan {
  readonly bundle: string;
  /** `import` only: no request is sent (import-time attribution of sub-bundles). */
  readonly importOnly?: boolean;
  readonly tool?: { readonly name: string; readonly args: Record<string, unknown> };
}

export interface ColdStartResult {
  /** Process start to the first line of this script: Node's own bootstrap. */
  readonly bootMs: number;
  readonly importMs: number;
  readonly initializeMs?: number;
  readonly toolCallMs?: number;
  readonly rssAfterImportMiB: number;
  readonly maxRssMiB: number;
  readonly ok: boolean;
  readonly error?: string;
  /** sha256 of the `tools/list` result (sent after the timed steps): variants must agree. */
  readonly toolsListHash?: string;
}

const bootMs = performance.now();
const plan = JSON.parse(process.argv[2] ?? '{}') as ColdStartPlan;
// The Lambda Node runtime defines the `awslambda` global (response streaming) before it loads
// the handler module; the entry point reads it at import.
(globalThis as { awslambda?: unknown }).awslambda = {
  streamifyResponse: <T>(handler: T): T => handler,
  HttpResponseStream: { from: <T>(stream: T): T => stream },
};
// Events and contexts are built before the clock starts: they are not the handler's work.
const initEvent = mcpEvent(initializeBody());
const callEvent = plan.tool ? mcpEvent(toolCallBody(plan.tool.name, plan.tool.args)) : undefined;
const listEvent = mcpEvent(toolsListBody());
const context = () => lambdaContext(60_000);

try {
  const t0 = performance.now();
  const module = (await import(pathToFileURL(plan.bundle).href)) as {
    handler?: FunctionUrlHandler;
  };
  const t1 = performance.now();
  const rssAfterImportMiB = process.memoryUsage().rss / 1048576;
  if (plan.importOnly || !module.handler) {
    finish({ bootMs, importMs: t1 - t0, rssAfterImportMiB, maxRssMiB: maxRssMiB(), ok: true });
  } else {
    const handler = module.handler;
    const initContext = context();
    const callContext = context();
    const t2 = performance.now();
    const init = await handler(initEvent, initContext);
    const t3 = performance.now();
    const call = callEvent ? await handler(callEvent, callContext) : undefined;
    const t4 = performance.now();
    const list = await handler(listEvent, context());
    const steps: Array<[string, RpcOutcome]> = [
      ['initialize', resultOutcome(init)],
      ...(call ? [['tools/call', resultOutcome(call)] as [string, RpcOutcome]] : []),
      ['tools/list', resultOutcome(list)],
    ];
    const failures = steps
      .filter(([, outcome]) => !outcome.ok)
      .map(([step, outcome]) => `${step}: ${outcome.reason}`);
    const tools = steps.at(-1)?.[1].result?.tools;
    const result: ColdStartResult = {
      bootMs,
      importMs: t1 - t0,
      initializeMs: t3 - t2,
      ...(call ? { toolCallMs: t4 - t3 } : {}),
      rssAfterImportMiB,
      maxRssMiB: maxRssMiB(),
      ok: failures.length === 0,
      ...(failures.length > 0 ? { error: failures.join('; ') } : {}),
      ...(tools
        ? {
            toolsListHash: createHash('sha256')
              .update(JSON.stringify(tools))
              .digest('hex')
              .slice(0, 16),
          }
        : {}),
    };
    finish(result);
  }
} catch (err) {
  finish({
    bootMs,
    importMs: Number.NaN,
    rssAfterImportMiB: 0,
    maxRssMiB: maxRssMiB(),
    ok: false,
    error: (err as Error).stack ?? String(err),
  });
}
