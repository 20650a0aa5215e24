import { spawn } from 'node:child_process';
import { RESULT_PREFIX } from '../children/protocol.js';

export interface ChildOptions {
  /** Node binary; defaults to the one running the bench. */
  readonly node?: string;
  readonly nodeArgs?: readonly string[];
  readonly script: string;
  readonly args?: readonly string[];
  /** The child's whole environment (nothing is inherited implicitly). */
  readonly env: NodeJS.ProcessEnv;
  /** A cgroup's `cgroup.procs` (or v1 `tasks`) file: the child runs inside that cgroup. */
  readonly cgroupProcs?: string;
  readonly timeoutMs?: number;
}

/** Runs a benchmark child to completion and returns the JSON it reported. */
export function runChild<T>(options: ChildOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    const command = [
      options.node ?? process.execPath,
      ...(options.nodeArgs ?? []),
      options.script,
      ...(options.args ?? []),
    ];
    // The shell joins the cgroup, then becomes node: the whole of node's life is inside it.
    const [file, ...args] = options.cgroupProcs
      ? ['/bin/sh', '-c', 'echo $$ > "$0" && exec "$@"', options.cgroupProcs, ...command]
      : command;
    const child = spawn(file as string, args, {
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Children log at INFO as deployed: keep only the result line, not every log line.
    let pending = '';
    let result: string | undefined;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const lines = (pending + chunk.toString()).split('\n');
      pending = lines.pop() ?? '';
      result = lines.findLast((line) => line.startsWith(RESULT_PREFIX)) ?? result;
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 120_000);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (pending.startsWith(RESULT_PREFIX)) result = pending;
      if (result) resolve(JSON.parse(result.slice(RESULT_PREFIX.length)) as T);
      else
        reject(
          new Error(
            `bench child ${options.script} exited (${signal ?? code}) without a result\n${stderr}`
          )
        );
    });
  });
}

/** Environment every measured child gets: logging at the deployed level (INFO), no SDK banner. */
export function baseChildEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    POWERTOOLS_SERVICE_NAME: 'agentforce-mcp',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}
