/**
 * Child process of the warm-overhead benchmark, run with plain `node --expose-gc`: times the
 * handler alone (`await handler(event, context)`) for each request, our bundles against the bare
 * SDK server, interleaved in blocks so both see the same machine noise.
 *
 * argv[2]: JSON `WarmPlan`.
 */

import { pathToFileURL } from 'node:url';
import type { LambdaFunctionURLEvent } from 'aws-lambda';
import type { FunctionUrlResult } from '../../lambda/http/function-url.js';
import { TOOL_NAMES } from '../../lambda/mcp/tools/index.js';
import type { FunctionUrlHandler } from '../../local/function-url-event.js';
import { lambdaContext } from '../../local/function-url-event.js';
import type * as BareSdk from '../entries/bare-sdk.js';
import type * as WarmApp from '../entries/warm-app.js';
import {
  INSTANT_AGENT_ID,
  INSTANT_MY_DOMAIN,
  type InstantCounters,
  instantSalesforce,
} from '../lib/instant-salesforce.js';
import {
  initializeBody,
  mcpEvent,
  resultOutcome,
  toolCallBody,
  toolsListBody,
} from '../lib/mcp-requests.js';
import { type Summary, summarize } from '../lib/stats.js';
import { countLogBytes, finish, maxRssMiB } from './protocol.js';

export interface WarmPlan {
  readonly handlers: ReadonlyArray<{
    readonly id: string;
    readonly kind: 'ours' | 'bare';
    readonly bundle: string;
  }>;
  /** Timed requests per handler and scenario. */
  readonly iterations: number;
  readonly warmup: number;
  /** Requests in a row per handler before switching to the next. */
  readonly block: number;
}

export interface WarmResult {
  readonly scenarios: ReadonlyArray<{
    readonly id: string;
    /** What each handler does in this scenario. */
    readonly requests: Readonly<Record<string, string>>;
    readonly summaries: Readonly<Record<string, Summary>>;
    /** Log bytes (stdout: log lines and EMF metrics) per timed request, per handler. */
    readonly logBytesPerRequest: Readonly<Record<string, number>>;
  }>;
  readonly failures: readonly string[];
  /** Stand-in requests during the timed loops, per handler (token must stay 0). */
  readonly upstreamDuringLoops: Readonly<Record<string, InstantCounters>>;
  readonly maxRssMiB: number;
}

interface Subject {
  readonly id: string;
  readonly kind: 'ours' | 'bare';
  readonly handler: FunctionUrlHandler;
  readonly counters?: InstantCounters;
}

const EMAILS = Array.from({ length: 8 }, (_, i) => `warm-${i}@example.com`);
const MESSAGE = 'Where is my order 00001234?';

const plan = JSON.parse(process.argv[2] ?? '{}') as WarmPlan;
const logBytes = countLogBytes();
const failures: string[] = [];
const gc = (globalThis as { gc?: () => void }).gc;

async function load(entry: WarmPlan['handlers'][number]): Promise<Subject> {
  const url = pathToFileURL(entry.bundle).href;
  const salesforce = instantSalesforce();
  if (entry.kind === 'bare') {
    // The same stand-ins as ours: the instant Salesforce and an in-memory table.
    const items = new Map<string, Record<string, unknown>>();
    const bare = (await import(url)) as typeof BareSdk;
    const handler = bare.createBareHandler({
      fetch: salesforce.fetch,
      myDomainUrl: INSTANT_MY_DOMAIN,
      agentId: INSTANT_AGENT_ID,
      readClientCredentials: async () => ({
        clientId: 'bench-client',
        clientSecret: 'bench-secret',
      }),
      writeItem: async (key, attributes) => {
        items.set(key, { ...items.get(key), ...attributes });
      },
    }) as unknown as FunctionUrlHandler;
    for (const email of EMAILS)
      await handler(
        mcpEvent(toolCallBody('converse', { client_email: email, message: MESSAGE })),
        lambdaContext(60_000)
      );
    return { id: entry.id, kind: 'bare', handler, counters: salesforce.counters };
  }
  const app = (await import(url)) as typeof WarmApp;
  const store = new app.MemorySessionStore();
  const config = app.loadConfig({
    TABLE_NAME: 'bench-warm',
    SALESFORCE_SERVER_URL: INSTANT_MY_DOMAIN,
    SALESFORCE_AGENT_ID: INSTANT_AGENT_ID,
    SALESFORCE_CLIENT_ID: 'bench-client',
    SALESFORCE_CLIENT_SECRET: 'bench-secret',
    AUTH_MODE: 'none',
  });
  const deps = app.createDependencies(config, { store, fetch: salesforce.fetch });
  const handler = app.createHandler(app.createApp(deps)) as unknown as FunctionUrlHandler;
  for (const email of EMAILS) {
    const result = await handler(
      mcpEvent(toolCallBody('create-agent-session', { client_email: email })),
      lambdaContext(60_000)
    );
    const outcome = resultOutcome(result);
    if (!outcome.ok) failures.push(`${entry.id} setup: ${outcome.reason}`);
  }
  return {
    id: entry.id,
    kind: 'ours',
    handler,
    counters: salesforce.counters,
  };
}

