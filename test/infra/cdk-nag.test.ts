import { Stack } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import { afterAll, describe, expect, it } from 'vitest';
import { build, JWT_SETTINGS, removeSynthOutputs } from './synth.js';

afterAll(removeSynthOutputs);

describe('AwsSolutions checks (cdk-nag)', () => {
  it.each([
    ['cognito mode (default)', {}],
    ['jwt mode', JWT_SETTINGS],
    ['none mode', { authMode: 'none' }],
    [
      'an imported secret, destroy policy, CORS and streaming',
      {
        salesforceSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:agentforce/salesforce-AbC123',
        removalPolicy: 'destroy',
        allowedOrigins: 'http://localhost:6274',
        invokeMode: 'RESPONSE_STREAM',
        reservedConcurrency: 10,
      },
    ],
  ])('returns no unacknowledged finding for %s', (_name, settings) => {
    // Prepare
    const { app } = build(settings, { nag: true });

    // Act
    const synthesize = () => app.synth();

    // Assess
    expect(synthesize).not.toThrow();
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([]);
  });

  it('throws on synth when a finding is not acknowledged', () => {
    // Prepare: the same harness plus one secret nobody acknowledged.
    const { app, stack } = build({}, { nag: true });
    new Secret(Stack.of(stack), 'UnacknowledgedSecret');

    // Act
    const synthesize = () => app.synth();

    // Assess
    expect(synthesize).toThrow(/AwsSolutions-SMG4/);
    expect(new AwsSolutionsChecks(app).validateScope(app).violations).toEqual([
      expect.objectContaining({ ruleName: 'AwsSolutions-SMG4' }),
    ]);
  });
});
