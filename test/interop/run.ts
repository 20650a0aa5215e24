/**
 * `npm run test:interop`: proves that real, independent MCP clients work with the server.
 *
 * 1. Starts `local/server.ts` three times on free ports (simulator latency 0): A without inbound
 *    auth, B with `AUTH_MODE=jwt` against a local OAuth server set up the way Agentforce needs it,
 *    and C, the same app and edge with the conformance suite's fixture tools added
 *    (conformance-fixture-server.ts; test-only).
 * 2. C: the official conformance suite: every 2025-era server scenario (0.1.16, with
 *    conformance-baseline.yml) and the 2026-07-28 requirement set (0.2.0-alpha.12, with
 *    conformance-baseline-2026-07-28.yml).
 * 3. A: the MCP Inspector CLI lists the tools and calls each one in a conversation's order, in the
 *    legacy, `auto` and `modern` protocol eras; the SDK v2 client holds a conversation in its
 *    `auto`, pinned-2026-07-28 and legacy modes; so do four pinned third-party clients (AI SDK,
 *    OpenAI Agents, LangChain, mcp-use); Claude Code's and Gemini CLI's `mcp list` health checks
 *    (health-checks.ts) must report it connected.
 * 4. B: the same Inspector calls with a client-credentials bearer token, and three refusals
 *    (no header, a client not on the allowlist, a token without the scope).
 * 5. B: Claude Desktop's stdio bridge `mcp-remote`, configured as in the README (a static header,
 *    and client credentials with renewal), driven by the MCP SDK client over stdio.
 * 6. A and B: the Inspector's web UI in headless Chromium (browser-phase.ts), as a user clicks
 *    through it; B's entry carries the bearer token as a custom header.
 * 7. Stops everything it started (also on failure, timeout or Ctrl+C), prints one table, and
 *    exits 1 if any row failed.
 *
 * Needs the npm registry the first time (npx fetches the pinned tools and Node 22).
 * `INTEROP_RESULTS_DIR` keeps the results (conformance checks, server logs) in a known place.
 */
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMCPClient } from '@ai-sdk/mcp';
import type { ToolMessage } from '@langchain/core/messages';
import { MultiServerMCPClient } from '@langchain/mcp-adapters';
import {
  Client as V2Client,
  StreamableHTTPClientTransport as V2Transport,
} from '@modelcontextprotocol/client';
import { AjvJsonSchemaValidator as V2Ajv } from '@modelcontextprotocol/client/validators/ajv';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { MCPServerStreamableHttp } from '@openai/agents-core';
import { TOOL_NAMES } from '../../lambda/mcp/tools/index.js';
import { freePort } from '../../local/dynamodb-local.js';
import { agentforceProblems, type WireTool } from './agentforce-rules.js';
import { runBrowserChecks } from './browser-phase.js';
import { MODERN_CONFORMANCE_PACKAGE, REQUIRED_SCENARIOS, runConformance } from './conformance.js';
import { runHealthChecks } from './health-checks.js';
import {
  INSPECTOR_EXIT,
  INSPECTOR_PACKAGE,
  type InspectorRun,
  type InspectorWeb,
  inspectorEnv,
  runInspector,
  startInspectorWeb,
} from './inspector.js';
import { startAgentforceLikeIssuer, throwawayClient } from './oauth-server.js';
import {
  killAllStarted,
  type LocalServer,
  REPO_ROOT,
  runCommand,
  startLocalServer,
} from './processes.js';
import type { Row } from './row.js';
import { ProcessGroupStdioTransport } from './stdio-client.js';

/**
 * The budget is ~4 minutes on two cores (a cold npm cache adds about a minute: mcp-use alone is
 * 568 MB), including the web UI in Chromium, three Inspector eras, both conformance runs, the
 * third-party clients and the CLI health checks; past this the run is failed and torn down.
 */
const RUN_TIMEOUT_MS = 600_000;
const SCOPE = 'mcp.invoke';
/**
 * `${NAME}` exactly as written in a claude_desktop_config.json arg: mcp-remote expands it from its
 * environment, so the secret stays out of the process arguments.
 */
const envPlaceholder = (name: string) => `$\{${name}}`;
/** Installed at run time (568 MB: too large for a devDependency); pinned exactly. */
const MCP_USE_PACKAGE = 'mcp-use@1.34.6';
/** Claude Desktop reaches remote servers through this stdio bridge; pinned exactly. */
const MCP_REMOTE_PACKAGE = 'mcp-remote@0.15.1';
/** Server C: the same app and edge with the conformance suite's fixture tools (test-only). */
const FIXTURE_SERVER_ENTRY = join('test', 'interop', 'conformance-fixture-server.ts');
const BASELINE = join(REPO_ROOT, 'test', 'interop', 'conformance-baseline.yml');
const MODERN_BASELINE = join(REPO_ROOT, 'test', 'interop', 'conformance-baseline-2026-07-28.yml');
/** 2026-07-28 scenarios that must pass whatever the baseline says. */
const MODERN_REQUIRED = [
  'tools-list',
  'dns-rebinding-protection',
  'http-header-validation',
  'server-stateless',
  'tools-call-with-progress',
  'input-required-result-multi-round',
];

type V2Mode = 'auto' | 'legacy' | { pin: string };

const rows: Row[] = [];
const record = (row: Row) => {
  rows.push(row);
  const mark = row.ok ? 'ok  ' : 'FAIL';
  process.stdout.write(
    `  ${mark} ${row.phase}: ${row.check}${row.detail ? ` (${row.detail})` : ''}\n`
  );
};

