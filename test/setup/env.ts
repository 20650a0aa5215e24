// The AWS SDK warns on Node 20 about future releases; the warning is noise in test output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
// Powertools logger: keep test output readable unless a test captures logs itself.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
// Powertools metrics: off unless a test captures EMF itself (it prints straight to stdout).
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
