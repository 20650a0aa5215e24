import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../../local/dynamodb-local.js';
import { type CommandResult, endGroup, runCommand, spawnGroup } from './processes.js';

/** Pinned exactly; its CLI works on Node 20 although the package declares Node >= 22.19. */
export const INSPECTOR_PACKAGE = '@modelcontextprotocol/inspector@2.12.0';

/** The CLI's exit codes (clients/cli: 0 ok, 1 usage or other error, 3 auth required, 5 tool isError, 6 unportable schema). */
export const INSPECTOR_EXIT = {
  ok: 0,
  other: 1,
  authRequired: 3,
  toolError: 5,
  schemaUnportable: 6,
} as const;

/** One Inspector CLI run, its parsed `--format json` answer and its error envelope, if any. */
export interface InspectorRun {
  readonly command: CommandResult;
  /** `result` of the single JSON object printed on stdout. */
  readonly result: Record<string, unknown> | undefined;
  /** The one-line JSON error envelope on stderr: `{"error":{"code":"auth_required","message":…}}`. */
  readonly error: { code?: string; message?: string } | undefined;
}

function lastJsonLine(text: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    // Several lines: the envelope is the last JSON one.
  }
  const lines = text.split('\n').filter((line) => line.trim().startsWith('{'));
  for (const line of lines.reverse()) {
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      // Not the envelope.
    }
  }
  return undefined;
}

/**
 * Environment for the CLI that keeps its catalog, client config and OAuth store in `stateDir`
 * (never the user's ~/.mcp-inspector), so no stored token can leak into a run.
 */
export function inspectorEnv(base: NodeJS.ProcessEnv, stateDir: string): NodeJS.ProcessEnv {
  return {
    ...base,
    MCP_STORAGE_DIR: stateDir,
    MCP_CATALOG_PATH: join(stateDir, 'mcp.json'),
    MCP_CLIENT_CONFIG_PATH: join(stateDir, 'client.json'),
    MCP_INSPECTOR_OAUTH_STATE_PATH: join(stateDir, 'oauth.json'),
    NO_COLOR: '1',
  };
}

/**
 * Runs `npx -y @modelcontextprotocol/inspector@2.12.0 --cli URL --transport http …` with JSON
 * output. `--stored-auth-only` keeps it from ever starting an interactive OAuth flow: a 401 is
 * reported (exit 3) instead of opening a browser.
 */
export async function runInspector(options: {
  url: string;
  method: 'tools/list' | 'tools/call';
  toolName?: string;
  toolArgs?: Readonly<Record<string, string>>;
  headers?: readonly string[];
  strict?: boolean;
  cwd: string;
  env: NodeJS.ProcessEnv;
}): Promise<InspectorRun> {
  const args = [
    '-y',
    INSPECTOR_PACKAGE,
    '--cli',
    options.url,
    '--transport',
    'http',
    '--method',
    options.method,
    '--format',
    'json',
    '--stored-auth-only',
  ];
  if (options.strict) args.push('--strict');
  if (options.toolName !== undefined) args.push('--tool-name', options.toolName);
  for (const [key, value] of Object.entries(options.toolArgs ?? {})) {
    args.push('--tool-arg', `${key}=${value}`);
  }
  for (const header of options.headers ?? []) args.push('--header', header);
  const command = await runCommand('npx', args, {
    cwd: options.cwd,
    env: options.env,
    timeoutMs: 90_000,
  });
  const stdout = lastJsonLine(command.stdout);
  const result = stdout?.result as Record<string, unknown> | undefined;
  const envelope = lastJsonLine(command.stderr)?.error as InspectorRun['error'];
  return { command, result, error: envelope };
}

/** A running Inspector web UI (its Node backend and the page it serves). */
export interface InspectorWeb {
  /** What the banner printed: `http://127.0.0.1:<port>?MCP_INSPECTOR_API_TOKEN=…`. */
  readonly url: string;
  /** The same URL with the token replaced by `…`, for reports. */
  readonly shownUrl: string;
  readonly startMs: number;
  stop(): void;
}

const WEB_BANNER = /MCP Inspector Web is up and running at:\s+(http:\/\/\S+)/;

/**
 * Starts `mcp-inspector --web` (2.12.0 on Node 22, which its web server needs) bound to
 * 127.0.0.1 on free ports, with its own API token, its catalog in a fresh `<stateDir>/web`
 * (deleted on stop: the catalog holds the custom headers typed into the UI, bearer tokens
 * included), secrets in memory only, and no browser opened. Its output goes to `<logDir>/inspector-web.log`
 * with the token blanked.
 */
export async function startInspectorWeb(options: {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stateDir: string;
  logDir: string;
  timeoutMs?: number;
}): Promise<InspectorWeb> {
  const started = performance.now();
  const token = randomBytes(32).toString('hex');
  const webState = join(options.stateDir, 'web');
  rmSync(webState, { recursive: true, force: true });
  mkdirSync(webState, { recursive: true });
  const [clientPort, sandboxPort, appOriginPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const child = spawnGroup(
    'npx',
    ['-y', '-p', 'node@22', '-p', INSPECTOR_PACKAGE, '--', 'mcp-inspector', '--web'],
    {
      cwd: options.cwd,
      env: {
        ...inspectorEnv(options.env, webState),
        HOST: '127.0.0.1',
        CLIENT_PORT: String(clientPort),
        MCP_SANDBOX_PORT: String(sandboxPort),
        MCP_APP_ORIGIN_PORT: String(appOriginPort),
        MCP_INSPECTOR_API_TOKEN: token,
        MCP_INSPECTOR_SECRET_STORE: 'memory',
        MCP_AUTO_OPEN_ENABLED: 'false',
      },
    }
  );
  const log = createWriteStream(join(options.logDir, 'inspector-web.log'));
  let output = '';
  const collect = (chunk: Buffer) => {
    const text = chunk.toString('utf8').replaceAll(token, '<token>');
    output += text;
    log.write(text);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const stop = () => {
    endGroup(child.pid);
    log.end();
    rmSync(webState, { recursive: true, force: true });
  };
  const timeoutMs = options.timeoutMs ?? 120_000;
  const deadline = performance.now() + timeoutMs;
  while (!WEB_BANNER.test(output)) {
    if (child.exitCode !== null || performance.now() > deadline) {
      stop();
      const why = child.exitCode !== null ? `exited with ${child.exitCode}` : 'no banner';
      throw new Error(`Inspector web UI ${why}: ${output.slice(-600)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  const shownUrl = WEB_BANNER.exec(output)?.[1] ?? '';
  return {
    url: shownUrl.replace('<token>', token),
    shownUrl: shownUrl.replace('<token>', '…'),
    startMs: performance.now() - started,
    stop,
  };
}
