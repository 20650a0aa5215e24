import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { callTool, type Harness, startHarness, textOf } from '../helpers/harness.js';

/**
 * The Agent API features behind the tools (issue 14), through the real handler, DynamoDB Local and
 * the simulator: feedback, content safety, plain text, employee agents, token scopes and context
 * variables.
 */

let n = 0;
const email = () => `api${++n}-${Date.now()}@example.com`;
const structured = (result: CallToolResult) => result.structuredContent as Record<string, unknown>;
type FlatMessage = { type: string; feedback_id: string; content_safe: boolean; text: string };
const messagesOf = (result: CallToolResult) => structured(result).messages as FlatMessage[];

describe('Agent API features through the tools', () => {
  let harness: Harness;
  let client: Client;

  beforeAll(async () => {
    harness = await startHarness();
    client = await harness.connect();
  });
  afterAll(() => harness.close());

  describe('Tool: submit-agent-feedback', () => {
    it("rates an answer by the feedback_id a turn returned, in the client's stored session", async () => {
      // Prepare
      const clientEmail = email();
      const turn = await callTool(client, 'complete-agentforce-conversation', {
        client_email: clientEmail,
        message: 'What are your opening hours?',
      });
      const feedbackId = messagesOf(turn)[0]?.feedback_id ?? '';
      const before = harness.simulator.counters.feedbackReceived;

      // Act
      const result = await callTool(client, 'submit-agent-feedback', {
        client_email: clientEmail,
        feedback_id: feedbackId,
        rating: 'GOOD',
        comment: 'Clear and short.',
      });

      // Assess
      expect(result.isError).toBeFalsy();
      expect(structured(result)).toEqual({
        client_email: clientEmail,
        session_id: structured(turn).session_id,
        feedback_id: feedbackId,
        rating: 'GOOD',
        submitted: true,
      });
      expect(harness.simulator.counters.feedbackReceived).toBe(before + 1);
    });

    it('answers [NO_SESSION] without calling Salesforce when the client has no session', async () => {
      // Prepare
      const before = harness.simulator.counters.feedbackReceived;

      // Act
      const result = await callTool(client, 'submit-agent-feedback', {
        client_email: email(),
        feedback_id: '9247bbd8-5ed9-11ee-8c99-0242ac120002',
        rating: 'BAD',
      });

      // Assess
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/\[NO_SESSION\]$/);
      expect(harness.simulator.counters.feedbackReceived).toBe(before);
    });

    it('answers [REJECTED] for a feedback_id the session never issued', async () => {
      // Prepare
      const clientEmail = email();
      await callTool(client, 'create-agent-session', { client_email: clientEmail });

      // Act
      const result = await callTool(client, 'submit-agent-feedback', {
        client_email: clientEmail,
        feedback_id: '9247bbd8-5ed9-11ee-8c99-0242ac120002',
        rating: 'BAD',
      });

      // Assess
      expect(result.isError).toBe(true);
      expect(textOf(result)).toMatch(/did not find the feedback id.*\[REJECTED\]$/);
    });

    it('answers [INVALID_INPUT] for a rating other than GOOD or BAD, without quoting the comment', async () => {
      // Act
      const result = await callTool(client, 'submit-agent-feedback', {
        client_email: email(),
        feedback_id: 'abc',
        rating: 'MEH',
        comment: 'private words',
      });

      // Assess
      expect(textOf(result)).toMatch(/rating: must be GOOD or BAD.*\[INVALID_INPUT\]$/);
      expect(textOf(result)).not.toContain('private words');
    });
  });

  describe('Content safety', () => {
    it('returns content_safe false and a visible note for a flagged answer, true otherwise', async () => {
      // Prepare
      const clientEmail = email();

      // Act
      const flagged = await callTool(client, 'complete-agentforce-conversation', {
        client_email: clientEmail,
        message: 'an unsafe question',
      });
      const safe = await callTool(client, 'send-message-to-agent', {
        client_email: clientEmail,
        message: 'a plain question',
      });

      // Assess
      expect(structured(flagged).content_safe).toBe(false);
      expect(messagesOf(flagged)[0]?.content_safe).toBe(false);
      expect(textOf(flagged)).toMatch(/^\[Salesforce flagged the next message as possibly unsafe/);
      expect(structured(flagged).reply).not.toContain('flagged');
      expect(structured(safe).content_safe).toBe(true);
      expect(textOf(safe)).not.toContain('flagged');
    });
  });

  describe('Markdown (SALESFORCE_PLAIN_TEXT)', () => {
    it('keeps markdown by default', async () => {
      // Act
      const result = await callTool(client, 'complete-agentforce-conversation', {
        client_email: email(),
        message: 'show me the steps',
      });

      // Assess
      expect(structured(result).reply).toContain('**Describe**');
    });

    it('asks Salesforce for plain text when SALESFORCE_PLAIN_TEXT is true', async () => {
      // Prepare
      const plain = await startHarness({ env: { SALESFORCE_PLAIN_TEXT: 'true' } });
      try {
        const plainClient = await plain.connect();

        // Act
        const result = await callTool(plainClient, 'complete-agentforce-conversation', {
          client_email: email(),
          message: 'show me the steps',
        });

        // Assess
        expect(structured(result).reply).not.toContain('**');
        expect(structured(result).reply).toContain('Describe');
        expect(plain.simulator.counters.plainTextSessions).toBe(1);
      } finally {
        await plain.close();
      }
    });
  });
});

