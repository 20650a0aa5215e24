/**
 * `npm run test:interop`: proves that real, independent MCP clients work with the server.
 *
 * 1. Starts `local/server.ts` twice on free ports (simulator latency 0): A without inbound auth,
 *    B with `AUTH_MODE=jwt` against a local OAuth server set up the way Agentforce needs it.
 * 2. A: the official conformance suite (every server scenario, with conformance-baseline.yml).
 * 3. A: the MCP Inspector CLI lists the tools and calls each one in a conversation's order.
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
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { TOOL_NAMES } from '../../lambda/mcp/tools/index.js';
import { freePort } from '../../local/dynamodb-local.js';
import { agentforceProblems, type WireTool } from './agentforce-rules.js';
import { runBrowserChecks } from './browser-phase.js';
import { REQUIRED_SCENARIOS, runConformance } from './conformance.js';
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
import { killAllStarted, type LocalServer, REPO_ROOT, startLocalServer } from './processes.js';
import type { Row } from './row.js';
import { ProcessGroupStdioTransport } from './stdio-client.js';

/**
 * The budget is ~3 minutes on two cores, plus about a minute for the web UI in Chromium; past
 * this the run is failed and torn down.
 */
const RUN_TIMEOUT_MS = 330_000;
const SCOPE = 'mcp.invoke';
/**
 * `${NAME}` exactly as written in a claude_desktop_config.json arg: mcp-remote expands it from its
 * environment, so the secret stays out of the process arguments.
 */
const envPlaceholder = (name: string) => `$\{${name}}`;
/** Claude Desktop reaches remote servers through this stdio bridge; pinned exactly. */
const MCP_REMOTE_PACKAGE = 'mcp-remote@0.15.1';
const BASELINE = join(REPO_ROOT, 'test', 'interop', 'conformance-baseline.yml');

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

/** What a successful call's structured content must show, beyond matching the schema. */
const EXPECTED_CONTENT: Readonly<Record<string, Record<string, unknown>>> = {
  authenticate: { authenticated: true },
  'create-agent-session': {},
  'send-message-to-agent': { sequence_id: 1 },
  // A new Inspector process, a new MCP connection: the state must come from DynamoDB.
  'get-session-status': { has_session: true, last_sequence_id: 1 },
  'submit-agent-feedback': { submitted: true },
  'complete-agentforce-conversation': { session_created: false, sequence_id: 2 },
  'end-agent-session': { ended: true },
};

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
async function inspectorList(phase: string, url: string, headers: string[], base: Base) {
  const run = await runInspector({ url, method: 'tools/list', strict: true, headers, ...base });
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
  base: Base
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
      ...base,
    });
    const content = run.result?.structuredContent as Record<string, unknown> | undefined;
    earlier[tool] = content;
    const required =
      (tools.find((candidate) => candidate.name === tool)?.outputSchema as { required?: string[] })
        ?.required ?? [];
    const missing = required.filter((key) => content?.[key] === undefined);
    const wrong = Object.entries(EXPECTED_CONTENT[tool] ?? {}).filter(
      ([key, value]) => content?.[key] !== value
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
        .map(
          ([key, value]) => `${key}=${JSON.stringify(content[key])}, want ${JSON.stringify(value)}`
        )
        .join('; ');
    else
      detail = Object.entries(EXPECTED_CONTENT[tool] ?? {})
        .map(([k, v]) => `${k}=${v}`)
        .join(', ');
    record({ phase, check: `Inspector tools/call ${tool}`, ok, ms: run.command.ms, detail });
  }
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

async function conformancePhase(url: string, outDir: string, base: Base) {
  const phase = 'conformance';
  const resultsDir = join(outDir, 'conformance');
  const run = await runConformance({ url, baselinePath: BASELINE, outDir: resultsDir, ...base });
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
  for (const scenario of REQUIRED_SCENARIOS) {
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
  for (const entry of run.baseline.filter((name) => !ran.has(name))) {
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
    const [portA, portB] = [await freePort(), await freePort()];
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
    ]);
    for (const outcome of starting) if (outcome.status === 'fulfilled') servers.push(outcome.value);
    for (const [index, outcome] of starting.entries()) {
      record({
        phase: 'setup',
        check: `server ${index === 0 ? 'A (AUTH_MODE=none)' : 'B (AUTH_MODE=jwt)'} listening`,
        ok: outcome.status === 'fulfilled',
        ms: outcome.status === 'fulfilled' ? outcome.value.startMs : undefined,
        detail:
          outcome.status === 'fulfilled' ? outcome.value.url : short(String(outcome.reason), 300),
      });
    }
    const [serverA, serverB] = starting.map((outcome) =>
      outcome.status === 'fulfilled' ? outcome.value : undefined
    );

    if (serverA) {
      await conformancePhase(serverA.url, outDir, base);
      const tools = await inspectorList('inspector', serverA.url, [], base);
      await inspectorCalls('inspector', serverA.url, [], tools, base);
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
