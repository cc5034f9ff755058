/**
 * Operations at the service root that the users function answers (routes.ts): POST /.search
 * over Users then Groups, each through its own listing and presentation (service/root-search.ts),
 * and /Me and /Bulk, which RFC 7644 defines and this service answers 501 Not Implemented.
 */
import { DomainError } from '../domain/errors';
import type { OperationContext, OperationTable } from '../http/handler';
import { searchRequestBody } from '../http/request';
import { ok } from '../http/response';
import { parseListParameters } from '../scim/list';
import type { SchemaRegistry } from '../scim/schema/registry';
import { GROUPS, presentGroupPage } from '../service/groups-service';
import { listingAccess } from '../service/resource-service';
import { rootSearch, searchSource } from '../service/root-search';
import { presentUserPage, USERS, type UsersContext } from '../service/users-service';

/** `usersContext` builds the Users service context (the groups side only needs its store). */
export const rootOperations =
  (usersContext: (context: OperationContext, registry: SchemaRegistry) => UsersContext) =>
  (registry: SchemaRegistry): OperationTable => ({
    notImplemented: async (context) => {
      throw new DomainError(
        'notImplemented',
        context.request.path.endsWith('/Bulk')
          ? 'Bulk operations are not supported (ServiceProviderConfig bulk.supported is false)'
          : '/Me is not supported: a token names a tenant, not a user (RFC 7644 §3.11)',
      );
    },
    searchAll: async (context) => {
      const params = parseListParameters(searchRequestBody(context.request));
      const ctx = usersContext(context, registry);
      return ok(
        await rootSearch(
          registry,
          [
            searchSource({
              access: listingAccess(ctx, USERS),
              present: (page, p) => presentUserPage(ctx, page, p),
            }),
            searchSource({
              access: listingAccess(ctx, GROUPS),
              present: (page, p) => presentGroupPage(ctx, page, p),
            }),
          ],
          params,
        ),
      );
    },
  });
