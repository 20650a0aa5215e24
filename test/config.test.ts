import { describe, expect, it } from 'vitest';
import { parseStackConfig } from '../infra/config.js';
import { ConfigError, loadConfig } from '../lambda/config.js';
import { DEFAULT_TTL_SECONDS } from '../lambda/state/store-support.js';

const base = {
  TABLE_NAME: 'sessions',
  SALESFORCE_SERVER_URL: 'acme.my.salesforce.com',
  SALESFORCE_AGENT_ID: '0XxSB000000IPCr0AO',
  SALESFORCE_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:sf-AbCdEf',
  AUTH_MODE: 'none',
};

describe('Function: loadConfig', () => {
  it('parses a Lambda environment with defaults', () => {
    const config = loadConfig(base);
    expect(config.salesforce.credentials).toEqual({
      source: 'secrets-manager',
      secretArn: base.SALESFORCE_SECRET_ARN,
    });
    expect(config.limits.toolDeadlineMs).toBe(45_000);
    expect(config.salesforce.bypassUser).toBe(true);
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('returns the store default record lifetime (one day) when STATE_TTL_HOURS is unset', () => {
    const config = loadConfig(base);
    expect(config.limits.stateTtlSeconds).toBe(DEFAULT_TTL_SECONDS);
    expect(DEFAULT_TTL_SECONDS).toBe(24 * 3600);
    expect(loadConfig({ ...base, STATE_TTL_HOURS: '168' }).limits.stateTtlSeconds).toBe(604_800);
  });

  it('accepts and ignores SALESFORCE_ORG_ID, which an environment of the Python server carries', () => {
    const withOrgId = loadConfig({ ...base, SALESFORCE_ORG_ID: '00D000000000001' });
    expect(withOrgId).toEqual(loadConfig(base));
  });

  it('takes credentials from the environment for a local run', () => {
    const { SALESFORCE_SECRET_ARN: _, ...local } = base;
    const config = loadConfig({
      ...local,
      SALESFORCE_CLIENT_ID: 'id',
      SALESFORCE_CLIENT_SECRET: 's',
    });
    expect(config.salesforce.credentials.source).toBe('environment');
  });

  it('throws naming every missing or invalid variable', () => {
    const { SALESFORCE_SECRET_ARN: _, TABLE_NAME: __, ...rest } = base;
    const parse = () =>
      loadConfig({ ...rest, SALESFORCE_AGENT_ID: 'nope', TOOL_DEADLINE_MS: '90000' });
    expect(parse).toThrow(ConfigError);
    expect(parse).toThrow(/TABLE_NAME/);
    expect(parse).toThrow(/SALESFORCE_AGENT_ID/);
    expect(parse).toThrow(/SALESFORCE_SECRET_ARN/);
    expect(parse).toThrow(/TOOL_DEADLINE_MS/);
  });

  it('keeps markdown and declares no context variables by default', () => {
    const config = loadConfig(base);
    expect(config.salesforce.plainText).toBe(false);
    expect(config.salesforce.variables).toEqual([]);
    expect(loadConfig({ ...base, SALESFORCE_PLAIN_TEXT: 'true' }).salesforce.plainText).toBe(true);
  });

  it('parses declared context variables, deriving the tool argument from the name', () => {
    const config = loadConfig({
      ...base,
      SALESFORCE_AGENT_VARIABLES: JSON.stringify([
        { name: '$Context.EndUserLanguage', type: 'Text', default: 'en_US' },
        { name: 'Loyalty_Tier', type: 'Number', input: 'var_tier', description: 'Loyalty tier.' },
      ]),
    });
    expect(config.salesforce.variables).toEqual([
      {
        name: '$Context.EndUserLanguage',
        type: 'Text',
        input: 'var_end_user_language',
        description: "Optional Text value for the agent's $Context.EndUserLanguage variable.",
        default: 'en_US',
      },
      { name: 'Loyalty_Tier', type: 'Number', input: 'var_tier', description: 'Loyalty tier.' },
    ]);
  });

  it('throws naming every problem of the variable declarations together with other settings', () => {
    const parse = () =>
      loadConfig({
        ...base,
        TOOL_DEADLINE_MS: '90000',
        SALESFORCE_AGENT_VARIABLES: JSON.stringify([
          { name: 'A', type: 'Object' },
          { name: 'B', type: 'Number', default: 'three' },
          { name: 'C', type: 'Text', input: 'tier' },
        ]),
      });
    expect(parse).toThrow(/TOOL_DEADLINE_MS/);
    expect(parse).toThrow(/SALESFORCE_AGENT_VARIABLES\.0\.type/);
    expect(parse).toThrow(/SALESFORCE_AGENT_VARIABLES\.1\.default: must be a number/);
    expect(parse).toThrow(/SALESFORCE_AGENT_VARIABLES\.2\.input: must be var_/);
  });

  it('throws on a repeated variable name or tool argument', () => {
    const parse = () =>
      loadConfig({
        ...base,
        SALESFORCE_AGENT_VARIABLES: JSON.stringify([
          { name: 'D', type: 'Text', input: 'var_d' },
          { name: 'D', type: 'Text', input: 'var_e' },
          { name: 'E', type: 'Text', input: 'var_d' },
        ]),
      });
    expect(parse).toThrow(/SALESFORCE_AGENT_VARIABLES\.1\.name: repeats name/);
    expect(parse).toThrow(/SALESFORCE_AGENT_VARIABLES\.2\.input: repeats input/);
  });

  it('throws when no tool argument can be derived from a variable name', () => {
    expect(() =>
      loadConfig({
        ...base,
        SALESFORCE_AGENT_VARIABLES: JSON.stringify([{ name: '$Context.***', type: 'Text' }]),
      })
    ).toThrow(/SALESFORCE_AGENT_VARIABLES\.0\.input: cannot be derived from the name/);
  });

  it('throws when SALESFORCE_AGENT_VARIABLES is not JSON', () => {
    expect(() => loadConfig({ ...base, SALESFORCE_AGENT_VARIABLES: '[{' })).toThrow(
      /SALESFORCE_AGENT_VARIABLES: must be a JSON array/
    );
  });

  it('splits comma lists', () => {
    const config = loadConfig({
      ...base,
      ALLOWED_ORIGINS: ' https://a.example , https://b.example,',
    });
    expect(config.http.allowedOrigins).toEqual(['https://a.example', 'https://b.example']);
  });
});

describe('Constant: agentIdSchema', () => {
  it.each([
    ['0XxKZ000000abcd', true],
    ['0XxKZ000000abcdEFG', true],
    ['0XxKZ000000abc', false],
    ['0XxKZ000000abcdEF', false],
    ['001KZ000000abcdEFG', false],
    ['0XxKZ000000abcd-FG', false],
  ])('decides %s -> %s for the function and for cdk synth alike', (agentId, valid) => {
    // Act
    const fn = agentIdAccepted(() => loadConfig({ ...base, SALESFORCE_AGENT_ID: agentId }));
    const synth = agentIdAccepted(() =>
      parseStackConfig({ agentId, myDomainUrl: 'https://acme.my.salesforce.com' })
    );

    // Assess
    expect({ fn, synth }).toEqual({ fn: valid, synth: valid });
  });
});

function agentIdAccepted(parse: () => unknown): boolean {
  try {
    parse();
    return true;
  } catch (err) {
    expect(String(err)).toMatch(/agent/i);
    return false;
  }
}
