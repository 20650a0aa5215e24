import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCommand } from './processes.js';
import type { Row } from './row.js';

/** Pinned exactly: each CLI's `mcp list` output and negotiation change between releases. */
export const CLAUDE_CODE_PACKAGE = '@anthropic-ai/claude-code@2.1.332';
export const GEMINI_CLI_PACKAGE = '@google/gemini-cli@0.61.0';

/** npm could not fetch the CLI: the check cannot run here, which is not the server's fault. */
const CANNOT_INSTALL = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ETIMEDOUT|E404|ENETUNREACH)\b/;

interface HealthCheck {
  readonly label: string;
  /** `npx` arguments before the CLI's own (`mcp add …`, `mcp list`). */
  readonly npx: readonly string[];
  readonly connected: RegExp;
  /** Prepares the CLI's home and project directory (trust, config) before `mcp add`. */
  prepare?(home: string, project: string): void;
}

const CHECKS: readonly HealthCheck[] = [
  {
    label: `Claude Code ${CLAUDE_CODE_PACKAGE.split('@').at(-1)} claude mcp list (Node 22)`,
    // The CLI needs Node >= 22; npm's `node` package provides it.
    npx: ['-y', '-p', 'node@22', '-p', CLAUDE_CODE_PACKAGE, '--', 'claude'],
    connected: /agentforce: \S+ \(HTTP\) - ✔ Connected/,
  },
  {
    label: `Gemini CLI ${GEMINI_CLI_PACKAGE.split('@').at(-1)} gemini mcp list`,
    npx: ['-y', GEMINI_CLI_PACKAGE],
    connected: /agentforce: \S+ \(http\) - Connected/,
    // Gemini CLI ignores a project's MCP settings in a folder the user has not trusted.
    prepare(home, project) {
      mkdirSync(join(home, '.gemini'), { recursive: true });
      writeFileSync(
        join(home, '.gemini', 'trustedFolders.json'),
        JSON.stringify({ [project]: 'TRUST_FOLDER' })
      );
    },
  },
];

/**
 * The MCP methods and eras the server logged at or after `since` (its one `request` line per
 * request), e.g. `server/discover, tools/list (modern)`.
 */
function erasSince(serverLog: string, since: string): string {
  const seen = new Map<string, Set<string>>();
  for (const line of readFileSync(serverLog, 'utf8').split('\n')) {
    if (!line.includes('"message":"request"')) continue;
    const entry = JSON.parse(line) as { timestamp?: string; mcpMethod?: string; era?: string };
    if (!entry.timestamp || entry.timestamp < since || !entry.mcpMethod || !entry.era) continue;
    const methods = seen.get(entry.era) ?? new Set<string>();
    methods.add(entry.mcpMethod);
    seen.set(entry.era, methods);
  }
  return [...seen].map(([era, methods]) => `${[...methods].join(', ')} (${era})`).join('; ');
}

const lastLines = (text: string, count = 3) =>
  text
    .split('\n')
    .filter((line) => line.trim() && !/^npm (warn|notice)/.test(line))
    .slice(-count)
    .join(' ')
    .slice(0, 200);

/**
 * The health checks of two coding CLIs that ship their own MCP client: each adds the server
 * (`mcp add --transport http`) in a throwaway HOME and project, then `mcp list` must report it
 * connected. No model is called and nothing but npm and the local server is reached. A CLI that
 * npm cannot fetch here is reported as skipped, not failed.
 */
export async function runHealthChecks(options: {
  readonly url: string;
  /** The server's log: which era each CLI landed on is read from its request lines. */
  readonly serverLog: string;
  readonly stateDir: string;
  readonly env: NodeJS.ProcessEnv;
  readonly npmCache: string;
  readonly record: (row: Row) => void;
}): Promise<void> {
  for (const check of CHECKS) {
    const dir = join(options.stateDir, check.label.split(' ')[0]?.toLowerCase() ?? 'cli');
    const home = join(dir, 'home');
    const project = join(dir, 'project');
    for (const path of [home, project]) mkdirSync(path, { recursive: true });
    check.prepare?.(home, project);
    const env = {
      ...options.env,
      HOME: home,
      // A throwaway HOME, but npm's own cache: the pinned CLI is fetched once, not every run.
      npm_config_cache: options.npmCache,
      // Health checks only: no update checks, telemetry or error reports (Claude Code).
      DISABLE_AUTOUPDATER: '1',
      DISABLE_TELEMETRY: '1',
      DISABLE_ERROR_REPORTING: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      // Gemini CLI: no telemetry, no relaunch with a bigger heap.
      GEMINI_TELEMETRY_ENABLED: 'false',
      GEMINI_CLI_NO_RELAUNCH: 'true',
      NO_COLOR: '1',
    };
    const started = performance.now();
    const since = new Date().toISOString();
    const run = (args: readonly string[]) =>
      runCommand('npx', [...check.npx, ...args], { cwd: project, env, timeoutMs: 240_000 });
    const add = await run(['mcp', 'add', '--transport', 'http', 'agentforce', options.url]);
    if (add.code !== 0 && CANNOT_INSTALL.test(add.stderr)) {
      options.record({
        phase: 'health-check',
        check: check.label,
        ok: true,
        result: 'skipped',
        ms: performance.now() - started,
        detail: `cannot run here (npm could not fetch it): ${lastLines(add.stderr)}`,
      });
      continue;
    }
    const list = add.code === 0 ? await run(['mcp', 'list']) : add;
    // Gemini CLI prints its list on stderr, Claude Code on stdout.
    const line = check.connected.exec(`${list.stdout}\n${list.stderr}`)?.[0];
    // The server's log line is written asynchronously; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 300));
    options.record({
      phase: 'health-check',
      check: check.label,
      ok: line !== undefined,
      ms: performance.now() - started,
      detail: line
        ? `${line}; ${erasSince(options.serverLog, since)}`
        : `exit ${list.code}: ${lastLines(`${list.stdout}\n${list.stderr}`)}`,
    });
  }
}
