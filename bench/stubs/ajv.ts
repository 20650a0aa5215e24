/**
 * Bundle-time stand-in for `ajv` (aliased by esbuild in the "cut" bundle variants only). The MCP
 * SDK's `Server` constructs an Ajv instance but uses it only to validate elicitation answers, a
 * server-to-client request this stateless server never sends.
 */
export default class Ajv {
  compile(): never {
    throw new Error('JSON Schema validation (ajv) is not included in this bundle.');
  }

  getSchema(): undefined {
    return undefined;
  }

  addFormat(): this {
    return this;
  }
}
