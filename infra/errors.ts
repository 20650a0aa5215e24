/**
 * Errors of the CDK app. Synthesis stops on the first one, with a message an operator can act on.
 */

/**
 * The deployment settings (CDK context or `MCP_*` environment variables) are invalid. The
 * message names every offending setting with both ways to set it.
 */
class StackConfigError extends Error {
  /** The context keys at fault, in the order they are reported. */
  readonly keys: readonly string[];

  constructor(problems: readonly { key: string; message: string }[], options?: ErrorOptions) {
    super(
      `Invalid deployment settings:\n${problems.map((p) => `  - ${p.key}: ${p.message}`).join('\n')}`,
      options
    );
    this.name = 'StackConfigError';
    this.keys = problems.map((p) => p.key);
  }
}

export { StackConfigError };
