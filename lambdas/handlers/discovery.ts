/**
 * Discovery endpoints (RFC 7644 §4): ServiceProviderConfig, ResourceTypes, Schemas.
 */
import { createHttpHandler, type OperationTable } from '../http/handler';
import { jsonResponse } from '../http/response';
import { lazyRuntime, type Runtime } from '../runtime';
import { serviceProviderConfig } from '../scim/discovery';

export const discoveryOperations: OperationTable = {
  serviceProviderConfig: async ({ request }) => jsonResponse(200, serviceProviderConfig(request.baseUrl)),
};

export const createDiscoveryHandler = (runtime: () => Runtime) =>
  createHttpHandler('discovery', discoveryOperations, runtime);

export const handler = createDiscoveryHandler(lazyRuntime());
