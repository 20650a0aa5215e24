/** Raised by the tool runner when the tool's own deadline passes first. */
export class ToolDeadlineError extends Error {
  readonly deadlineMs: number;

  constructor(deadlineMs: number) {
    super(`The tool did not finish within ${deadlineMs} ms`);
    this.name = 'ToolDeadlineError';
    this.deadlineMs = deadlineMs;
  }
}

/** A tool's arguments do not match its input schema. */
export class InvalidToolInputError extends Error {
  /** One `field: problem` line per invalid argument; never the argument's value. */
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(`Invalid tool arguments: ${problems.join('; ')}`);
    this.name = 'InvalidToolInputError';
    this.problems = problems;
  }
}