/** Variables that would point a child at a real org, a real table or another auth setup. */
const FOREIGN_ENV =
  /^(SALESFORCE_|AUTH_|COGNITO_|ALLOWED_|AWS_ENDPOINT_URL|USE_AWS_DYNAMODB|TABLE_NAME|TOOL_DEADLINE_MS|LEASE_WAIT_MS|SIMULATOR_)/;

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !FOREIGN_ENV.test(name))
  );
}

/** Structured results so far, by tool: a later call may take an argument from an earlier one. */
type Earlier = Readonly<Record<string, Record<string, unknown> | undefined>>;

/** The feedback_id of the first message of the last send-message-to-agent result. */
function firstFeedbackId(earlier: Earlier): string {
  const messages = earlier['send-message-to-agent']?.messages as
    | { feedback_id?: string }[]
    | undefined;
  return messages?.[0]?.feedback_id ?? '';
}

/** The call sequence of a conversation, in the order a client would make it. */
function conversation(clientEmail: string, earlier: Earlier = {}) {
  return [
    { tool: 'authenticate', args: { client_email: clientEmail } },
    { tool: 'create-agent-session', args: { client_email: clientEmail } },
    {
      tool: 'send-message-to-agent',
      args: { client_email: clientEmail, message: 'What are your opening hours?' },
    },
    { tool: 'get-session-status', args: { client_email: clientEmail } },
    {
      tool: 'submit-agent-feedback',
      args: { client_email: clientEmail, feedback_id: firstFeedbackId(earlier), rating: 'GOOD' },
    },
    {
      tool: 'complete-agentforce-conversation',
      args: { client_email: clientEmail, message: 'Thank you, that answers my question.' },
    },
    { tool: 'end-agent-session', args: { client_email: clientEmail } },
  ] as const;
}

// A tool added to the registry must be given its place in the conversation above.
const conversationTools = conversation('x@example.com').map(({ tool }) => tool as string);
if (conversationTools.sort().join() !== [...TOOL_NAMES].sort().join()) {
  throw new Error('test/interop/run.ts: conversation() must call every registered tool');
}

/** When this run started: every sequence id it sees is an epoch-ms id taken after it (issue 14). */
const RUN_STARTED_AT = Date.now();

/** A field that is checked against earlier results rather than a fixed value. */
interface Check {
  readonly want: string;
  readonly test: (value: unknown, earlier: Earlier) => boolean;
}
const check = (want: string, test: Check['test']): Check => ({ want, test });
const sentId = (earlier: Earlier) => earlier['send-message-to-agent']?.sequence_id;

/** Sequence ids as Salesforce's own clients send them: epoch ms of this run, strictly increasing. */
function increasingFromNow(ids: readonly unknown[]): boolean {
  return ids.every(
    (id, i) =>
      typeof id === 'number' && id >= RUN_STARTED_AT && (i === 0 || id > (ids[i - 1] as number))
  );
}

/** What a successful call's structured content must show, beyond matching the schema. */
const EXPECTED_CONTENT: Readonly<Record<string, Record<string, unknown>>> = {
  authenticate: { authenticated: true },
  'create-agent-session': {},
  'send-message-to-agent': {
    sequence_id: check('an epoch-ms id of this run', (id) => increasingFromNow([id])),
  },
  // A new Inspector process, a new MCP connection: the state must come from DynamoDB.
  'get-session-status': {
    has_session: true,
    last_sequence_id: check('the id send-message-to-agent sent', (id, e) => id === sentId(e)),
  },
  'submit-agent-feedback': { submitted: true },
  'complete-agentforce-conversation': {
    session_created: false,
    sequence_id: check('above the id send-message-to-agent sent', (id, e) =>
      increasingFromNow([sentId(e), id])
    ),
  },
  'end-agent-session': { ended: true },
};

function meets(expected: unknown, value: unknown, earlier: Earlier): boolean {
  const isCheck = typeof expected === 'object' && expected !== null && 'test' in expected;
  return isCheck ? (expected as Check).test(value, earlier) : value === expected;
}

function wanted(expected: unknown): string {
  const isCheck = typeof expected === 'object' && expected !== null && 'want' in expected;
  return isCheck ? (expected as Check).want : JSON.stringify(expected);
}

function short(text: string | undefined, max = 160): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

function failureDetail(run: InspectorRun): string {
  if (run.command.timedOut) return 'timed out';
  if (run.error?.message) return `exit ${run.command.code}: ${short(run.error.message)}`;
  return `exit ${run.command.code}: ${short(run.command.stderr.split('\n').slice(-3).join(' '))}`;
}

/** tools/list through the Inspector: exit 0, every registered tool, no Agentforce or portability problem. */
async function inspectorList(
  phase: string,
  url: string,
  headers: string[],
  base: Base,
  protocolEra?: Era
) {
  const run = await runInspector({
    url,
    method: 'tools/list',
    strict: true,
    headers,
    ...(protocolEra ? { protocolEra } : {}),
    ...base,
  });
  const tools = (run.result?.tools ?? []) as WireTool[];
  const problems = agentforceProblems(tools);
  const ok =
    run.command.code === INSPECTOR_EXIT.ok &&
    tools.length === TOOL_NAMES.length &&
    problems.length === 0;
  record({
    phase,
    check: `Inspector tools/list --strict (${TOOL_NAMES.length} tools, Agentforce rules)`,
    ok,
    ms: run.command.ms,
    detail: ok
      ? tools.map((tool) => tool.name).join(', ')
      : run.command.code !== 0
        ? failureDetail(run)
        : short(problems.join('; ') || `${tools.length} tools`),
  });
  return tools;
}

