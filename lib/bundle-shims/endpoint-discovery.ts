/**
 * Stands in for `@aws-sdk/middleware-endpoint-discovery` in the deployed bundles (lib/bundling.ts
 * aliases it here). The DynamoDB client resolves endpoint-discovery configuration at
 * construction and builds an endpoint cache (the mnemonist LRU and its helpers, ~8 KB), yet no
 * DynamoDB command of this SDK version adds the discovery middleware, and the service does not
 * require discovery: the regional endpoint is always used. The cache was dead weight at every
 * cold start.
 *
 * Explicitly asking for discovery (client option `endpointDiscoveryEnabled: true`) fails at
 * client construction rather than being silently ignored; the environment and config-file
 * switches (AWS_ENABLE_ENDPOINT_DISCOVERY, endpoint_discovery_enabled) read as "not set".
 */

export const ENDPOINT_DISCOVERY_LEFT_OUT =
  'Endpoint discovery is not bundled in this function (lib/bundling.ts aliases ' +
  '@aws-sdk/middleware-endpoint-discovery to lib/bundle-shims/endpoint-discovery.ts).';

/** Config loader options: nothing set anywhere, as the SDK's own default (undefined). */
export const NODE_ENDPOINT_DISCOVERY_CONFIG_OPTIONS = {
  environmentVariableSelector: (): undefined => undefined,
  configFileSelector: (): undefined => undefined,
  default: undefined,
};

/** What the real resolver adds to the client configuration, with discovery off. */
export interface ResolvedEndpointDiscoveryConfig {
  endpointDiscoveryCommandCtor: unknown;
  endpointDiscoveryEnabled: () => Promise<boolean>;
  isClientEndpointDiscoveryEnabled: boolean;
}

export function resolveEndpointDiscoveryConfig<T extends object>(
  input: T,
  { endpointDiscoveryCommandCtor }: { endpointDiscoveryCommandCtor: unknown },
): T & ResolvedEndpointDiscoveryConfig {
  if ((input as { endpointDiscoveryEnabled?: unknown }).endpointDiscoveryEnabled === true) {
    throw new Error(ENDPOINT_DISCOVERY_LEFT_OUT);
  }
  return Object.assign(input, {
    endpointDiscoveryCommandCtor,
    endpointDiscoveryEnabled: () => Promise.resolve(false),
    isClientEndpointDiscoveryEnabled: false,
  });
}
