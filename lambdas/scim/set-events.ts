/**
 * The RFC 9967 SCIM provisioning event URIs the change feed emits (docs/CONSUMING.md): notice
 * forms (attribute names) for resource changes, the `full` PATCH form (a PatchOp in `data`) for
 * member changes. Plain data: the events mapping writes them, the feed service filters on them.
 */
const PROV = 'urn:ietf:params:scim:event:prov';

export const SCIM_EVENT_URIS = {
  create: `${PROV}:create:notice`,
  patch: `${PROV}:patch:notice`,
  put: `${PROV}:put:notice`,
  patchFull: `${PROV}:patch:full`,
  delete: `${PROV}:delete`,
  activate: `${PROV}:activate`,
  deactivate: `${PROV}:deactivate`,
} as const;

export const KNOWN_EVENT_URIS: ReadonlySet<string> = new Set(Object.values(SCIM_EVENT_URIS));