/** Every tool through the Inspector, in conversation order, checking each structured result. */
async function inspectorCalls(
  phase: string,
  url: string,
  headers: string[],
  tools: readonly WireTool[],
  base: Base,
  protocolEra?: Era
) {
  const clientEmail = `inspector-${phase.replace(/\W+/g, '-')}-${Date.now()}@example.com`;
  const earlier: Record<string, Record<string, unknown> | undefined> = {};
  const steps = conversation(clientEmail).length;
  for (let step = 0; step < steps; step++) {
    const { tool, args } = conversation(clientEmail, earlier)[step] as {
      tool: string;
      args: Record<string, string>;
    };
    const run = await runInspector({
      url,
      method: 'tools/call',
      toolName: tool,
      toolArgs: args,
      headers,
      ...(protocolEra ? { protocolEra } : {}),
      ...base,
    });
    const content = run.result?.structuredContent as Record<string, unknown> | undefined;
    const required =
      (tools.find((candidate) => candidate.name === tool)?.outputSchema as { required?: string[] })
        ?.required ?? [];
    const missing = required.filter((key) => content?.[key] === undefined);
    const wrong = Object.entries(EXPECTED_CONTENT[tool] ?? {}).filter(
      ([key, value]) => !meets(value, content?.[key], earlier)
    );
    const ok =
      run.command.code === INSPECTOR_EXIT.ok &&
      run.result?.isError !== true &&
      content !== undefined &&
      missing.length === 0 &&
      wrong.length === 0;
    let detail: string;
    if (run.command.code !== 0) detail = failureDetail(run);
    else if (content === undefined) detail = 'no structuredContent';
    else if (missing.length > 0) detail = `missing ${missing.join(', ')}`;
    else if (wrong.length > 0)
      detail = wrong
        .map(([key, value]) => `${key}=${JSON.stringify(content[key])}, want ${wanted(value)}`)
        .join('; ');
    else
      detail = Object.entries(EXPECTED_CONTENT[tool] ?? {})
        .map(([k]) => `${k}=${content[k]}`)
        .join(', ');
    earlier[tool] = content;
    record({ phase, check: `Inspector tools/call ${tool}`, ok, ms: run.command.ms, detail });
  }
}

type Era = 'legacy' | 'auto' | 'modern';

/**
 * The SDK v2 client (`@modelcontextprotocol/client`, pinned) over real HTTP in one negotiation
 * mode: the era it lands on, the HTTP exchanges it needed (a dual-era client must not pay a failed
 * probe), and a two-turn conversation whose structured results match the advertised output schema.
 */
async function sdkV2Conversation(phase: string, url: string, mode: V2Mode, expectedEra: Era) {
  const started = performance.now();
  const exchanges: { method: string; status: number }[] = [];
  const counting: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    exchanges.push({ method: init?.method ?? 'GET', status: response.status });
    return response;
  };
  const client = new V2Client(
    { name: 'interop-v2', version: '1.0.0' },
    { versionNegotiation: { mode } }
  );
  let ok = false;
  let detail: string;
  try {
    await client.connect(new V2Transport(new URL(url), { fetch: counting }));
    const era = client.getProtocolEra();
    const { tools } = await client.listTools();
    const schema = tools.find(
      (tool) => tool.name === 'complete-agentforce-conversation'
    )?.outputSchema;
    const check = new V2Ajv().getValidator(schema as Record<string, unknown>);
    const clientEmail = `sdk-v2-${JSON.stringify(mode).replace(/\W+/g, '')}-${Date.now()}@example.com`;
    const sequence: unknown[] = [];
    let valid = true;
    for (const message of ['Hello', 'And on Sundays?']) {
      const result = await client.callTool({
        name: 'complete-agentforce-conversation',
        arguments: { client_email: clientEmail, message },
      });
      valid &&= result.isError !== true && check(result.structuredContent).valid;
      sequence.push(
        (result.structuredContent as { sequence_id?: unknown } | undefined)?.sequence_id
      );
    }
    // Legacy clients may open the optional GET stream; a stateless server answers it 405.
    const failed = exchanges.filter(
      (e) => e.status >= 400 && !(e.method === 'GET' && e.status === 405)
    );
    ok =
      era === (expectedEra === 'auto' ? 'modern' : expectedEra) &&
      valid &&
      failed.length === 0 &&
      sequence.length === 2 &&
      increasingFromNow(sequence);
    detail = `era ${era} ${client.getNegotiatedProtocolVersion()}; ${exchanges.length} HTTP requests, ${failed.length} failed; sequence ${sequence.join(',')}; schema ${valid ? 'ok' : 'MISMATCH'}`;
  } catch (err) {
    detail = short(String(err), 200);
  } finally {
    await client.close().catch(() => undefined);
  }
  record({
    phase,
    check: `SDK v2 client versionNegotiation ${JSON.stringify(mode)}`,
    ok,
    ms: performance.now() - started,
    detail,
  });
}

type ThirdPartyResult = { structuredContent?: unknown; isError?: boolean };
type Exchange = { method: string; status: number; body: string };
type ListedTool = { name: string; outputSchema?: unknown };

/** What a third-party client adapter exposes for one conversation. */
interface ThirdPartyClient {
  listTools(): Promise<readonly ListedTool[]>;
  callTool(name: string, args: Record<string, unknown>): Promise<ThirdPartyResult>;
  close(): Promise<void>;
}

