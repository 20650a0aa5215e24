import { describe, expect, it } from 'vitest';
import {
  AgentforceConfigError,
  normalizeApiUrl,
  normalizeMyDomainUrl,
} from '../../lambda/agentforce/index.js';

describe('Function: normalizeMyDomainUrl', () => {
  it.each([
    ['acme.my.salesforce.com', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com', 'https://acme.my.salesforce.com'],
    ['https://acme.my.salesforce.com/', 'https://acme.my.salesforce.com'],
    ['  ACME.my.salesforce.com/  ', 'https://acme.my.salesforce.com'],
    ['acme--dev.sandbox.my.salesforce.com', 'https://acme--dev.sandbox.my.salesforce.com'],
    ['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
    ['http://127.5.6.7:80/', 'http://127.5.6.7'],
    ['http://localhost:3000/', 'http://localhost:3000'],
    ['http://[::1]:9000', 'http://[::1]:9000'],
  ])('returns a normalised URL for %s', (input, expected) => {
    // Act
    const result = normalizeMyDomainUrl(input);

    // Assess
    expect(result).toBe(expected);
  });

  it.each([
    ['', 'empty'],
    ['http://acme.my.salesforce.com', 'only allowed for loopback'],
    ['http://10.0.0.1:8080', 'only allowed for loopback'],
    ['ftp://acme.my.salesforce.com', 'https://'],
    ['https://acme.my.salesforce.com/lightning/page/home', 'must not have a path'],
    ['https://user:pw@acme.my.salesforce.com', 'plain host URL'],
    ['https://acme.my.salesforce.com?x=1', 'plain host URL'],
    ['https://login.salesforce.com', "org's own My Domain"],
    ['acme.lightning.force.com', 'not the Lightning host'],
    ['https://exa mple.com', 'not a valid URL'],
  ])('throws AgentforceConfigError for %j', (input, fragment) => {
    // Act
    const call = (): string => normalizeMyDomainUrl(input);

    // Assess
    expect(call).toThrow(AgentforceConfigError);
    expect(call).toThrow(fragment);
  });

  it('names the offending setting on the error', () => {
    // Act
    let error: unknown;
    try {
      normalizeMyDomainUrl('http://acme.example.com');
    } catch (err) {
      error = err;
    }

    // Assess
    expect(error).toMatchObject({ name: 'AgentforceConfigError', setting: 'myDomainUrl' });
  });
});

describe('Function: normalizeApiUrl', () => {
  it.each([
    ['api.salesforce.com', 'https://api.salesforce.com'],
    ['https://api.gov.salesforce.com/', 'https://api.gov.salesforce.com'],
    ['https://api.salesforce.com/einstein/ai-agent/v1/', 'https://api.salesforce.com'],
    ['http://127.0.0.1:4010', 'http://127.0.0.1:4010'],
  ])('returns the host URL for %s', (input, expected) => {
    // Act
    const result = normalizeApiUrl(input);

    // Assess
    expect(result).toBe(expected);
  });

  it.each(['http://api.salesforce.com', 'https://api.salesforce.com/services/data'])(
    'throws AgentforceConfigError for %s',
    (input) => {
      // Act
      const call = (): string => normalizeApiUrl(input);

      // Assess
      expect(call).toThrow(AgentforceConfigError);
    }
  );
});
