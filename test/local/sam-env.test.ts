import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../lambda/config.js';
import { samEnvVars } from '../../local/sam-env.js';
import { removeSynthOutputs, synth } from '../infra/synth.js';

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'mcp-sam-env-'));
afterAll(() => {
  removeSynthOutputs();
  rmSync(dir, { recursive: true, force: true });
});

/** What `cdk deploy --outputs-file` records for a deployed stack. */
const OUTPUTS = {
  McpUrl: 'https://abcdefghijklmnop.lambda-url.eu-west-1.on.aws/mcp',
  TableName: 'AgentforceMcpServer-SessionTable1A2B3C4D-XYZ',
  SalesforceSecretArn:
    'arn:aws:secretsmanager:eu-west-1:123456789012:secret:SalesforceCredentials-AbC123',
  UserPoolId: 'eu-west-1_AbC123xyz',
  ClientId: '4example5client6id',
};

type Template = Parameters<typeof samEnvVars>[0];

/** What SAM hands the container: the template's variables, overridden by the env file's. */
function containerEnv(template: Template, doc: Record<string, Record<string, string>>) {
  const [logicalId, vars] = Object.entries(doc)[0] as [string, Record<string, string>];
  const declared = template.Resources[logicalId]?.Properties?.Environment?.Variables ?? {};
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(declared)) {
    // Unresolved references become the logical id, as SAM does.
    env[name] = vars[name] ?? (typeof value === 'string' ? value : 'UnresolvedLogicalId');
  }
  return { env, undeclared: Object.keys(vars).filter((name) => !(name in declared)) };
}

describe('Function: samEnvVars', () => {
  it.each([
    ['an offline synth (no region)', {}],
    [
      'a deploy-time synth (region known)',
      { env: { account: '123456789012', region: 'eu-west-1' } },
    ],
  ])(
    'returns only declared variables, which pass the cold start, for %s',
    { timeout: 60_000 },
    (_name, options) => {
      // Prepare
      const template = synth({}, options).template.toJSON() as Template;

      // Act
      const doc = samEnvVars(template, { outputs: OUTPUTS, keepAuth: true });

      // Assess
      const { env, undeclared } = containerEnv(template, doc);
      expect(undeclared).toEqual([]);
      expect(Object.values(env)).not.toContain('UnresolvedLogicalId');
      expect(env).toMatchObject({
        TABLE_NAME: OUTPUTS.TableName,
        SALESFORCE_SECRET_ARN: OUTPUTS.SalesforceSecretArn,
        COGNITO_USER_POOL_ID: OUTPUTS.UserPoolId,
        AUTH_CLIENT_IDS: OUTPUTS.ClientId,
        ALLOWED_HOSTS: '*.lambda-url.eu-west-1.on.aws',
        AUTH_MODE: 'cognito',
      });
      expect(() => loadConfig(env)).not.toThrow();
    }
  );

  it('fails the cold start with the template alone, as the old recipe did', () => {
    // Prepare
    const template = synth().template.toJSON() as Template;

    // Act
    const { env } = containerEnv(template, { McpFunction: {} });

    // Assess
    expect(() => loadConfig(env)).toThrow(/SALESFORCE_SECRET_ARN|COGNITO_USER_POOL_ID/);
  });

  it('throws naming the output it lacks', () => {
    // Prepare
    const template = synth().template.toJSON() as Template;
    const { TableName: _dropped, ...outputs } = OUTPUTS;

    // Act & Assess
    expect(() => samEnvVars(template, { outputs })).toThrow(
      /TABLE_NAME \(output TableName\).*--outputs-file/
    );
  });
});

describe('CLI: npm run sam:env, then the sample events in its mode', () => {
  it('writes env.json whose auth and host rules serve events/ through npm run invoke', async () => {
    // Prepare
    const templateFile = join(dir, 'AgentforceMcpServer.template.json');
    writeFileSync(templateFile, JSON.stringify(synth().template.toJSON()));
    const outputsFile = join(dir, 'cdk-outputs.json');
    writeFileSync(outputsFile, JSON.stringify({ AgentforceMcpServer: OUTPUTS }));
    const out = join(dir, 'env.json');

    // Act
    const { stdout } = await run(
      'npx',
      [
        'tsx',
        'local/sam-env.ts',
        '--template',
        templateFile,
        '--outputs',
        outputsFile,
        '--out',
        out,
      ],
      { timeout: 60_000 }
    );
    const doc = JSON.parse(readFileSync(out, 'utf8')) as Record<string, Record<string, string>>;
    const [logicalId, vars] = Object.entries(doc)[0] as [string, Record<string, string>];
    // The events' edge rules as the container applies them; state and Salesforce stay local.
    const invoke = await run('npx', ['tsx', 'local/invoke.ts', 'events/tools-list.json'], {
      timeout: 90_000,
      env: {
        ...process.env,
        AUTH_MODE: vars.AUTH_MODE,
        ALLOWED_HOSTS: vars.ALLOWED_HOSTS,
        POWERTOOLS_LOG_LEVEL: 'SILENT',
      },
    });

    // Assess
    expect(stdout).toContain(`sam local invoke -t ${templateFile} ${logicalId}`);
    expect(vars).toMatchObject({ AUTH_MODE: 'none', ALLOWED_HOSTS: '*.on.aws' });
    const result = JSON.parse(invoke.stdout) as {
      statusCode: number;
      body: { result?: { tools?: unknown[] } };
    };
    expect(result.statusCode).toBe(200);
    expect(result.body.result?.tools?.length).toBeGreaterThan(0);
  }, 150_000);
});
