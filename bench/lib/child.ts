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
  readonly cwd?: string;
  readonly timeoutMs?: number;
}

/** Runs a benchmark child to completion and returns the JSON it reported. */
export function runChild<T>(options: ChildOptions): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      options.node ?? process.execPath,
      [...(options.nodeArgs ?? []), options.script, ...(options.args ?? [])],
      { env: options.env, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] }
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
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
      const line = stdout
        .split('\n')
        .reverse()
        .find((candidate) => candidate.startsWith(RESULT_PREFIX));
      if (line) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)) as T);
      else
        reject(
          new Error(
            `bench child ${options.script} exited (${signal ?? code}) without a result\n${stderr}`
          )
        );
    });
  });
}

/** Environment every measured child gets: quiet logging, no SDK deprecation banner. */
export function baseChildEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    POWERTOOLS_SERVICE_NAME: 'agentforce-mcp',
    // BENCH_METRICS=off measures the same code without writing EMF lines (metrics cost A/B).
    ...(process.env.BENCH_METRICS === 'off' ? { POWERTOOLS_METRICS_DISABLED: 'true' } : {}),
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...extra,
  };
}
