import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file lives in test/interop/). */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * Every process group this run started, by leader pid, so a failure, a timeout or Ctrl+C can end
 * exactly those (and nothing else on the machine).
 */
const liveGroups = new Set<number>();

/** `pid command` of every process still in the group led by `pgid` (for the cleanup report). */
function groupMembers(pgid: number): string[] {
  const ps = spawnSync('ps', ['-eo', 'pid=,pgid=,stat=,args='], { encoding: 'utf8' });
  return (
    (ps.stdout ?? '')
      .split('\n')
      .map((line) => line.trim().split(/\s+/))
      // A zombie (`Z`) has exited; it waits for PID 1 to reap it (tsx's esbuild service, typically).
      .filter((fields) => Number(fields[1]) === pgid && !fields[2]?.startsWith('Z'))
      .map((fields) => `${fields[0]} ${fields[2]} ${fields.slice(3).join(' ').slice(0, 60)}`)
  );
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

/** SIGKILLs every group still alive; for the last-resort exit paths. */
export function killAllStarted(): void {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  liveGroups.clear();
}

/**
 * Starts `command` as the leader of its own process group, so the whole tree can be ended by id.
 * `stdin: 'pipe'` is for stdio MCP clients; everything else gets no stdin.
 */
export function spawnGroup(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; stdin?: 'pipe' | 'ignore' }
): ChildProcess & { pid: number } {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: options.env,
    detached: true,
    stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  liveGroups.add(child.pid);
  return child as ChildProcess & { pid: number };
}

/** SIGKILLs what is left of a group this run started and forgets it. */
export function endGroup(pid: number): void {
  killGroup(pid, 'SIGKILL');
  liveGroups.delete(pid);
}

export const exited = (child: ChildProcess) =>
  new Promise<number>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode ?? 1);
    else child.once('exit', (code) => resolve(code ?? 1));
  });

/** What a finished command printed, its exit code and how long it took. */
export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly timedOut: boolean;
}

/**
 * Runs a command to completion (its whole process group is SIGKILLed after `timeoutMs`).
 * `npx` is run this way: it does not pass signals on to the tool it starts.
 */
export async function runCommand(
  command: string,
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number }
): Promise<CommandResult> {
  const started = performance.now();
  const child = spawnGroup(command, args, options);
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killGroup(child.pid, 'SIGKILL');
  }, options.timeoutMs);
  const code = await exited(child);
  // stdio may still hold buffered output when 'exit' fires.
  await new Promise((resolve) => setImmediate(resolve));
  clearTimeout(timer);
  // Anything the command left behind in its group goes too.
  endGroup(child.pid);
  return { code: timedOut ? 124 : code, stdout, stderr, ms: performance.now() - started, timedOut };
}

/** A running `local/server.ts`. */
export interface LocalServer {
  readonly name: string;
  readonly url: string;
  /** The server process itself (for its memory use: `/proc/<pid>/status`). */
  readonly pid: number;
  /** Milliseconds from spawn to the listening line. */
  readonly startMs: number;
  /**
   * SIGTERM, then waits for a clean exit (the server stops DynamoDB Local and the simulator
   * itself); SIGKILLs the group after `graceMs`. Reports whether anything had to be killed.
   */
  stop(graceMs?: number): Promise<{ clean: boolean; leftovers: string[]; ms: number }>;
}

const LISTENING = /Agentforce MCP server listening on (http:\/\/\S+)/;

/**
 * Starts the local server (`local/server.ts`) under tsx with `env` and waits for its listening
 * line. It is started as `node --import tsx` rather than `npx tsx` so SIGTERM reaches the server
 * itself (npm's exec wrapper does not forward it, which leaves the server and its JVM running),
 * and from `cwd` (a scratch directory) so a developer's `.env`, which may point at a real org, is
 * not loaded. Its output goes to `<logDir>/<name>.log`.
 */
export async function startLocalServer(options: {
  name: string;
  env: NodeJS.ProcessEnv;
  cwd: string;
  logDir: string;
  timeoutMs?: number;
  /** The entry to run, relative to the repository root; `local/server.ts` by default. */
  entry?: string;
}): Promise<LocalServer> {
  const started = performance.now();
  const tsxLoader = import.meta.resolve('tsx');
  const entry = join(REPO_ROOT, options.entry ?? join('local', 'server.ts'));
  const child = spawnGroup(process.execPath, ['--import', tsxLoader, entry], {
    cwd: options.cwd,
    env: options.env,
  });
  const log = createWriteStream(join(options.logDir, `${options.name}.log`));
  child.stdout?.pipe(log, { end: false });
  child.stderr?.pipe(log, { end: false });
  const closeLog = () => new Promise<void>((resolve) => log.end(resolve));

  const stop = async (graceMs = 15_000) => {
    const stopping = performance.now();
    const exit = exited(child);
    killGroupLeader(child.pid, 'SIGTERM');
    const clean = await Promise.race([
      exit.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs)),
    ]);
    // The JVM is in the server's group: anything alive after a clean exit was leaked.
    const leftovers = groupMembers(child.pid);
    endGroup(child.pid);
    await closeLog();
    return { clean: clean && leftovers.length === 0, leftovers, ms: performance.now() - stopping };
  };

  let output = '';
  const timeoutMs = options.timeoutMs ?? 60_000;
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const collect = (chunk: Buffer) => {
        output += chunk.toString('utf8');
        const match = LISTENING.exec(output);
        if (match?.[1]) settle(() => resolve(match[1] as string));
      };
      const onExit = (code: number | null) =>
        settle(() =>
          reject(
            new Error(
              `${options.name} exited with ${code} before listening:\n${output.slice(-2000)}`
            )
          )
        );
      const timer = setTimeout(
        () =>
          settle(() =>
            reject(new Error(`${options.name}: no listening line within ${timeoutMs} ms`))
          ),
        timeoutMs
      );
      // Stop collecting once settled: the log file keeps the rest.
      const settle = (finish: () => void) => {
        clearTimeout(timer);
        child.stdout?.off('data', collect);
        child.stderr?.off('data', collect);
        child.off('exit', onExit);
        finish();
      };
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('exit', onExit);
    });
    return { name: options.name, url, pid: child.pid, startMs: performance.now() - started, stop };
  } catch (err) {
    await stop(5_000);
    throw err;
  }
}

function killGroupLeader(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // Already gone.
  }
}