describe('Agent API setup failures through the tools', () => {
  let harness: Harness | undefined;
  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('answers an employee agent started with bypassUser true with [EMPLOYEE_AGENT] naming the setting', async () => {
    // Prepare
    harness = await startHarness({
      simulator: { agents: [{ id: '0XxSIM000000003CAI', kind: 'employee' }] },
    });
    const client = await harness.connect();

    // Act
    const result = await callTool(client, 'create-agent-session', { client_email: email() });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toMatch(/set SALESFORCE_BYPASS_USER=false.*\[EMPLOYEE_AGENT\]$/);
  });

  it('starts the employee agent once SALESFORCE_BYPASS_USER is false', async () => {
    // Prepare
    harness = await startHarness({
      env: { SALESFORCE_BYPASS_USER: 'false' },
      simulator: { agents: [{ id: '0XxSIM000000003CAI', kind: 'employee' }] },
    });
    const client = await harness.connect();

    // Act
    const result = await callTool(client, 'create-agent-session', { client_email: email() });

    // Assess
    expect(result.isError).toBeFalsy();
  });

  it('answers a token without chatbot_api and sfap_api at authenticate, naming the scopes and where to add them', async () => {
    // Prepare
    harness = await startHarness({ simulator: { tokenScope: 'api' } });
    const client = await harness.connect();

    // Act
    const result = await callTool(client, 'authenticate', { client_email: email() });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('lacks the chatbot_api, sfap_api scopes');
    expect(textOf(result)).toContain('Selected OAuth Scopes');
    expect(textOf(result)).toMatch(/\[SALESFORCE_AUTH\]$/);
    expect(harness.simulator.counters.sessionsStarted).toBe(0);
  });
});

describe('Context variables (SALESFORCE_AGENT_VARIABLES)', () => {
  let harness: Harness;
  let client: Client;

  beforeAll(async () => {
    harness = await startHarness({
      env: {
        SALESFORCE_AGENT_VARIABLES: JSON.stringify([
          { name: '$Context.EndUserLanguage', type: 'Text', default: 'en_US' },
          { name: 'Loyalty_Tier', type: 'Number', input: 'var_tier' },
          { name: 'Renewal_Date', type: 'Date' },
        ]),
      },
    });
    client = await harness.connect();
  });
  afterAll(() => harness.close());

  it('advertises each declared variable as an optional flat argument of the three turn tools', async () => {
    // Act
    const { tools } = await client.listTools();

    // Assess
    for (const name of [
      'complete-agentforce-conversation',
      'create-agent-session',
      'send-message-to-agent',
    ]) {
      const schema = tools.find((tool) => tool.name === name)?.inputSchema;
      expect(Object.keys(schema?.properties ?? {}), name).toEqual(
        expect.arrayContaining(['var_end_user_language', 'var_tier', 'var_renewal_date'])
      );
      expect(schema?.required, name).not.toContain('var_tier');
    }
    const status = tools.find((tool) => tool.name === 'get-session-status')?.inputSchema;
    expect(Object.keys(status?.properties ?? {})).toEqual(['client_email']);
  });

  it('sends given values and defaults at session start, and given values with a later message', async () => {
    // Prepare
    const clientEmail = email();

    // Act
    const first = await callTool(client, 'complete-agentforce-conversation', {
      client_email: clientEmail,
      message: 'which variables do you see?',
      var_tier: 3,
    });
    const second = await callTool(client, 'send-message-to-agent', {
      client_email: clientEmail,
      message: 'and which variables now?',
      var_end_user_language: 'fr',
      var_renewal_date: '2027-01-31',
    });

    // Assess
    expect(structured(first).reply).toBe(
      'The variables I know: $Context.EndUserLanguage="en_US", Loyalty_Tier=3.'
    );
    expect(structured(second).reply).toBe(
      'The variables I know: $Context.EndUserLanguage="fr", Loyalty_Tier=3, Renewal_Date="2027-01-31".'
    );
  });

  it('sends the defaults when create-agent-session is given no variables', async () => {
    // Prepare
    const clientEmail = email();
    await callTool(client, 'create-agent-session', { client_email: clientEmail });

    // Act
    const turn = await callTool(client, 'send-message-to-agent', {
      client_email: clientEmail,
      message: 'variables?',
    });

    // Assess
    expect(structured(turn).reply).toBe('The variables I know: $Context.EndUserLanguage="en_US".');
  });

  it('answers an undeclared var_ argument with [INVALID_INPUT] naming the accepted ones, calling nothing', async () => {
    // Prepare
    const before = harness.simulator.counters.sessionsStarted;

    // Act
    const result = await callTool(client, 'create-agent-session', {
      client_email: email(),
      var_secret_level: 'top',
    });

    // Assess
    expect(result.isError).toBe(true);
    expect(textOf(result)).toBe(
      'The tool arguments are invalid: var_secret_level: is not a context variable this server accepts (accepted: var_end_user_language, var_tier, var_renewal_date). Fix them and call again. [INVALID_INPUT]'
    );
    expect(harness.simulator.counters.sessionsStarted).toBe(before);
  });

  it('answers a value of the wrong type with [INVALID_INPUT] without quoting it', async () => {
    // Act
    const result = await callTool(client, 'complete-agentforce-conversation', {
      client_email: email(),
      message: 'hi',
      var_tier: 'gold-secret-tier',
      var_renewal_date: 'next tuesday',
    });

    // Assess
    expect(textOf(result)).toContain('var_tier: must be a number');
    expect(textOf(result)).toContain('var_renewal_date: must be a date, YYYY-MM-DD');
    expect(textOf(result)).not.toContain('gold-secret-tier');
    expect(textOf(result)).not.toContain('next tuesday');
  });
});
