import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
const tsxLoader = require.resolve('tsx');

describe('Script: simulator/cli.ts', () => {
  it('prints the URL, agent id and SALESFORCE_* lines, serves requests, and exits 0 on SIGTERM', async () => {
    // Prepare
    const child = spawn(process.execPath, ['--import', tsxLoader, 'simulator/cli.ts'], {
      env: { ...process.env, SIMULATOR_PORT: '0', SIMULATOR_LATENCY_MS: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8');
    const ready = new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: string) => {
        output += chunk;
        if (output.includes('Press Ctrl+C')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`cli exited early with ${code}`)));
    });

    // Act
    await ready;
    const url = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output)?.[1] ?? '';
    const res = await fetch(`${url}/services/oauth2/token`, {
      method: 'POST',
      body: 'grant_type=x',
    });
    await res.body?.cancel();
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = await exited;

    // Assess
    expect(res.status).toBe(400);
    expect(output).toMatch(/SALESFORCE_SERVER_URL=http:\/\/127\.0\.0\.1:\d+/);
    expect(output).toMatch(/SALESFORCE_AGENT_ID=0Xx\w{15}/);
    expect(output).toMatch(/SALESFORCE_CLIENT_ID=\S+/);
    expect(output).toMatch(/SALESFORCE_CLIENT_SECRET=\S+/);
    expect(code).toBe(0);
  });
});
