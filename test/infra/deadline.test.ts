import { afterAll, describe, expect, it } from 'vitest';
import { parseStackConfig } from '../../infra/config.js';
import { loadConfig } from '../../lambda/config.js';
import {
  DEADLINE_MARGIN_MS,
  DEFAULT_TOOL_DEADLINE_MS,
  invocationBudgetMs,
  MAX_TOOL_DEADLINE_MS,
} from '../../lambda/shared/deadline.js';
import { MINIMAL_FUNCTION_ENV } from '../helpers/env.js';
import { onlyResource, removeSynthOutputs, synth } from './synth.js';

afterAll(removeSynthOutputs);

describe('Function: invocationBudgetMs', () => {
  it('returns the deadline plus the 5 s margin', () => {
    expect(DEADLINE_MARGIN_MS).toBe(5_000);
    expect(invocationBudgetMs(45_000)).toBe(50_000);
  });

  it.each([
    [DEFAULT_TOOL_DEADLINE_MS, 50],
    [29_500, 35],
    [MAX_TOOL_DEADLINE_MS, 60],
  ])('is the Lambda timeout of a %i ms deadline (%i s)', (deadline, seconds) => {
    // Act
    const { template } = synth({ toolDeadlineMs: deadline });

    // Assess
    expect(onlyResource(template, 'AWS::Lambda::Function')[1].Properties.Timeout).toBe(seconds);
    expect(seconds).toBe(Math.ceil(invocationBudgetMs(deadline) / 1000));
  });
});

describe('Constant: tool deadline bounds', () => {
  it('returns the same default in the function and the deployment', () => {
    // Act
    const fn = loadConfig(MINIMAL_FUNCTION_ENV);
    const stack = parseStackConfig({
      agentId: '0XxKZ000000abcdEFG',
      myDomainUrl: 'https://acme.my.salesforce.com',
    });

    // Assess
    expect(fn.limits.toolDeadlineMs).toBe(DEFAULT_TOOL_DEADLINE_MS);
    expect(stack.toolDeadlineMs).toBe(DEFAULT_TOOL_DEADLINE_MS);
  });

  it('refuses a deadline above the ceiling in both', () => {
    const over = String(MAX_TOOL_DEADLINE_MS + 1);
    expect(() => loadConfig({ ...MINIMAL_FUNCTION_ENV, TOOL_DEADLINE_MS: over })).toThrow(
      /TOOL_DEADLINE_MS/
    );
    expect(() =>
      parseStackConfig({
        agentId: '0XxKZ000000abcdEFG',
        myDomainUrl: 'https://acme.my.salesforce.com',
        toolDeadlineMs: over,
      })
    ).toThrow(/toolDeadlineMs/);
  });
});
