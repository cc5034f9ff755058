/**
 * Change events as RFC 8417 Security Event Token claims with RFC 9967 SCIM event URIs, the
 * shape of a stored change-feed entry; the mapping table is in docs/CONSUMING.md. Notices carry
 * attribute names only, never values; a member change carries only a PatchOp naming the member's
 * id in `data` (the `full` form). `iss` is added when the feed is served (feed-service.ts).
 */
import { etagOf } from '../scim/meta';
import type { JsonObject } from '../scim/schema/json';
import { SCIM_EVENT_URIS } from '../scim/set-events';
import type { ChangeEvent } from './change-events';
import type { EventSink } from './event-sink';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** The event URI and payload: `attributes` (notice) or `data` (full), never both (RFC 9967 §2.4). */
function eventOf(event: ChangeEvent): [string, JsonObject] {
  const d = event.detail;
  const version: JsonObject = d.version !== undefined ? { version: etagOf(d.version) } : {};
  // Only a write whose activity stamp says PUT is known to be one; any other update is a PATCH.
  const update = event.feed?.method === 'PUT' ? SCIM_EVENT_URIS.put : SCIM_EVENT_URIS.patch;
  switch (event.type) {
    case 'User Created':
    case 'Group Created':
      return [SCIM_EVENT_URIS.create, { attributes: [...(event.feed?.createdAttributes ?? [])], ...version }];
    case 'User Deleted':
    case 'Group Deleted':
      return [SCIM_EVENT_URIS.delete, {}]; // a delete has no payload attributes (§2.4.4)
    case 'User Deactivated':
      return [SCIM_EVENT_URIS.deactivate, version];
    case 'User Reactivated':
      return [SCIM_EVENT_URIS.activate, version];
    case 'Group Renamed':
      return [update, { attributes: ['displayName'], ...version }];
    case 'User Updated':
    case 'Group Updated':
      return [update, { attributes: [...(d.changedAttributes ?? [])], ...version }];
    case 'Group Member Added':
    case 'Group Member Removed': {
      const member = d.memberId ?? '';
      const operation: JsonObject =
        event.type === 'Group Member Added'
          ? { op: 'add', path: 'members', value: [{ value: member }] }
          : { op: 'remove', path: `members[value eq "${member}"]` };
      return [
        SCIM_EVENT_URIS.patchFull,
        { data: { schemas: [PATCH_OP], Operations: [operation] }, ...version },
      ];
    }
  }
}

/** The SET claims object of one change event: `jti` and `txn` are stable across redelivery. */
function setOf(event: ChangeEvent): JsonObject {
  const d = event.detail;
  const [uri, payload] = eventOf(event);
  const path = d.resourceType === 'User' ? 'Users' : 'Groups';
  return {
    jti: d.eventId,
    iat: Math.floor(Date.parse(d.time) / 1000),
    txn: d.txn,
    sub_id: { format: 'scim', uri: `/${path}/${d.resourceId}` },
    events: { [uri]: payload },
  };
}

/** Appends events to their tenants' feeds, in order, one append per run of one tenant. */
export function feedSink(append: (tenant: string, sets: readonly JsonObject[]) => Promise<void>): EventSink {
  return {
    async publish(events) {
      let start = 0;
      while (start < events.length) {
        const tenant = events[start]?.detail.tenant ?? '';
        let end = start;
        while (end < events.length && events[end]?.detail.tenant === tenant) end++;
        await append(tenant, events.slice(start, end).map(setOf));
        start = end;
      }
    },
  };
}

/** Publishes to each sink in turn: the feed first, so EventBridge never gets ahead of it. */
export function sinks(...all: readonly EventSink[]): EventSink {
  return {
    async publish(events) {
      for (const sink of all) await sink.publish(events);
    },
  };
}
