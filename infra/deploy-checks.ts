import type { StackConfig } from './config.js';

/**
 * Regions where Lambda has no Function URLs (AWS Lambda Developer Guide, "Creating and managing
 * Lambda function URLs"): CloudFormation would fail there only after creating the table and the
 * secret.
 */
export const FUNCTION_URL_UNSUPPORTED_REGIONS: readonly string[] = [
  'ap-east-2',
  'ap-south-2',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-6',
  'ap-southeast-7',
  'ca-west-1',
  'eu-central-2',
  'eu-south-2',
  'il-central-1',
  'me-central-1',
];

/** The region field of an ARN. */
const arnRegion = (arn: string) => arn.split(':')[3];

/**
 * What cannot work in the target region, as `{ key, message }` problems for `StackConfigError`.
 * `region` is `undefined` for an environment-agnostic synth (no credentials): nothing is checked
 * then, and `cdk deploy`, which always knows the region, checks again.
 */
export function deploymentProblems(
  config: StackConfig,
  region: string | undefined
): { key: string; message: string }[] {
  const problems: { key: string; message: string }[] = [];
  if (region === undefined) return problems;
  if (FUNCTION_URL_UNSUPPORTED_REGIONS.includes(region)) {
    problems.push({
      key: 'region',
      message: `Lambda Function URLs are not available in ${region}. Deploy to another region (AWS_REGION, --profile or CDK_DEFAULT_REGION); unsupported: ${FUNCTION_URL_UNSUPPORTED_REGIONS.join(', ')}.`,
    });
  }
  const secretArn = config.salesforceSecretArn;
  if (secretArn !== undefined && arnRegion(secretArn) !== region) {
    problems.push({
      key: 'salesforceSecretArn',
      message: `the secret is in ${arnRegion(secretArn)} but the stack deploys to ${region}; the function reads it in its own region. Replicate the secret to ${region} and import the replica's ARN.`,
    });
  }
  const keyArn = config.salesforceSecretKmsKeyArn;
  if (
    keyArn !== undefined &&
    secretArn !== undefined &&
    arnRegion(keyArn) !== arnRegion(secretArn)
  ) {
    problems.push({
      key: 'salesforceSecretKmsKeyArn',
      message: `the key is in ${arnRegion(keyArn)} but the secret in ${arnRegion(secretArn)}; use the key that encrypts the secret (aws secretsmanager describe-secret --query KmsKeyId).`,
    });
  }
  return problems;
}
