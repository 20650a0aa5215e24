import * as z from 'zod';
import type { AgentVariable } from '../agentforce/index.js';

/**
 * Context variables callers may set (agent-api.md §2.6, "Send Agent Variables"): the operator
 * declares each one in `SALESFORCE_AGENT_VARIABLES`; the tools that start sessions or send
 * messages take it as an optional flat argument named `var_<name>`. Values are caller data: they
 * are validated here and never logged or quoted in an error.
 */

/** The Agent API variable types that fit a flat tool argument (no Object, Json, List, …). */
export const CONTEXT_VARIABLE_TYPES = ['Text', 'Number', 'Boolean', 'Date', 'DateTime'] as const;
export type ContextVariableType = (typeof CONTEXT_VARIABLE_TYPES)[number];

/** Every variable argument starts with this, so an unknown one can be told from other arguments. */
export const VARIABLE_INPUT_PREFIX = 'var_';

/** Longest Text value accepted; the Agent API documents none, this keeps a turn's body bounded. */
export const MAX_TEXT_VARIABLE_CHARS = 1_000;

const INPUT_NAME = /^var_[a-z0-9]+(?:_[a-z0-9]+)*$/;
const PRINTABLE_ASCII = /^[\x20-\x7E]+$/;

/** A declared variable, as the configuration holds it after parsing. */
export interface ContextVariable {
  /** Salesforce's name, e.g. `$Context.EndUserLanguage` or a custom `Conversation_Key`. */
  readonly name: string;
  readonly type: ContextVariableType;
  /** The tool argument, `var_…`. */
  readonly input: string;
  readonly description: string;
  /** Sent at session start when the caller gives no value. */
  readonly default?: string | number | boolean;
}

/** The values one call sends: at session start (defaults filled in) and with the message. */
export interface CallVariables {
  readonly start: readonly AgentVariable[];
  readonly message: readonly AgentVariable[];
}

/** No variables: what a call without declared or given variables sends. */
export const NO_VARIABLES: CallVariables = Object.freeze({ start: [], message: [] });

/** `$Context.EndUserLanguage` → `var_end_user_language`; `Conversation_Key` → `var_conversation_key`. */
export function defaultInputName(name: string): string {
  const bare = name.replace(/^\$Context\./, '').replace(/^\$/, '');
  const snake = bare
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
  return `${VARIABLE_INPUT_PREFIX}${snake}`;
}

/** The schema of a value of `type`; its messages never quote the value. */
export function variableValueSchema(type: ContextVariableType) {
  switch (type) {
    case 'Text':
      return z.string({ error: 'must be a string' }).max(MAX_TEXT_VARIABLE_CHARS, {
        error: `must be at most ${MAX_TEXT_VARIABLE_CHARS} characters`,
      });
    case 'Number':
      return z.number({ error: 'must be a number' });
    case 'Boolean':
      return z.boolean({ error: 'must be true or false' });
    case 'Date':
      return z.iso.date({ error: 'must be a date, YYYY-MM-DD' });
    case 'DateTime':
      return z.iso.datetime({
        local: true,
        offset: true,
        error: 'must be a date and time, YYYY-MM-DDTHH:MM:SS',
      });
  }
}

/** One entry of `SALESFORCE_AGENT_VARIABLES`. */
const declarationSchema = z
  .strictObject({
    name: z.string().min(1).max(255),
    type: z.enum(CONTEXT_VARIABLE_TYPES),
    input: z
      .string()
      .regex(INPUT_NAME, { error: 'must be var_ followed by lower-case words joined by _' })
      .max(64)
      .optional(),
    description: z
      .string()
      .regex(PRINTABLE_ASCII, { error: 'must be one line of printable ASCII' })
      .max(200)
      .optional(),
    default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  })
  .transform((entry, ctx): ContextVariable => {
    const input = entry.input ?? defaultInputName(entry.name);
    if (!INPUT_NAME.test(input) || input.length > 64) {
      ctx.addIssue({
        code: 'custom',
        path: ['input'],
        message: `cannot be derived from the name; give one (var_…)`,
      });
    }
    if (entry.default !== undefined) {
      const checked = variableValueSchema(entry.type).safeParse(entry.default);
      if (!checked.success) {
        ctx.addIssue({
          code: 'custom',
          path: ['default'],
          message: checked.error.issues[0]?.message ?? 'is invalid',
        });
      }
    }
    return {
      name: entry.name,
      type: entry.type,
      input,
      description:
        entry.description ?? `Optional ${entry.type} value for the agent's ${entry.name} variable.`,
      ...(entry.default !== undefined ? { default: entry.default } : {}),
    };
  });

/**
 * `SALESFORCE_AGENT_VARIABLES`: a JSON array of `{name, type, input?, description?, default?}`.
 * Unset or empty means no variables.
 */
export const contextVariablesSetting = z
  .string()
  .optional()
  .transform((text, ctx): unknown => {
    if (text === undefined || text.trim() === '') return [];
    try {
      return JSON.parse(text);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be a JSON array of variable declarations' });
      return z.NEVER;
    }
  })
  .pipe(z.array(declarationSchema).max(20))
  .superRefine((variables, ctx) => {
    for (const key of ['name', 'input'] as const) {
      const seen = new Set<string>();
      variables.forEach((variable, index) => {
        if (seen.has(variable[key])) {
          ctx.addIssue({ code: 'custom', path: [index, key], message: `repeats ${key}` });
        }
        seen.add(variable[key]);
      });
    }
  });

/**
 * The variables of one call from the caller's arguments (by `input` name): the start list carries
 * every given value and the defaults of the others; the message list only the given values.
 */
export function callVariables(
  declared: readonly ContextVariable[],
  given: Readonly<Record<string, unknown>>
): CallVariables {
  if (declared.length === 0) return NO_VARIABLES;
  const start: AgentVariable[] = [];
  const message: AgentVariable[] = [];
  for (const variable of declared) {
    const value = given[variable.input];
    if (value !== undefined) {
      const sent = { name: variable.name, type: variable.type, value };
      start.push(sent);
      message.push(sent);
    } else if (variable.default !== undefined) {
      start.push({ name: variable.name, type: variable.type, value: variable.default });
    }
  }
  return { start, message };
}
