import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { REQUIRED_SETTINGS } from './synth.js';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const outdir = mkdtempSync(join(tmpdir(), 'mcp-cdk-cli-'));
const deployments = mkdtempSync(join(tmpdir(), 'mcp-cdk-deployments-'));

afterAll(() => {
  rmSync(outdir, { recursive: true, force: true });
  rmSync(deployments, { recursive: true, force: true });
});

/** The test's environment without AWS credentials or region: synthesis must work offline. */
function offlineEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(AWS_|CDK_DEFAULT_)/.test(name))
  );
  return { ...env, CDK_DISABLE_CLI_TELEMETRY: 'true', ...extra };
}

describe('CLI: cdk synth', () => {
  it('returns a nag-clean assembly with an ESM bundle that loads, offline and without Docker', async () => {
    // Act: the real CLI, as `npm run synth` runs it.
    await run(
      'npx',
      [
        'cdk',
        'synth',
        '--quiet',
        '--no-notices',
        '--output',
        outdir,
        '-c',
        `agentId=${REQUIRED_SETTINGS.agentId}`,
        '-c',
        `myDomainUrl=${REQUIRED_SETTINGS.myDomainUrl}`,
      ],
      {
        cwd: repoRoot,
        env: offlineEnv({ MCP_DEPLOYMENTS_DIR: deployments }),
        timeout: 180_000,
        maxBuffer: 16 * 1024 * 1024,
      }
    );

    // Assess: the operator's settings are kept for the next plain `cdk deploy`.
    expect(JSON.parse(readFileSync(join(deployments, 'AgentforceMcpServer.json'), 'utf8'))).toEqual(
      { ...REQUIRED_SETTINGS, authMode: 'cognito' }
    );

    // Assess: template and validation report.
    const template = JSON.parse(
      readFileSync(join(outdir, 'AgentforceMcpServer.template.json'), 'utf8')
    ) as { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
    const fn = Object.values(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function');
    expect(fn?.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'] });
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8'));
    expect(
      report.pluginReports.flatMap((p: { violations?: unknown[] }) => p.violations ?? [])
    ).toEqual([]);

    // Assess: the bundle is ESM with the require shim, keeps readable names (no source maps needed
    // at run time), has its map beside it for offline decoding, and carries its own SDK.
    const assets = readdirSync(outdir).filter((name) => name.startsWith('asset.'));
    expect(assets).toHaveLength(1);
    const assetDir = join(outdir, assets[0] as string);
    expect(readdirSync(assetDir).sort()).toEqual(['index.mjs', 'index.mjs.map']);
    const bundle = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
    expect(bundle.startsWith("import { createRequire } from 'node:module';")).toBe(true);
    expect(bundle).not.toMatch(/from\s*["']@aws-sdk\//);
    expect(bundle).toMatch(/function createDependencies\(/);
    expect(bundle).not.toContain('sourceMappingURL');

    // Assess: the bundle imports in plain Node with the environment the stack sets.
    const { stdout } = await run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(join(assetDir, 'index.mjs'))}); console.log(typeof m.handler);`,
      ],
      {
        env: offlineEnv({
          AWS_REGION: 'eu-west-1',
          TABLE_NAME: 'sessions',
          SALESFORCE_SERVER_URL: REQUIRED_SETTINGS.myDomainUrl,
          SALESFORCE_AGENT_ID: REQUIRED_SETTINGS.agentId,
          SALESFORCE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sf-AbC123',
          AUTH_MODE: 'cognito',
          COGNITO_USER_POOL_ID: 'eu-west-1_AbC123',
          AUTH_CLIENT_IDS: 'client123',
          POWERTOOLS_LOG_LEVEL: 'SILENT',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        }),
        timeout: 30_000,
      }
    );
    expect(stdout.trim()).toBe('function');
  }, 240_000);
});