/** LangChain's MCP tools answer a tool call with a ToolMessage; structured content is an artifact. */
type LangChainArtifact = { type?: string; data?: unknown };

/**
 * Pinned third-party clients from issue 11, each a devDependency at an exact version. Those that
 * take no `fetch` option (`globalFetch`) are counted through the global fetch for the run.
 */
const THIRD_PARTY: ReadonlyArray<{
  readonly label: string;
  readonly globalFetch?: true;
  readonly connect: (url: string, fetch: typeof globalThis.fetch) => Promise<ThirdPartyClient>;
}> = [
  {
    label: 'Vercel AI SDK @ai-sdk/mcp 2.0.99',
    async connect(url, fetch) {
      const client = await createMCPClient({ transport: { type: 'http', url, fetch } });
      return {
        listTools: async () => (await client.listTools()).tools,
        callTool: async (name, args) =>
          (await client.callTool({ name, arguments: args })) as ThirdPartyResult,
        close: () => client.close(),
      };
    },
  },
  {
    label: 'OpenAI Agents @openai/agents-core 0.20.0 MCPServerStreamableHttp',
    async connect(url, fetch) {
      const server = new MCPServerStreamableHttp({ url, fetch, name: 'agentforce' });
      await server.connect();
      return {
        listTools: () => server.listTools(),
        callTool: async (name, args) =>
          (await server.callToolResult(name, args)) as ThirdPartyResult,
        close: () => server.close(),
      };
    },
  },
  {
    label: 'LangChain @langchain/mcp-adapters 1.1.4 MultiServerMCPClient (LangChain tools)',
    globalFetch: true,
    async connect(url) {
      const client = new MultiServerMCPClient({
        mcpServers: { agentforce: { transport: 'http', url, automaticSSEFallback: false } },
      });
      // The tools an agent is given: LangChain tools, called with a tool call as a model makes one.
      const tools = await client.getTools();
      const session = await client.getClient('agentforce');
      return {
        // LangChain tools carry no output schema; its MCP client lists the server's.
        listTools: async () => (await session?.listTools())?.tools ?? [],
        async callTool(name, args) {
          const tool = tools.find((candidate) => candidate.name === name);
          if (!tool) throw new Error(`LangChain offered no tool ${name}`);
          const message = (await tool.invoke({
            type: 'tool_call',
            id: `call-${Date.now()}`,
            name,
            args,
          })) as ToolMessage;
          const artifacts = (message.artifact ?? []) as LangChainArtifact[];
          return {
            structuredContent: artifacts.find((a) => a.type === 'mcp_structured_content')?.data,
            isError: message.status === 'error',
          };
        },
        close: () => client.close(),
      };
    },
  },
];

/** What one third-party conversation showed: the tools listed, each result, each HTTP exchange. */
interface ConversationLog {
  readonly tools: readonly ListedTool[];
  readonly results: readonly ThirdPartyResult[];
  readonly exchanges: readonly Exchange[];
}

