/**
 * Child process of the per-turn section, run with plain `node` and Lambda's heap flags: imports a
 * bundle, then sends it conversation turns (the first one cold, then `count` warm ones for the
 * same client) against the real stand-ins, or `count` requests with no bearer token. Reports
 * this process's CPU and log bytes per request: what a warm turn, or a 401, costs in CPU.
 *
 * argv[2]: JSON `TurnsPlan`.
 */
import { pathToFileURL } from 'node:url';
import type { FunctionUrlHandler } from '../../local/function-url-event.js';
import { lambdaContext } from '../../local/function-url-event.js';
import { mcpEvent, resultOutcome, toolCallBody, toolsListBody } from '../lib/mcp-requests.js';
import { median } from '../lib/stats.js';
import { countLogBytes, finish, maxRssMiB } from './protocol.js';

export interface TurnsPlan {
  readonly bundle: string;
  /** `turns`: a conversation; `unauthenticated`: tools/list without a token (expects 401). */
  readonly mode: 'turns' | 'unauthenticated';
  /** Tool that sends a message: `complete-agentforce-conversation` (ours) or `converse` (bare). */
  readonly tool: string;
  readonly count: number;
}

export interface TurnsResult {
  readonly cpuMsPerRequest: number;
  readonly wallMsPerRequest: number;
  readonly logBytesPerRequest: number;
  readonly maxRssMiB: number;
  readonly failures: readonly string[];
}

const plan = JSON.parse(process.argv[2] ?? '{}') as TurnsPlan;
const logBytes = countLogBytes();
const failures: string[] = [];
const { handler } = (await import(pathToFileURL(plan.bundle).href)) as {
  handler: FunctionUrlHandler;
};
const email = `turns-${process.pid}-${Date.now()}@example.com`;
const body = () =>
  plan.mode === 'turns'
    ? toolCallBody(plan.tool, { client_email: email, message: 'Where is my order?' })
    : toolsListBody();
const send = async () => {
  const result = await handler(mcpEvent(body()), lambdaContext(60_000));
  const outcome =
    plan.mode === 'turns'
      ? resultOutcome(result)
      : { ok: result.statusCode === 401, reason: `HTTP ${result.statusCode}, not 401` };
  if (!outcome.ok && failures.length < 5) failures.push(outcome.reason ?? 'failed');
};

await send(); // the cold one: not counted
const cpu: number[] = [];
const wall: number[] = [];
const bytesBefore = logBytes.total;
for (let i = 0; i < plan.count; i++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await send();
  wall.push(performance.now() - t0);
  const used = process.cpuUsage(c0);
  cpu.push((used.user + used.system) / 1000);
}
finish({
  cpuMsPerRequest: median(cpu),
  wallMsPerRequest: median(wall),
  logBytesPerRequest: (logBytes.total - bytesBefore) / plan.count,
  maxRssMiB: maxRssMiB(),
  failures,
} satisfies TurnsResult);
