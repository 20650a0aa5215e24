import { Match } from 'aws-cdk-lib/assertions';
import { afterAll, describe, expect, it } from 'vitest';
import { FUNCTION_URL_UNSUPPORTED_REGIONS } from '../../infra/deploy-checks.js';
import { StackConfigError } from '../../infra/errors.js';
import { DEPLOYMENT_BROKEN_CODES } from '../../infra/observability.js';
import {
  build,
  functionEnvironment,
  onlyResource,
  removeSynthOutputs,
  resourcesOf,
  synth,
} from './synth.js';

afterAll(removeSynthOutputs);

const SECRET_ARN =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:agentforce/salesforce-AbC123';
const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab';
const EU_WEST_1 = { env: { account: '123456789012', region: 'eu-west-1' } };

interface AlarmProps {
  AlarmDescription: string;
  Threshold: number;
  MetricName?: string;
  Namespace?: string;
  Dimensions?: { Name: string; Value: unknown }[];
  Metrics?: {
    Id: string;
    Expression?: string;
    MetricStat?: {
      Metric: {
        MetricName: string;
        Namespace: string;
        Dimensions?: { Name: string; Value: unknown }[];
      };
    };
  }[];
  AlarmActions?: unknown[];
  OKActions?: unknown[];
}

function alarms(template: ReturnType<typeof synth>['template']): Record<string, AlarmProps> {
  return Object.fromEntries(
    Object.entries(resourcesOf(template, 'AWS::CloudWatch::Alarm')).map(([id, r]) => [
      id.replace(/^Observability/, '').replace(/[0-9A-F]{8}$/, ''),
      r.Properties as unknown as AlarmProps,
    ])
  );
}

/** `namespace/metric` of every metric an alarm reads. */
const metricsOf = (alarm: AlarmProps) =>
  alarm.MetricName !== undefined
    ? [`${alarm.Namespace}/${alarm.MetricName}`]
    : (alarm.Metrics ?? [])
        .filter((m) => m.MetricStat)
        .map((m) => `${m.MetricStat?.Metric.Namespace}/${m.MetricStat?.Metric.MetricName}`);

describe('Class: Observability', () => {
  describe('Alarms', () => {
    it('returns one alarm per failure an operator must hear about, each on its metric', () => {
      // Act
      const { template } = synth();

      // Assess
      const found = Object.fromEntries(
        Object.entries(alarms(template)).map(([id, alarm]) => [id, [...new Set(metricsOf(alarm))]])
      );
      expect(found).toEqual({
        FunctionErrors: ['AWS/Lambda/Errors'],
        FunctionThrottles: ['AWS/Lambda/Throttles'],
        DurationNearTimeout: ['AWS/Lambda/Duration'],
        FunctionUrlRequests: ['AWS/Lambda/UrlRequestCount'],
        FunctionUrl5xxRate: ['AWS/Lambda/UrlRequestCount', 'AWS/Lambda/Url5xxCount'],
        FunctionUrl4xxRate: ['AWS/Lambda/UrlRequestCount', 'AWS/Lambda/Url4xxCount'],
        TableThrottles: ['AWS/DynamoDB/ThrottledRequests'],
        TableSystemErrors: ['AWS/DynamoDB/SystemErrors'],
        DeploymentBroken: ['AgentforceMcp/ToolErrors'],
        InboundAuthRefusals: ['AgentforceMcp/InboundAuthRefusals'],
        AgentApi5xx: ['AgentforceMcp/UpstreamCalls'],
      });
    });

    it('returns a duration alarm at 90% of the function timeout', () => {
      // Act
      const { template } = synth({ toolDeadlineMs: 25_000 });

      // Assess: timeout 30 s.
      expect(alarms(template).DurationNearTimeout?.Threshold).toBe(27_000);
    });

    it('returns the deployment-broken alarm over every such error code of this stack only', () => {
      // Act
      const { template } = synth();

      // Assess
      const alarm = alarms(template).DeploymentBroken as AlarmProps;
      const codes = (alarm.Metrics ?? []).flatMap((m) =>
        (m.MetricStat?.Metric.Dimensions ?? [])
          .filter((d) => d.Name === 'errorCode')
          .map((d) => d.Value)
      );
      expect(codes.sort()).toEqual([...DEPLOYMENT_BROKEN_CODES].sort());
      const services = (alarm.Metrics ?? []).flatMap((m) =>
        (m.MetricStat?.Metric.Dimensions ?? [])
          .filter((d) => d.Name === 'service')
          .map((d) => d.Value)
      );
      expect(new Set(services)).toEqual(new Set(['McpTest']));
      expect(functionEnvironment(template)).toMatchObject({
        POWERTOOLS_SERVICE_NAME: 'McpTest',
        POWERTOOLS_METRICS_NAMESPACE: 'AgentforceMcp',
      });
    });

    it('returns no topic and no alarm actions by default', () => {
      // Act
      const { template } = synth();

      // Assess
      template.resourceCountIs('AWS::SNS::Topic', 0);
      for (const alarm of Object.values(alarms(template)))
        expect(alarm.AlarmActions).toBeUndefined();
    });

    it('returns an SSL-only topic with the email subscribed, notified by every alarm', () => {
      // Act
      const { template } = synth({ alarmEmail: 'ops@example.com' });

      // Assess
      const [topicId] = onlyResource(template, 'AWS::SNS::Topic');
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: 'ops@example.com',
        TopicArn: { Ref: topicId },
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: [
            Match.objectLike({ Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ],
        },
      });
      for (const alarm of Object.values(alarms(template))) {
        expect(alarm.AlarmActions).toEqual([{ Ref: topicId }]);
        expect(alarm.OKActions).toEqual([{ Ref: topicId }]);
      }
      expect(Object.keys(template.toJSON().Outputs)).toContain('AlarmTopicArn');
    });

    it('returns alarm actions on an existing topic', () => {
      // Act
      const { template } = synth({ alarmTopicArn: 'arn:aws:sns:eu-west-1:123456789012:pager' });

      // Assess
      template.resourceCountIs('AWS::SNS::Topic', 0);
      for (const alarm of Object.values(alarms(template))) {
        expect(alarm.AlarmActions).toEqual(['arn:aws:sns:eu-west-1:123456789012:pager']);
      }
    });
  });

  describe('Dashboard', () => {
    it('returns a dashboard with a generated name over this stack’s metrics', () => {
      // Act
      const { template } = synth();

      // Assess
      const [, dashboard] = onlyResource(template, 'AWS::CloudWatch::Dashboard');
      expect(dashboard.Properties.DashboardName).toBeUndefined();
      const body = JSON.stringify(dashboard.Properties.DashboardBody);
      for (const name of [
        'ToolCalls',
        'ToolErrors',
        'ToolLatency',
        'UpstreamLatency',
        'UpstreamCalls',
        'InboundAuthRefusals',
        'ConditionalCheckFailures',
        'Url5xxCount',
      ]) {
        expect(body).toContain(name);
      }
      expect(body).toContain('service=\\\\\\"McpTest\\\\\\"');
    });
  });
});