const TWO_TURNS = ['Hello', 'And on Sundays?'] as const;
const thirdPartyEmail = () =>
  `third-party-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;

/**
 * Judges a two-turn conversation of complete-agentforce-conversation: no failed request (no
 * failed probe), each structured result valid against the advertised output schema, and the
 * sequence ids of this run, increasing.
 */
function judgeConversation(log: ConversationLog): { ok: boolean; detail: string } {
  const schema = log.tools.find(
    (tool) => tool.name === 'complete-agentforce-conversation'
  )?.outputSchema;
  const check = new V2Ajv().getValidator(schema as Record<string, unknown>);
  const valid =
    log.results.length === TWO_TURNS.length &&
    log.results.every((result) => result.isError !== true && check(result.structuredContent).valid);
  const sequence = log.results.map(
    (result) => (result.structuredContent as { sequence_id?: unknown } | undefined)?.sequence_id
  );
  const failed = log.exchanges.filter(
    (e) => e.status >= 400 && !(e.method === 'GET' && e.status === 405)
  );
  const era = log.exchanges.some((e) => e.body.includes('"server/discover"') && e.status === 200)
    ? 'modern'
    : 'legacy';
  const ok =
    valid && failed.length === 0 && log.exchanges.length > 0 && increasingFromNow(sequence);
  return {
    ok,
    detail: `era ${era}; ${log.exchanges.length} HTTP requests, ${failed.length} failed; sequence ${sequence.join(',')}; schema ${valid ? 'ok' : 'MISMATCH'}`,
  };
}

/** A third-party client in this process holds a two-turn conversation ({@link judgeConversation}). */
async function thirdPartyConversation(
  phase: string,
  url: string,
  entry: (typeof THIRD_PARTY)[number]
) {
  const started = performance.now();
  const exchanges: Exchange[] = [];
  const realFetch = globalThis.fetch;
  const counting: typeof fetch = async (input, init) => {
    const response = await realFetch(input, init);
    const body = typeof init?.body === 'string' ? init.body : '';
    exchanges.push({ method: init?.method ?? 'GET', status: response.status, body });
    return response;
  };
  if (entry.globalFetch) globalThis.fetch = counting;
  let verdict = { ok: false, detail: '' };
  let client: ThirdPartyClient | undefined;
  try {
    client = await entry.connect(url, counting);
    const tools = await client.listTools();
    const clientEmail = thirdPartyEmail();
    const results: ThirdPartyResult[] = [];
    for (const message of TWO_TURNS) {
      results.push(
        await client.callTool('complete-agentforce-conversation', {
          client_email: clientEmail,
          message,
        })
      );
    }
    verdict = judgeConversation({ tools, results, exchanges });
  } catch (err) {
    verdict.detail = short(String(err), 200);
  } finally {
    await client?.close().catch(() => undefined);
    globalThis.fetch = realFetch;
  }
  record({
    phase,
    check: entry.label,
    ms: performance.now() - started,
    ...verdict,
  });
}

/**
 * mcp-use (pinned): 568 MB installed, so it is installed at run time (into the system temp
 * directory, kept between runs: a repeat install is a no-op) rather than kept as a devDependency,
 * and holds the same conversation in a child process (mcp-use-conversation.mjs), telemetry off.
 */
async function mcpUseConversation(phase: string, url: string, base: Base) {
  const started = performance.now();
  const prefix = join(tmpdir(), 'agentforce-mcp-interop-tools', MCP_USE_PACKAGE);
  let verdict = { ok: false, detail: '' };
  const install = await runCommand(
    'npm',
    ['install', '--no-audit', '--no-fund', '--no-save', '--prefix', prefix, MCP_USE_PACKAGE],
    { cwd: base.cwd, env: base.env, timeoutMs: 240_000 }
  );
  if (install.code !== 0) {
    verdict.detail = `npm install ${MCP_USE_PACKAGE}: exit ${install.code} ${short(install.stderr.split('\n').slice(-3).join(' '))}`;
  } else {
    const script = join(prefix, 'conversation.mjs');
    copyFileSync(join(REPO_ROOT, 'test', 'interop', 'mcp-use-conversation.mjs'), script);
    const run = await runCommand(process.execPath, [script, url, thirdPartyEmail()], {
      cwd: prefix,
      env: { ...base.env, MCP_USE_ANONYMIZED_TELEMETRY: 'false' },
      timeoutMs: 60_000,
    });
    try {
      const log = JSON.parse(run.stdout.trim().split('\n').at(-1) ?? '') as ConversationLog & {
        error?: string;
      };
      verdict = log.error ? { ok: false, detail: short(log.error, 200) } : judgeConversation(log);
    } catch {
      verdict.detail = `exit ${run.code}: ${short(run.stderr.split('\n').slice(-3).join(' '))}`;
    }
  }
  record({
    phase,
    check: `mcp-use ${MCP_USE_PACKAGE.split('@')[1]} MCPClient (installed at run time)`,
    ms: performance.now() - started,
    ...verdict,
  });
}

/** How a refusal must look, on the wire and in the Inspector. */
interface Refusal {
  readonly status: 401 | 403;
  /** Must appear in the `WWW-Authenticate` challenge. */
  readonly challenge: RegExp;
  /** The Inspector's exit code and the text of its error envelope. */
  readonly exit: number;
  readonly message: RegExp;
}

const UNAUTHORIZED: Refusal = {
  status: 401,
  challenge: /^Bearer .*resource_metadata="[^"]+"/,
  exit: INSPECTOR_EXIT.authRequired,
  message: /./,
};
const INSUFFICIENT_SCOPE: Refusal = {
  status: 403,
  challenge: /error="insufficient_scope"/,
  // The CLI treats a 403 scope challenge as a step-up it may not run (--stored-auth-only).
  exit: INSPECTOR_EXIT.other,
  message: /insufficient scope/i,
};

/**
 * A refused request, seen twice: a raw initialize POST (the HTTP status and challenge, which the
 * Inspector does not print) and the Inspector's tools/list (its exit code and error envelope).
 */
async function refused(
  phase: string,
  check: string,
  url: string,
  authorization: string | undefined,
  expected: Refusal,
  base: Base
) {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      ...(authorization ? { authorization } : {}),
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 0,
      method: 'initialize',
      params: {
        protocolVersion: '2025-06-18',
        capabilities: {},
        clientInfo: { name: 'interop', version: '1' },
      },
    }),
  });
  await response.body?.cancel();
  const challenge = response.headers.get('www-authenticate') ?? '';
  const run = await runInspector({
    url,
    method: 'tools/list',
    headers: authorization ? [`Authorization: ${authorization}`] : [],
    ...base,
  });
  const message = run.error?.message ?? '';
  const ok =
    response.status === expected.status &&
    expected.challenge.test(challenge) &&
    run.command.code === expected.exit &&
    expected.message.test(message);
  record({
    phase,
    check,
    ok,
    ms: run.command.ms,
    detail: `HTTP ${response.status}${expected.challenge.test(challenge) ? '' : ` (challenge: ${short(challenge, 80)})`}; Inspector exit ${run.command.code} ${run.error?.code ?? ''}: ${short(message, 70)}`,
  });
}

/**
 * What an OAuth-aware client does on a 401: follow the challenge's `resource_metadata` URL and
 * read the protected-resource metadata, whose `resource` must be the URL it called.
 */
async function resourceMetadata(phase: string, url: string) {
  const started = performance.now();
  let ok = false;
  let detail: string;
  try {
    const refusal = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'tools/list' }),
    });
    await refusal.body?.cancel();
    const challenge = refusal.headers.get('www-authenticate') ?? '';
    const metadataUrl = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
    if (!metadataUrl) {
      detail = `HTTP ${refusal.status}, no resource_metadata in ${short(challenge, 80)}`;
    } else {
      // A fetch that fails (an https:// URL for a plain-HTTP server) throws into the catch below.
      const metadata = await fetch(metadataUrl);
      const body = (await metadata.json().catch(() => ({}))) as { resource?: string };
      ok = metadata.status === 200 && body.resource === url;
      detail = `${metadataUrl} -> HTTP ${metadata.status}, resource ${body.resource ?? '(none)'}`;
    }
  } catch (err) {
    detail = short(`${String(err)} ${String((err as Error).cause ?? '')}`, 160);
  }
  record({
    phase,
    check: "401 challenge's resource_metadata URL serves this URL's metadata",
    ok,
    ms: performance.now() - started,
    detail,
  });
}

interface Base {
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** Where client tools keep state (Inspector catalog, mcp-remote tokens): never the user's home. */
  readonly stateDir: string;
}

/**
 * Claude Desktop's way to a remote server: `npx -y mcp-remote URL …` as a stdio server, here
 * driven by the MCP SDK's `Client` exactly as Claude Desktop drives it (initialize, tools/list,
 * tools/call). `bridgeArgs`/`bridgeEnv` are the `args`/`env` of a claude_desktop_config.json entry.
 */
async function mcpRemote(
  phase: string,
  check: string,
  url: string,
  bridgeArgs: readonly string[],
  bridgeEnv: Record<string, string>,
  base: Base
) {
  const started = performance.now();
  const transport = new ProcessGroupStdioTransport(
    'npx',
    ['-y', MCP_REMOTE_PACKAGE, url, '--transport', 'http-only', ...bridgeArgs],
    {
      cwd: base.cwd,
      env: { ...base.env, MCP_REMOTE_CONFIG_DIR: join(base.stateDir, 'mcp-auth'), ...bridgeEnv },
    }
  );
  const client = new Client({ name: 'claude-desktop-stand-in', version: '1.0.0' });
  let ok = false;
  let detail: string;
  try {
    // The first run downloads mcp-remote; the SDK's default 60 s may be short on a cold cache.
    await client.connect(transport, { timeout: 120_000 });
    const { tools } = await client.listTools();
    const result = (await client.callTool({
      name: 'complete-agentforce-conversation',
      arguments: { client_email: `mcp-remote-${Date.now()}@example.com`, message: 'Hello' },
    })) as CallToolResult;
    const content = result.structuredContent as { session_created?: boolean } | undefined;
    ok =
      tools.length === TOOL_NAMES.length &&
      result.isError !== true &&
      content?.session_created === true;
    detail = `${tools.length} tools; complete-agentforce-conversation ${
      result.isError
        ? `isError: ${short(JSON.stringify(result.content), 80)}`
        : 'session_created=true'
    }`;
  } catch (err) {
    detail = `${short(String(err), 120)} | ${short(transport.stderr.split('\n').slice(-4).join(' '), 160)}`;
  } finally {
    await client.close().catch(() => undefined);
    await transport.close();
  }
  record({ phase, check, ok, ms: performance.now() - started, detail });
}

/** The 2025-era suite (0.1.16, `--suite all`) or the 2026-07-28 requirement set (0.2 alpha). */
const CONFORMANCE_RUNS = [
  {
    phase: 'conformance',
    dir: 'conformance',
    baselinePath: BASELINE,
    required: REQUIRED_SCENARIOS,
  },
  {
    phase: 'conformance 2026-07-28',
    dir: 'conformance-2026-07-28',
    baselinePath: MODERN_BASELINE,
    required: MODERN_REQUIRED,
    suite: {
      pkg: MODERN_CONFORMANCE_PACKAGE,
      select: ['--requirements', '2026-07-28'],
    },
  },
] as const;

async function conformancePhase(
  url: string,
  outDir: string,
  base: Base,
  which: (typeof CONFORMANCE_RUNS)[number]
) {
  const { phase, required } = which;
  const resultsDir = join(outDir, which.dir);
  const run = await runConformance({
    url,
    baselinePath: which.baselinePath,
    outDir: resultsDir,
    ...('suite' in which ? { suite: which.suite } : {}),
    ...base,
  });
  for (const outcome of run.outcomes) {
    record({
      phase,
      check: outcome.scenario,
      ok: outcome.verdict === 'pass' || outcome.verdict === 'expected-failure',
      result: outcome.verdict,
      detail:
        outcome.verdict === 'expected-failure' ? 'baselined' : short(outcome.note) || undefined,
    });
  }
  const ran = new Set(run.outcomes.map((outcome) => outcome.scenario));
  for (const scenario of required) {
    const outcome = run.outcomes.find((candidate) => candidate.scenario === scenario);
    if (outcome?.verdict !== 'pass') {
      record({
        phase,
        check: `required: ${scenario}`,
        ok: false,
        detail: outcome ? outcome.verdict : 'did not run',
      });
    }
  }
  for (const entry of run.baseline.filter((name) => !ran.has(name.split(':')[0] ?? name))) {
    record({
      phase,
      check: `baseline entry ${entry}`,
      ok: false,
      detail: 'matched no scenario (typo?)',
    });
  }
  const counts = (verdict: string) => run.outcomes.filter((o) => o.verdict === verdict).length;
  record({
    phase,
    check: 'conformance CLI exit code (baseline check)',
    ok: run.command.code === 0,
    ms: run.command.ms,
    detail: `exit ${run.command.code}; ${run.outcomes.length} scenarios: ${counts('pass')} pass, ${counts('expected-failure')} baselined, ${counts('UNEXPECTED-FAILURE')} unexpected, ${counts('STALE-BASELINE')} stale`,
  });
}

function printTable(totalMs: number, outDir: string) {
  const header = ['Phase', 'Check', 'Result', 'Time', 'Detail'];
  const body = rows.map((row) => [
    row.phase,
    row.check,
    row.result ?? (row.ok ? 'pass' : 'FAIL'),
    row.ms === undefined ? '' : `${(row.ms / 1000).toFixed(1)} s`,
    short(row.detail, 100),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length))
  );
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  const failed = rows.filter((row) => !row.ok).length;
  process.stdout.write(
    [
      '',
      line(header),
      `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
      ...body.map(line),
      '',
      `${rows.length - failed} of ${rows.length} checks passed, ${failed} failed, in ${(totalMs / 1000).toFixed(1)} s.`,
      `Results and server logs: ${outDir}`,
      '',
    ].join('\n')
  );
}