/** One scenario: which request each kind of handler gets. */
interface Scenario {
  readonly id: string;
  readonly ours: { label: string; body: (i: number) => string };
  readonly bare: { label: string; body: (i: number) => string };
}

const SCENARIOS: readonly Scenario[] = [
  {
    id: 'initialize',
    ours: { label: 'initialize', body: () => initializeBody() },
    bare: { label: 'initialize', body: () => initializeBody() },
  },
  {
    id: 'tools/list',
    ours: { label: `tools/list (${TOOL_NAMES.length} tools)`, body: () => toolsListBody() },
    bare: { label: 'tools/list (1 tool, not cached)', body: () => toolsListBody() },
  },
  {
    id: 'tools/call',
    ours: {
      label: 'send-message-to-agent (instant Salesforce, memory store)',
      body: (i) =>
        toolCallBody('send-message-to-agent', {
          client_email: EMAILS[i % EMAILS.length],
          message: MESSAGE,
        }),
    },
    bare: {
      label: 'converse (same stand-ins: instant Salesforce, in-memory table)',
      body: (i) =>
        toolCallBody('converse', { client_email: EMAILS[i % EMAILS.length], message: MESSAGE }),
    },
  },
];

function check(subject: Subject, scenario: string, result: FunctionUrlResult, i: number): void {
  // Status on every request; the body (parsing costs) on a sample, outside the timed region.
  if (result.statusCode !== 200 || i % 97 === 0) {
    const outcome = resultOutcome(result);
    if (!outcome.ok && failures.length < 20) {
      failures.push(`${subject.id} ${scenario}: ${outcome.reason}`);
    }
  }
}

async function timeOne(
  subject: Subject,
  scenario: Scenario,
  i: number,
  samples: number[] | undefined
): Promise<void> {
  const body = (subject.kind === 'ours' ? scenario.ours : scenario.bare).body(i);
  const event: LambdaFunctionURLEvent = mcpEvent(body);
  const context = lambdaContext(60_000);
  const started = performance.now();
  const result = await subject.handler(event, context);
  const elapsed = performance.now() - started;
  samples?.push(elapsed);
  check(subject, scenario.id, result, i);
}

const subjects: Subject[] = [];
for (const entry of plan.handlers) subjects.push(await load(entry));

const scenarios: WarmResult['scenarios'][number][] = [];
const upstreamBefore = new Map(subjects.map((s) => [s.id, { ...(s.counters ?? {}) }]));
const upstreamDuringLoops: Record<string, InstantCounters> = {};

for (const scenario of SCENARIOS) {
  gc?.();
  for (const subject of subjects) {
    for (let i = 0; i < plan.warmup; i++) await timeOne(subject, scenario, i, undefined);
  }
  const samples = new Map<string, number[]>(subjects.map((s) => [s.id, []]));
  const logged = new Map<string, number>(subjects.map((s) => [s.id, 0]));
  const rounds = Math.ceil(plan.iterations / plan.block);
  for (let round = 0; round < rounds; round++) {
    // Rotate who goes first so neither side always follows the other's garbage.
    for (let k = 0; k < subjects.length; k++) {
      const subject = subjects[(round + k) % subjects.length] as Subject;
      const before = logBytes.total;
      for (let j = 0; j < plan.block; j++) {
        await timeOne(subject, scenario, round * plan.block + j, samples.get(subject.id));
      }
      logged.set(subject.id, (logged.get(subject.id) ?? 0) + logBytes.total - before);
    }
  }
  scenarios.push({
    id: scenario.id,
    requests: Object.fromEntries(
      subjects.map((s) => [s.id, (s.kind === 'ours' ? scenario.ours : scenario.bare).label])
    ),
    summaries: Object.fromEntries(
      subjects.map((s) => [s.id, summarize(samples.get(s.id) as number[])])
    ),
    logBytesPerRequest: Object.fromEntries(
      subjects.map((s) => [s.id, (logged.get(s.id) ?? 0) / (rounds * plan.block)])
    ),
  });
}

for (const subject of subjects) {
  if (!subject.counters) continue;
  const before = upstreamBefore.get(subject.id) as Partial<InstantCounters>;
  upstreamDuringLoops[subject.id] = {
    token: subject.counters.token - (before.token ?? 0),
    start: subject.counters.start - (before.start ?? 0),
    message: subject.counters.message - (before.message ?? 0),
    end: subject.counters.end - (before.end ?? 0),
    other: subject.counters.other - (before.other ?? 0),
  };
}

const result: WarmResult = {
  scenarios,
  failures,
  upstreamDuringLoops,
  maxRssMiB: maxRssMiB(),
};
finish(result);
