/**
 * What Salesforce Agentforce (and the stricter MCP clients) accept in a `tools/list` answer, as
 * pure checks over the wire JSON. Each check returns readable problems, so a failing assertion
 * names the tool and the property. Shared by the vitest compatibility test and `run.ts`, which
 * applies them to the MCP Inspector's output as well.
 *
 * Sources: shared/reference/agentforce-as-mcp-client.md §1.3 (names), §1.5–1.6 (schemas,
 * descriptions), §6 items 20–24.
 */

/** A tool as it appears on the wire in a `tools/list` result. */
/** The six tools this server serves, in the order a step-by-step conversation uses them. */
export const EXPECTED_TOOLS = [
  'authenticate',
  'create-agent-session',
  'send-message-to-agent',
  'get-session-status',
  'complete-agentforce-conversation',
  'end-agent-session',
] as const;

export interface WireTool {
  readonly name: string;
  readonly title?: string;
  readonly description?: string;
  readonly inputSchema?: JsonSchema;
  readonly outputSchema?: JsonSchema;
}

/** The subset of JSON Schema these checks look at. */
export interface JsonSchema {
  readonly type?: string | readonly string[];
  readonly description?: string;
  readonly properties?: Readonly<Record<string, JsonSchema>>;
  readonly items?: JsonSchema | readonly JsonSchema[];
  readonly additionalProperties?: boolean | JsonSchema;
  readonly patternProperties?: Readonly<Record<string, JsonSchema>>;
  readonly anyOf?: readonly JsonSchema[];
  readonly oneOf?: readonly JsonSchema[];
  readonly allOf?: readonly JsonSchema[];
  readonly $ref?: string;
}

/**
 * Tool-name rules, strictest reading last. SEP-986 / the MCP spec (no slash, ≤ 64 as the
 * conformance suite and Claude's directory demand), Agentforce's printed class taken literally
 * (`a-zA-Z0-9./-`, so no underscore), and the same class with Agentforce's 128-character limit.
 */
export const TOOL_NAME_RULES: ReadonlyArray<{ readonly label: string; readonly pattern: RegExp }> =
  [
    { label: 'MCP spec / SEP-986, <= 64', pattern: /^[a-zA-Z0-9_.-]{1,64}$/ },
    { label: 'Agentforce as printed, <= 128', pattern: /^[a-zA-Z0-9./-]{1,128}$/ },
    { label: 'no underscore, <= 64 (strictest)', pattern: /^[a-zA-Z0-9.-]{1,64}$/ },
  ];

/** Longest tool description Agentforce's builder is known to take comfortably (Tableau fork: ~1,300). */
export const MAX_TOOL_DESCRIPTION = 1000;
/** "Properties ≤ 255 characters", read as: every schema description. */
export const MAX_PROPERTY_DESCRIPTION = 255;

const PRIMITIVE_TYPES = new Set(['string', 'number', 'integer', 'boolean']);
/** One line of printable ASCII: no control characters, no Unicode (Agentforce flags those as high risk). */
const PRINTABLE_ASCII_LINE = /^[\x20-\x7E]+$/;

function typesOf(schema: JsonSchema): string[] {
  if (schema.type === undefined) return [];
  return typeof schema.type === 'string' ? [schema.type] : [...schema.type];
}

/** Combinators and references hide the real shape from Agentforce's first-level mapping. */
function shapeProblems(schema: JsonSchema, where: string): string[] {
  const problems: string[] = [];
  for (const keyword of ['anyOf', 'oneOf', 'allOf', '$ref', 'patternProperties'] as const) {
    if (schema[keyword] !== undefined) problems.push(`${where}: uses ${keyword}`);
  }
  if (typeof schema.additionalProperties === 'object') {
    problems.push(`${where}: additionalProperties is a schema (a dynamic map)`);
  }
  return problems;
}

function primitiveProblems(schema: JsonSchema, where: string): string[] {
  const problems = shapeProblems(schema, where);
  const types = typesOf(schema).filter((type) => type !== 'null');
  if (types.length !== 1 || !PRIMITIVE_TYPES.has(types[0] as string)) {
    problems.push(`${where}: type ${JSON.stringify(schema.type)} is not one primitive type`);
  }
  if (schema.properties !== undefined || schema.items !== undefined) {
    problems.push(`${where}: a primitive must not have properties or items`);
  }
  return problems;
}

