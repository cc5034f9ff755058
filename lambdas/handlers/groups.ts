/**
 * /Groups endpoints. Thin: parse the request, call the service, shape the response.
 */
import { createHttpHandler, type OperationTable } from '../http/handler';
import { lazyRuntime, type Runtime } from '../runtime';

export const groupsOperations: OperationTable = {};

export const createGroupsHandler = (runtime: () => Runtime) =>
  createHttpHandler('groups', groupsOperations, runtime);

export const handler = createGroupsHandler(lazyRuntime());
