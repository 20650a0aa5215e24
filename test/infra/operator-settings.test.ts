import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StackConfigError } from '../../infra/errors.js';
import { loadDeployment, settingsFile } from '../../infra/operator-settings.js';
import { REQUIRED_SETTINGS } from './synth.js';

const node = (context: Record<string, unknown>) => new App({ context }).node;

describe('Function: loadDeployment', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'mcp-deployments-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the settings of the first deploy for a later plain deploy', () => {
    // Prepare
    loadDeployment(
      node({ ...REQUIRED_SETTINGS, authMode: 'none', memorySize: '1024' }),
      {},
      dir
    ).save();

    // Act
    const { config } = loadDeployment(node({}), {}, dir);

    // Assess
    expect(config).toMatchObject({ ...REQUIRED_SETTINGS, authMode: 'none', memorySize: 1024 });
    expect(JSON.parse(readFileSync(settingsFile(dir, 'AgentforceMcpServer'), 'utf8'))).toEqual({
      ...REQUIRED_SETTINGS,
      authMode: 'none',
      memorySize: '1024',
    });
  });

  it('keeps two stacks apart, each in its own file', () => {
    // Prepare
    loadDeployment(node({ ...REQUIRED_SETTINGS, stackName: 'SupportAgent' }), {}, dir).save();
    const sales = { agentId: '0XxKZ000000zyxwVUT', myDomainUrl: 'https://sales.my.salesforce.com' };
    loadDeployment(node({ ...sales, stackName: 'SalesAgent' }), {}, dir).save();

    // Act
    const support = loadDeployment(node({ stackName: 'SupportAgent' }), {}, dir).config;
    const salesAgain = loadDeployment(node({}), { MCP_STACK_NAME: 'SalesAgent' }, dir).config;

    // Assess
    expect(support.agentId).toBe(REQUIRED_SETTINGS.agentId);
    expect(salesAgain.agentId).toBe(sales.agentId);
    expect(salesAgain.stackName).toBe('SalesAgent');
  });

  it('throws when a deploy would switch the auth mode without allowAuthModeChange', () => {
    // Prepare: deployed with the default (cognito), which is persisted too.
    loadDeployment(node(REQUIRED_SETTINGS), {}, dir).save();

    // Act
    const change = () => loadDeployment(node({ authMode: 'none' }), {}, dir);

    // Assess
    expect(change).toThrow(StackConfigError);
    expect(change).toThrow(/authMode=cognito .*allowAuthModeChange=true/s);
  });

  it('switches the auth mode when confirmed, and does not keep the confirmation', () => {
    // Prepare
    loadDeployment(node(REQUIRED_SETTINGS), {}, dir).save();

    // Act
    const confirmed = loadDeployment(
      node({ authMode: 'none', allowAuthModeChange: 'true' }),
      {},
      dir
    );
    confirmed.save();

    // Assess
    expect(confirmed.config.authMode).toBe('none');
    const saved = JSON.parse(readFileSync(confirmed.file, 'utf8'));
    expect(saved.authMode).toBe('none');
    expect(saved).not.toHaveProperty('allowAuthModeChange');
  });

  it('warns that a Cognito domain prefix change needs the old domain deleted first', () => {
    // Prepare
    loadDeployment(node(REQUIRED_SETTINGS), {}, dir).save();

    // Act
    const changed = loadDeployment(node({ cognitoDomainPrefix: 'acme-mcp' }), {}, dir);
    changed.save();
    const unchanged = loadDeployment(node({}), {}, dir);

    // Assess
    expect(changed.warnings).toEqual([
      expect.stringContaining('from the default to acme-mcp: the update fails'),
    ]);
    expect(changed.warnings[0]).toContain('delete-user-pool-domain');
    expect(unchanged.warnings).toEqual([]);
    expect(
      loadDeployment(node(REQUIRED_SETTINGS), {}, mkdtempSync(join(dir, 'fresh-'))).warnings
    ).toEqual([]);
  });

  it('writes nothing until save is called', () => {
    // Act
    const { file } = loadDeployment(node(REQUIRED_SETTINGS), {}, dir);

    // Assess
    expect(() => readFileSync(file)).toThrow(/ENOENT/);
  });

  it('throws naming the file when it is not a JSON object', () => {
    // Prepare
    writeFileSync(settingsFile(dir, 'AgentforceMcpServer'), '[1, 2]');

    // Act & Assess
    expect(() => loadDeployment(node(REQUIRED_SETTINGS), {}, dir)).toThrow(
      /AgentforceMcpServer\.json is not a JSON object/
    );
  });
});