describe('Class: McpServerStack', () => {
  describe('Tracing', () => {
    it('returns no X-Ray tracing by default and active tracing when configured', () => {
      // Act
      const off = synth().template;
      const active = synth({ tracing: 'active' }).template;

      // Assess
      const [, offFn] = onlyResource(off, 'AWS::Lambda::Function');
      expect(offFn.Properties.TracingConfig).toBeUndefined();
      active.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    });
  });

  describe('Imported secret', () => {
    it('returns kms:Decrypt on the configured key, through Secrets Manager only', () => {
      // Act
      const { template } = synth(
        { salesforceSecretArn: SECRET_ARN, salesforceSecretKmsKeyArn: KEY_ARN },
        EU_WEST_1
      );

      // Assess
      template.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            {
              Action: 'kms:Decrypt',
              Effect: 'Allow',
              Resource: KEY_ARN,
              Condition: {
                StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' },
              },
            },
          ]),
        },
      });
    });

    it('throws at synth for a secret in another region than the stack', () => {
      // Act
      const deploy = () =>
        build(
          { salesforceSecretArn: SECRET_ARN },
          { env: { account: '123456789012', region: 'us-east-1' } }
        );

      // Assess
      expect(deploy).toThrow(StackConfigError);
      expect(deploy).toThrow(
        /salesforceSecretArn: the secret is in eu-west-1 but the stack deploys to us-east-1/
      );
    });

    it('throws at synth for a key in another region than the secret', () => {
      // Act
      const deploy = () =>
        build(
          {
            salesforceSecretArn: SECRET_ARN,
            salesforceSecretKmsKeyArn: KEY_ARN.replace('eu-west-1', 'eu-north-1'),
          },
          EU_WEST_1
        );

      // Assess
      expect(deploy).toThrow(/salesforceSecretKmsKeyArn: the key is in eu-north-1/);
    });
  });

  describe('Region', () => {
    it.each(FUNCTION_URL_UNSUPPORTED_REGIONS)(
      'throws at synth in %s, which has no Function URLs',
      (region) => {
        // Act
        const deploy = () => build({}, { env: { account: '123456789012', region } });

        // Assess
        expect(deploy).toThrow(`Lambda Function URLs are not available in ${region}`);
      }
    );

    it('builds without a region (offline synth) and in a supported region', () => {
      // Act & Assess
      expect(() => build()).not.toThrow();
      expect(() => build({}, EU_WEST_1)).not.toThrow();
    });
  });
});
