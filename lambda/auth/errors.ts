/**
 * Errors of the inbound-authorization module. Rejected tokens are not errors here: they become
 * 401/403 responses. What remains is configuration that cannot work.
 */

/** Base class of every error the inbound-authorization module throws on purpose. */
class InboundAuthError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InboundAuthError';
  }
}

/**
 * The `AUTH_*` / `COGNITO_*` environment does not describe a usable configuration. The message
 * names every offending variable (`AUTH_ISSUER: is required when AUTH_MODE=jwt; …`).
 */
class AuthConfigError extends InboundAuthError {
  /** The variables at fault, in the order they are reported. */
  readonly variables: readonly string[];

  constructor(problems: readonly { variable: string; message: string }[], options?: ErrorOptions) {
    super(problems.map((p) => `${p.variable}: ${p.message}`).join('; '), options);
    this.name = 'AuthConfigError';
    this.variables = problems.map((p) => p.variable);
  }
}

export { AuthConfigError, InboundAuthError };
