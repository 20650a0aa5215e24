import type {
  McpServer,
  StandardSchemaWithJSON,
  ToolAnnotations,
} from '@modelcontextprotocol/server';
import * as z from 'zod';
import { InvalidToolInputError } from './errors.js';
import { progressReporter } from './progress.js';
import type { ToolCall, ToolRequest, ToolSettings } from './tool-context.js';
import { runTool, success } from './tool-result.js';

/** What a tool file declares: its MCP metadata, its schemas and its body. */
export interface ToolSpec<Input extends z.ZodObject, Output extends z.ZodRawShape> {
  /** Kebab-case: Agentforce accepts only a narrow tool-name charset. */
  readonly name: string;
  /** Shown by clients in their tool lists; also the annotations' title. */
  readonly title: string;
  /** What the model reads to choose the tool: one line, ASCII, at most 1000 characters (Agentforce). */
  readonly description: string;
  /** One verb phrase for the server instructions, e.g. "ends the client's session". */
  readonly summary: string;
  readonly annotations: Required<Omit<ToolAnnotations, 'title'>>;
  /** The input schema for a container's settings (built once per settings object). */
  readonly input: (settings: ToolSettings) => Input;
  /** The output schema's fields: flat primitives, or one array of flat objects (Agentforce). */
  readonly output: Output;
  /** The tool's work. Business failures are thrown as typed errors; the error table words them. */
  readonly run: (
    input: z.output<Input>,
    call: ToolCall
  ) => Promise<{ readonly structured: z.output<z.ZodObject<Output>>; readonly text: string }>;
}

/** A tool as the registry holds it. */
export interface Tool {
  readonly name: string;
  readonly title: string;
  readonly summary: string;
  /** The schema the tool validates its arguments with (its JSON Schema is what `tools/list` shows). */
  readonly inputSchema: (settings: ToolSettings) => z.ZodObject;
  /** Registers the tool on a fresh per-request server. */
  readonly register: (server: McpServer, settings: ToolSettings, request: ToolRequest) => void;
}

/**
 * What the SDK is given as a tool schema: a Standard Schema that advertises the schema's exact
 * JSON Schema in the draft-07 form published since SDK v1 (SDK v2 would convert to draft 2020-12),
 * so clients and Agentforce registrations see the same schemas after the upgrade;
 * `test/mcp/registry.test.ts` checks that `tools/list` shows exactly the real schema's JSON Schema.
 * The input schema accepts any arguments object: the SDK's own validation would answer a bad
 * argument with `Input validation error: …` and a zod dump, while validating in the tool gives the
 * caller the same `[INVALID_INPUT]` sentence as every other tool error. The output schema
 * validates for real. Conversion runs once per schema (once per container), not per request.
 */
function advertisedSchema(
  schema: z.ZodObject,
  io: 'input' | 'output',
  validator: z.ZodType
): StandardSchemaWithJSON {
  const jsonSchema = {
    $schema: 'http://json-schema.org/draft-07/schema#',
    ...z.toJSONSchema(schema, { target: 'draft-7', io }),
  };
  const convert = () => jsonSchema;
  return {
    '~standard': { ...validator['~standard'], jsonSchema: { input: convert, output: convert } },
  };
}

const anyArguments = z.looseObject({});

/** `field: problem` lines; zod messages are set on the schemas and never quote the value. */
function problems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.') || 'arguments'}: ${issue.message}`);
}

/**
 * Declares a tool. The registry (`tools/index.ts`) lists every tool once; the server, the
 * instructions and the tests read it.
 */
export function defineTool<Input extends z.ZodObject, Output extends z.ZodRawShape>(
  spec: ToolSpec<Input, Output>
): Tool {
  // Schemas are costly to build and convert: once per container's settings, not per request.
  const schemas = new WeakMap<ToolSettings, { input: Input; advertised: StandardSchemaWithJSON }>();
  const schemasFor = (settings: ToolSettings) => {
    let built = schemas.get(settings);
    if (!built) {
      const input = spec.input(settings);
      built = { input, advertised: advertisedSchema(input, 'input', anyArguments) };
      schemas.set(settings, built);
    }
    return built;
  };
  let advertisedOutput: StandardSchemaWithJSON | undefined;
  const outputFor = () => {
    if (!advertisedOutput) {
      const output = z.object(spec.output);
      advertisedOutput = advertisedSchema(output, 'output', output);
    }
    return advertisedOutput;
  };
  return {
    name: spec.name,
    title: spec.title,
    summary: spec.summary,
    inputSchema: (settings) => schemasFor(settings).input,
    register(server, settings, request) {
      const { input, advertised } = schemasFor(settings);
      server.registerTool(
        spec.name,
        {
          title: spec.title,
          description: spec.description,
          inputSchema: advertised,
          outputSchema: outputFor(),
          annotations: { title: spec.title, ...spec.annotations },
        },
        (args, ctx) =>
          runTool(
            spec.name,
            {
              toolDeadlineMs: settings.toolDeadlineMs,
              signal: request.signal,
              record: request.record,
            },
            async (signal) => {
              const parsed = input.safeParse(args);
              if (!parsed.success) throw new InvalidToolInputError(problems(parsed.error));
              const listener = request.streaming ? progressReporter(ctx, signal) : undefined;
              const call = {
                conversations: settings.conversations,
                owner: request.owner,
                signal,
                variables: settings.variables,
                ...(listener ? { listener } : {}),
              };
              const { structured, text } = await spec.run(parsed.data, call);
              return success(structured, text);
            }
          )
      );
    },
  };
}
