/**
 * /Users endpoints. Thin: parse the request, call the service, shape the response.
 */
import { createHttpHandler, type OperationTable } from '../http/handler';
import { lazyRuntime, type Runtime } from '../runtime';

export const usersOperations: OperationTable = {};

export const createUsersHandler = (runtime: () => Runtime) =>
  createHttpHandler('users', usersOperations, runtime);

export const handler = createUsersHandler(lazyRuntime());
