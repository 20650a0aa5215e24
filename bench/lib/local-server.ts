import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, LOCAL_AWS_CREDENTIALS, LOCAL_AWS_REGION } from '../../local/dynamodb-local.js';
import { REPO_ROOT, RESULTS_DIR } from './build.js';
import { BENCH_TABLE } from './stand-ins.js';

/** A running `npm start` child: its MCP URL, the tail of its stderr, and how to stop it. */
export interface LocalServer {
  readonly url: string;
  stderr(): string;
  stop(): Promise<void>;
}

/**
 * Starts `npm start` (local/server.ts under tsx) on a free port against the bench table on
 * `dynamoEndpoint`, with `env` on top (Salesforce, log level, caps), and resolves once `/health`
 * answers. The cwd is neutral: local/backends.ts would load a developer's `.env` (a real org).
 */
export async function startLocalServer(
  dynamoEndpoint: string,
  env: Record<string, string>
): Promise<LocalServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--import', import.meta.resolve('tsx'), join(REPO_ROOT, 'local/server.ts')],
    {
      cwd: RESULTS_DIR,
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        TSX_TSCONFIG_PATH: join(REPO_ROOT, 'tsconfig.json'),
        PORT: String(port),
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        TABLE_NAME: BENCH_TABLE,
        AWS_ENDPOINT_URL_DYNAMODB: dynamoEndpoint,
        AWS_REGION: LOCAL_AWS_REGION,
        AWS_ACCESS_KEY_ID: LOCAL_AWS_CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: LOCAL_AWS_CREDENTIALS.secretAccessKey,
        ...env,
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    }
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    child.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  const health = `http://127.0.0.1:${port}/health`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the local server exited with ${child.exitCode}\n${stderr}`);
    }
    const ok = await fetch(health, { signal: AbortSignal.timeout(1_000) })
      .then(async (res) => {
        await res.body?.cancel();
        return res.ok;
      })
      .catch(() => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the local server did not answer ${health} within 60 s\n${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return { url: `http://127.0.0.1:${port}/mcp`, stderr: () => stderr, stop };
}