function objectProblems(schema: JsonSchema | undefined, where: string): string[] {
  if (schema === undefined) return [`${where}: missing`];
  const problems = shapeProblems(schema, where);
  if (!typesOf(schema).includes('object')) problems.push(`${where}: type is not "object"`);
  return problems;
}

/** Input schema: an object whose every property is one primitive. */
export function inputSchemaProblems(tool: WireTool): string[] {
  const where = `${tool.name}.inputSchema`;
  const problems = objectProblems(tool.inputSchema, where);
  for (const [name, property] of Object.entries(tool.inputSchema?.properties ?? {})) {
    problems.push(...primitiveProblems(property, `${where}.${name}`));
  }
  return problems;
}

/**
 * Output schema: an object whose properties are primitives, or arrays of objects whose own
 * properties are all primitives ("top-level arrays of objects", nothing deeper).
 */
export function outputSchemaProblems(tool: WireTool): string[] {
  const where = `${tool.name}.outputSchema`;
  const problems = objectProblems(tool.outputSchema, where);
  for (const [name, property] of Object.entries(tool.outputSchema?.properties ?? {})) {
    const path = `${where}.${name}`;
    if (!typesOf(property).includes('array')) {
      problems.push(...primitiveProblems(property, path));
      continue;
    }
    problems.push(...shapeProblems(property, path));
    const items = property.items;
    if (items === undefined || Array.isArray(items)) {
      problems.push(`${path}: an array needs one object "items" schema`);
      continue;
    }
    const item = items as JsonSchema;
    problems.push(...objectProblems(item, `${path}[]`));
    for (const [field, schema] of Object.entries(item.properties ?? {})) {
      problems.push(...primitiveProblems(schema, `${path}[].${field}`));
    }
  }
  return problems;
}

function textProblems(text: string | undefined, where: string, max: number): string[] {
  if (text === undefined || text.length === 0) return [`${where}: missing`];
  const problems: string[] = [];
  if (!PRINTABLE_ASCII_LINE.test(text)) problems.push(`${where}: not one line of printable ASCII`);
  if (text.length > max) problems.push(`${where}: ${text.length} characters (max ${max})`);
  return problems;
}

function describedSchemas(tool: WireTool): Array<[string, JsonSchema]> {
  const found: Array<[string, JsonSchema]> = [];
  for (const kind of ['inputSchema', 'outputSchema'] as const) {
    for (const [name, property] of Object.entries(tool[kind]?.properties ?? {})) {
      found.push([`${tool.name}.${kind}.${name}`, property]);
      const items = property.items;
      if (items !== undefined && !Array.isArray(items)) {
        for (const [field, schema] of Object.entries((items as JsonSchema).properties ?? {})) {
          found.push([`${tool.name}.${kind}.${name}[].${field}`, schema]);
        }
      }
    }
  }
  return found;
}

/**
 * Title and description of the tool (≤ 1000), and the description of every property (≤ 255):
 * present, single-line printable ASCII.
 */
export function descriptionProblems(tool: WireTool): string[] {
  const problems = [
    ...textProblems(tool.description, `${tool.name}.description`, MAX_TOOL_DESCRIPTION),
    ...(tool.title === undefined
      ? []
      : textProblems(tool.title, `${tool.name}.title`, MAX_PROPERTY_DESCRIPTION)),
  ];
  for (const [where, schema] of describedSchemas(tool)) {
    problems.push(
      ...textProblems(schema.description, `${where}.description`, MAX_PROPERTY_DESCRIPTION)
    );
  }
  return problems;
}

/** Names that break at least one of {@link TOOL_NAME_RULES}, with the rule they break. */
export function nameProblems(tool: WireTool): string[] {
  return TOOL_NAME_RULES.filter((rule) => !rule.pattern.test(tool.name)).map(
    (rule) => `${tool.name}: breaks ${rule.label} (${rule.pattern.source})`
  );
}

/** Every Agentforce problem of a `tools/list` answer; empty when all tools are safe to register. */
export function agentforceProblems(tools: readonly WireTool[]): string[] {
  return tools.flatMap((tool) => [
    ...nameProblems(tool),
    ...inputSchemaProblems(tool),
    ...outputSchemaProblems(tool),
    ...descriptionProblems(tool),
  ]);
}
