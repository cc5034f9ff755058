/**
 * Change events as RFC 8417 Security Event Token claims with RFC 9967 SCIM event URIs, the
 * shape of a change-feed entry; the mapping table is in docs/CONSUMING.md. Notice forms only
 * (resource id, type and changed attribute names): no attribute values, no secrets; a member
 * change names the member's id in a PATCH `data`, the way RFC 9967 carries a group's delta.
 */
import { etagOf } from '../scim/meta';
import type { JsonObject } from '../scim/schema/json';
import { SCIM_EVENT_URIS } from '../scim/set-events';
import type { ChangeEvent } from './change-events';
import type { EventSink } from './event-sink';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

function eventOf(event: ChangeEvent): [string, JsonObject] {
  const d = event.detail;
  switch (event.type) {
    case 'User Created':
    case 'Group Created':
      return [SCIM_EVENT_URIS.create, {}];
    case 'User Deleted':
    case 'Group Deleted':
      return [SCIM_EVENT_URIS.delete, {}];
    case 'User Deactivated':
      return [SCIM_EVENT_URIS.deactivate, {}];
    case 'User Reactivated':
      return [SCIM_EVENT_URIS.activate, {}];
    case 'Group Renamed':
      return [SCIM_EVENT_URIS.patch, { attributes: ['displayName'] }];
    case 'User Updated':
    case 'Group Updated':
      return [SCIM_EVENT_URIS.patch, { attributes: [...(d.changedAttributes ?? [])] }];
    case 'Group Member Added':
    case 'Group Member Removed': {
      const op = event.type === 'Group Member Added' ? 'add' : 'remove';
      const member = d.memberId ?? '';
      return [
        SCIM_EVENT_URIS.patchFull,
        {
          attributes: ['members'],
          data: {
            schemas: [PATCH_OP],
            Operations: [
              op === 'add'
                ? { op, path: 'members', value: [{ value: member }] }
                : { op, path: `members[value eq "${member}"]` },
            ],
          },
        },
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
    events: { [uri]: { ...payload, ...(d.version !== undefined ? { version: etagOf(d.version) } : {}) } },
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