async function main(): Promise<number> {
  const started = performance.now();
  const outDir =
    process.env.INTEROP_RESULTS_DIR ?? mkdtempSync(join(tmpdir(), 'agentforce-mcp-interop-'));
  const workDir = join(outDir, 'work');
  const stateDir = join(outDir, 'inspector-state');
  for (const dir of [outDir, workDir, stateDir]) mkdirSync(dir, { recursive: true });
  const base: Base = { cwd: workDir, env: inspectorEnv(cleanEnv(), stateDir), stateDir };

  const servers: LocalServer[] = [];
  let issuer: Awaited<ReturnType<typeof startAgentforceLikeIssuer>> | undefined;
  let inspectorWeb: InspectorWeb | undefined;
  const teardown = async () => {
    inspectorWeb?.stop();
    inspectorWeb = undefined;
    for (const server of servers.splice(0)) {
      const stopped = await server.stop();
      record({
        phase: 'cleanup',
        check: `${server.name} stopped by SIGTERM, nothing left in its process group`,
        ok: stopped.clean,
        ms: stopped.ms,
        detail: stopped.leftovers.length > 0 ? `left: ${stopped.leftovers.join('; ')}` : undefined,
      });
    }
    await issuer?.stop();
    issuer = undefined;
  };

  try {
    const [portA, portB, portC] = [await freePort(), await freePort(), await freePort()];
    const resourceB = `http://127.0.0.1:${portB}/mcp`;
    const agentforce = throwawayClient('agentforce-org');
    const otherApp = throwawayClient('other-app');
    issuer = await startAgentforceLikeIssuer({
      audience: resourceB,
      clients: [agentforce, otherApp],
    });

    const common = { ...cleanEnv(), SIMULATOR_LATENCY_MS: '0', POWERTOOLS_LOG_LEVEL: 'INFO' };
    // Started now so its npx download overlaps the servers' start and the conformance phase.
    const webStarting = startInspectorWeb({ ...base, logDir: outDir }).then(
      (web) => {
        inspectorWeb = web;
        return web;
      },
      (err: unknown) => err as Error
    );
    const starting = await Promise.allSettled([
      startLocalServer({
        name: 'server-a-no-auth',
        env: { ...common, PORT: String(portA), AUTH_MODE: 'none' },
        cwd: workDir,
        logDir: outDir,
      }),
      startLocalServer({
        name: 'server-b-jwt',
        env: {
          ...common,
          PORT: String(portB),
          AUTH_MODE: 'jwt',
          AUTH_ISSUER: issuer.url,
          AUTH_JWKS_URL: issuer.jwksUrl,
          AUTH_AUDIENCE: resourceB,
          AUTH_CLIENT_IDS: agentforce.clientId,
          AUTH_REQUIRED_SCOPE: SCOPE,
        },
        cwd: workDir,
        logDir: outDir,
      }),
      startLocalServer({
        name: 'server-c-conformance-fixtures',
        entry: FIXTURE_SERVER_ENTRY,
        env: { ...common, PORT: String(portC), AUTH_MODE: 'none' },
        cwd: workDir,
        logDir: outDir,
      }),
    ]);
    for (const outcome of starting) if (outcome.status === 'fulfilled') servers.push(outcome.value);
    const labels = [
      'A (AUTH_MODE=none)',
      'B (AUTH_MODE=jwt)',
      'C (AUTH_MODE=none, conformance fixture tools)',
    ];
    for (const [index, outcome] of starting.entries()) {
      record({
        phase: 'setup',
        check: `server ${labels[index]} listening`,
        ok: outcome.status === 'fulfilled',
        ms: outcome.status === 'fulfilled' ? outcome.value.startMs : undefined,
        detail:
          outcome.status === 'fulfilled' ? outcome.value.url : short(String(outcome.reason), 300),
      });
    }
    const [serverA, serverB, serverC] = starting.map((outcome) =>
      outcome.status === 'fulfilled' ? outcome.value : undefined
    );

    if (serverC) {
      for (const which of CONFORMANCE_RUNS)
        await conformancePhase(serverC.url, outDir, base, which);
    }
    if (serverA) {
      const tools = await inspectorList('inspector', serverA.url, [], base);
      await inspectorCalls('inspector', serverA.url, [], tools, base);
      for (const era of ['auto', 'modern'] as const) {
        const phase = `inspector --protocol-era ${era}`;
        const eraTools = await inspectorList(phase, serverA.url, [], base, era);
        await inspectorCalls(phase, serverA.url, [], eraTools, base, era);
      }
      await sdkV2Conversation('sdk-v2', serverA.url, 'auto', 'auto');
      await sdkV2Conversation('sdk-v2', serverA.url, { pin: '2026-07-28' }, 'modern');
      await sdkV2Conversation('sdk-v2', serverA.url, 'legacy', 'legacy');
      for (const entry of THIRD_PARTY)
        await thirdPartyConversation('third-party', serverA.url, entry);
      await mcpUseConversation('third-party', serverA.url, base);
      await runHealthChecks({
        url: serverA.url,
        serverLog: join(outDir, `${serverA.name}.log`),
        stateDir,
        env: base.env,
        npmCache: process.env.npm_config_cache ?? join(homedir(), '.npm'),
        record,
      });
    }

    if (serverB) {
      const phase = 'inspector+auth';
      const wrongSecret = await issuer.clientCredentialsToken(
        { clientId: agentforce.clientId, clientSecret: 'wrong-secret' },
        SCOPE
      );
      record({
        phase,
        check: 'token endpoint refuses a wrong client secret',
        ok: !wrongSecret.ok && wrongSecret.status === 401,
        detail: wrongSecret.ok ? 'issued a token' : `HTTP ${wrongSecret.status}`,
      });
      const token = await issuer.clientCredentialsToken(agentforce, SCOPE);
      record({
        phase,
        check: 'client-credentials token (Basic auth, scope, no resource/audience)',
        ok: token.ok,
        detail: token.ok ? `audience ${resourceB}` : `HTTP ${token.status}`,
      });
      if (token.ok) {
        const bearer = [`Authorization: Bearer ${token.accessToken}`];
        const tools = await inspectorList(phase, serverB.url, bearer, base);
        await inspectorCalls(phase, serverB.url, bearer, tools, base);
      }
      await refused(
        phase,
        'refused without Authorization',
        serverB.url,
        undefined,
        UNAUTHORIZED,
        base
      );
      await resourceMetadata(phase, serverB.url);
      const other = await issuer.clientCredentialsToken(otherApp, SCOPE);
      if (other.ok) {
        await refused(
          phase,
          'refused: token of a client not in AUTH_CLIENT_IDS',
          serverB.url,
          `Bearer ${other.accessToken}`,
          UNAUTHORIZED,
          base
        );
      }
      const unscoped = await issuer.clientCredentialsToken(agentforce);
      if (unscoped.ok) {
        await refused(
          phase,
          `refused: token without scope ${SCOPE}`,
          serverB.url,
          `Bearer ${unscoped.accessToken}`,
          INSUFFICIENT_SCOPE,
          base
        );
      }
      if (token.ok) {
        // The README's Windows-safe form: no space in args, the value from env.
        await mcpRemote(
          'mcp-remote',
          `${MCP_REMOTE_PACKAGE} --header Authorization:\${AUTH_HEADER} (Claude Desktop)`,
          serverB.url,
          ['--header', `Authorization:${envPlaceholder('AUTH_HEADER')}`],
          { AUTH_HEADER: `Bearer ${token.accessToken}` },
          base
        );
      }
      await mcpRemote(
        'mcp-remote',
        `${MCP_REMOTE_PACKAGE} --client-credentials --token-endpoint (Claude Desktop, renewing)`,
        serverB.url,
        [
          '--client-credentials',
          '--token-endpoint',
          issuer.tokenUrl,
          '--static-oauth-client-info',
          JSON.stringify({
            client_id: agentforce.clientId,
            client_secret: envPlaceholder('MCP_CLIENT_SECRET'),
          }),
          '--static-oauth-client-metadata',
          JSON.stringify({ scope: SCOPE, token_endpoint_auth_method: 'client_secret_basic' }),
        ],
        { MCP_CLIENT_SECRET: agentforce.clientSecret },
        base
      );
    }

    const web = await webStarting;
    record({
      phase: 'inspector-web',
      check: `${INSPECTOR_PACKAGE} --web on 127.0.0.1 (Node 22)`,
      ok: !(web instanceof Error),
      ms: web instanceof Error ? undefined : web.startMs,
      detail: web instanceof Error ? short(web.message, 300) : web.shownUrl,
    });
    if (!(web instanceof Error)) {
      const webToken = serverB ? await issuer.clientCredentialsToken(agentforce, SCOPE) : undefined;
      await runBrowserChecks({
        inspector: web,
        record,
        targets: [
          ...(serverA ? [{ phase: 'inspector-web', url: serverA.url, eras: true }] : []),
          ...(serverB && webToken?.ok
            ? [
                {
                  phase: 'inspector-web+auth',
                  url: serverB.url,
                  headers: { Authorization: `Bearer ${webToken.accessToken}` },
                },
              ]
            : []),
          ...(serverB ? [{ phase: 'inspector-web+auth', url: serverB.url, refused: true }] : []),
        ],
      });
    }
  } catch (err) {
    record({ phase: 'run', check: 'unexpected error', ok: false, detail: short(String(err), 300) });
  } finally {
    await teardown();
  }

  printTable(performance.now() - started, outDir);
  return rows.every((row) => row.ok) ? 0 : 1;
}

const watchdog = setTimeout(() => {
  process.stderr.write(
    `Interop run exceeded ${RUN_TIMEOUT_MS / 1000} s; stopping everything it started.\n`
  );
  killAllStarted();
  process.exit(1);
}, RUN_TIMEOUT_MS);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllStarted();
    process.exit(130);
  });
}

main()
  .then((code) => {
    clearTimeout(watchdog);
    process.exit(code);
  })
  .catch((err: unknown) => {
    process.stderr.write(`Interop run failed: ${String(err)}\n`);
    killAllStarted();
    process.exit(1);
  });
