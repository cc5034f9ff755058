/**
 * The RFC 9967 SCIM provisioning event URIs the change feed emits (docs/CONSUMING.md). Notice
 * forms for resource changes; the `full` PATCH form for member changes, whose `data` names the
 * member. Plain data: the events mapping writes them, the feed service filters on them.
 */
const PROV = 'urn:ietf:params:scim:event:prov';

export const SCIM_EVENT_URIS = {
  create: `${PROV}:create:notice`,
  patch: `${PROV}:patch:notice`,
  patchFull: `${PROV}:patch:full`,
  delete: `${PROV}:delete`,
  activate: `${PROV}:activate`,
  deactivate: `${PROV}:deactivate`,
} as const;

export const KNOWN_EVENT_URIS: ReadonlySet<string> = new Set(Object.values(SCIM_EVENT_URIS));
