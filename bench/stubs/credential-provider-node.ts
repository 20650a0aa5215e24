/**
 * Bundle-time stand-in for `@aws-sdk/credential-provider-node` (aliased by esbuild in a "cut"
 * bundle variant only). Lambda always hands the function its role's credentials in
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN, the first link of the default
 * chain, so the SSO, INI, process, web-identity, container and IMDS links are dead weight there.
 */
export { fromEnv as defaultProvider } from '@aws-sdk/credential-provider-env';
