import { describe, expect, it } from 'vitest';
import {
  type ContextVariable,
  callVariables,
  defaultInputName,
  NO_VARIABLES,
  variableValueSchema,
} from '../../lambda/conversation/context-variables.js';

const LANGUAGE: ContextVariable = {
  name: '$Context.EndUserLanguage',
  type: 'Text',
  input: 'var_end_user_language',
  description: 'Language.',
  default: 'en_US',
};
const TIER: ContextVariable = {
  name: 'Loyalty_Tier',
  type: 'Number',
  input: 'var_tier',
  description: 'Tier.',
};

describe('Function: defaultInputName', () => {
  it.each([
    ['$Context.EndUserLanguage', 'var_end_user_language'],
    ['Conversation_Key', 'var_conversation_key'],
    ['$Context.Account.Tier2Level', 'var_account_tier2_level'],
    ['$VerifiedCustomerID', 'var_verified_customer_id'],
  ])('derives %s → %s', (name, input) => {
    expect(defaultInputName(name)).toBe(input);
  });
});

describe('Function: callVariables', () => {
  it('returns NO_VARIABLES when nothing is declared', () => {
    expect(callVariables([], { var_tier: 3 })).toBe(NO_VARIABLES);
  });

  it('sends given values at start and with the message, defaults at start only', () => {
    expect(callVariables([LANGUAGE, TIER], { var_tier: 3, message: 'ignored' })).toEqual({
      start: [
        { name: '$Context.EndUserLanguage', type: 'Text', value: 'en_US' },
        { name: 'Loyalty_Tier', type: 'Number', value: 3 },
      ],
      message: [{ name: 'Loyalty_Tier', type: 'Number', value: 3 }],
    });
  });

  it('lets a given value replace the default', () => {
    expect(callVariables([LANGUAGE], { var_end_user_language: 'fr' }).start).toEqual([
      { name: '$Context.EndUserLanguage', type: 'Text', value: 'fr' },
    ]);
  });
});

describe('Function: variableValueSchema', () => {
  it.each([
    ['Date', '2027-01-31', true],
    ['Date', '31/01/2027', false],
    ['DateTime', '2018-09-21T14:30:00', true],
    ['DateTime', '2018-09-21T14:30:00+02:00', true],
    ['DateTime', '2018-09-21', false],
    ['Boolean', 'true', false],
    ['Number', 2.5, true],
    ['Text', 'x'.repeat(1_001), false],
  ] as const)('checks a %s value %j (valid: %s)', (type, value, valid) => {
    expect(variableValueSchema(type).safeParse(value).success).toBe(valid);
  });

  it('never quotes the value in its message', () => {
    const result = variableValueSchema('Number').safeParse('secret-value-123');
    expect(JSON.stringify(result.error?.issues)).not.toContain('secret-value-123');
  });
});
