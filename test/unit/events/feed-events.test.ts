/**
 * The SET claims a stream record becomes in the change feed (lambdas/events/feed-events.ts),
 * checked against RFC 9967 §2.4: a notice carries `attributes`, a full event `data`, never both;
 * a create lists the attributes it set; a delete has no payload; a PUT is `put:notice` when the
 * written item's own activity stamp says so.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { type ChangeEvent, changeEventsOf, type StreamChange } from '../../../lambdas/events/change-events';
import { feedSink } from '../../../lambdas/events/feed-events';
import type { JsonObject } from '../../../lambdas/scim/schema/json';
import { SCIM_EVENT_URIS } from '../../../lambdas/scim/set-events';
import { ACTIVITY_STAMP, type ActivityRecord, requestActivity } from '../../../lambdas/store/activity-store';
import { groupKey, membershipKey, userKey } from '../../../lambdas/store/keys';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

// Items as store/resource-store.ts writes them (the tenant, id and type are attributes too).
const user = (version: number, resource: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...userKey('acme', 'u1'),
  tenant: 'acme',
  type: 'User',
  id: 'u1',
  version,
  lastModified: '2026-11-23T10:00:00.000Z',
  resource,
  ...extra,
});
const group = (version: number, resource: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  ...groupKey('acme', 'g1'),
  tenant: 'acme',
  type: 'Group',
  id: 'g1',
  version,
  lastModified: '2026-11-23T10:00:00.000Z',
  resource,
  ...extra,
});

/** The stamp a single write of `method` puts on its item (transactions.ts), made as a request makes it. */
function stampOf(method: 'PUT' | 'PATCH', time = '2026-11-23T10:00:00.000Z'): Record<string, unknown> {
  const draft = (resourceId: string): ActivityRecord => ({
    tenant: 'acme',
    time,
    tokenId: 'tok',
    tokenLabel: 'Okta',
    method,
    path: `/scim/v2/Users/${resourceId}`,
    operation: method === 'PUT' ? 'replace' : 'patch',
    resourceType: 'User',
    resourceId,
    status: 200,
    changedAttributes: ['title'],
  });
  const stamp = requestActivity({} as DynamoDBDocumentClient, 'table', 90, draft, true).stamp('u1');
  if (!stamp) throw new Error('no stamp');
  return { [ACTIVITY_STAMP]: stamp };
}

/** The SETs the feed stores for one stream record. */
async function setsOf(change: StreamChange): Promise<JsonObject[]> {
  const appended: JsonObject[] = [];
  await feedSink(async (_tenant, sets) => {
    appended.push(...sets);
  }).publish(changeEventsOf(change));
  return appended;
}

const only = async (change: StreamChange): Promise<[string, JsonObject]> => {
  const sets = await setsOf(change);
  expect(sets).toHaveLength(1);
  const events = sets[0]?.events as JsonObject;
  expect(Object.keys(events)).toHaveLength(1);
  const [uri, payload] = Object.entries(events)[0] as [string, JsonObject];
  return [uri, payload];
};

describe('change-feed SETs (RFC 8417 claims, RFC 9967 events)', () => {
  it('a create is create:notice listing the attribute names it set (extensions by URN path), no values', async () => {
    const image = user(1, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'ada@example.com',
      name: { familyName: 'Lovelace' },
      active: true,
      [ENTERPRISE]: { department: 'R&D' },
    });
    const sets = await setsOf({ recordId: 'r1', eventName: 'INSERT', newImage: image });
    expect(sets).toEqual([
      {
        jti: expect.stringMatching(/^[0-9a-f]{32}$/),
        iat: Date.parse('2026-11-23T10:00:00.000Z') / 1000,
        txn: expect.stringMatching(/^[0-9a-f]{32}$/),
        sub_id: { format: 'scim', uri: '/Users/u1' },
        events: {
          [SCIM_EVENT_URIS.create]: {
            attributes: ['active', 'name', `${ENTERPRISE}:department`, 'userName'],
            version: 'W/"1"',
          },
        },
      },
    ]);
    expect(JSON.stringify(sets)).not.toMatch(/Lovelace|ada@example|R&D/);
    const [uri, payload] = await only({
      recordId: 'r2',
      eventName: 'INSERT',
      newImage: group(1, { displayName: 'Eng' }),
    });
    expect([uri, payload]).toEqual([
      SCIM_EVENT_URIS.create,
      { attributes: ['displayName'], version: 'W/"1"' },
    ]);
  });

  it('a delete has no payload attributes, not even the version it had', async () => {
    for (const oldImage of [user(4, { userName: 'ada' }), group(7, { displayName: 'Eng' })]) {
      expect(await only({ recordId: 'r', eventName: 'REMOVE', oldImage })).toEqual([
        SCIM_EVENT_URIS.delete,
        {},
      ]);
    }
  });

  it('a member change is patch:full with the PatchOp in data and no attributes', async () => {
    const m = { ...membershipKey('acme', 'g1', 'u7'), type: 'Membership' };
    const [addUri, add] = await only({ recordId: 'a', eventName: 'INSERT', newImage: m });
    expect(addUri).toBe(SCIM_EVENT_URIS.patchFull);
    expect(add).toEqual({
      data: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'add', path: 'members', value: [{ value: 'u7' }] }],
      },
    });
    const [removeUri, remove] = await only({ recordId: 'b', eventName: 'REMOVE', oldImage: m });
    expect(removeUri).toBe(SCIM_EVENT_URIS.patchFull);
    expect(remove).toEqual({
      data: {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'remove', path: 'members[value eq "u7"]' }],
      },
    });
  });

  it('an update is put:notice when its own stamp says PUT, patch:notice for a PATCH or without a stamp', async () => {
    const before = user(1, { userName: 'ada', title: 'Eng' }, stampOf('PATCH', '2026-11-23T09:00:00.000Z'));
    const written = (extra: Record<string, unknown>) => user(2, { userName: 'ada', title: 'Lead' }, extra);
    const put = await only({
      recordId: 'p',
      eventName: 'MODIFY',
      oldImage: before,
      newImage: written(stampOf('PUT')),
    });
    expect(put).toEqual([SCIM_EVENT_URIS.put, { attributes: ['title'], version: 'W/"2"' }]);
    const patch = await only({
      recordId: 'q',
      eventName: 'MODIFY',
      oldImage: before,
      newImage: written(stampOf('PATCH')),
    });
    expect(patch).toEqual([SCIM_EVENT_URIS.patch, { attributes: ['title'], version: 'W/"2"' }]);
    // No stamp (activity recording off), or an earlier write's stamp left in place: not known to be a PUT.
    const unstamped = user(1, { userName: 'ada', title: 'Eng' });
    expect(
      (await only({ recordId: 's', eventName: 'MODIFY', oldImage: unstamped, newImage: written({}) }))[0],
    ).toBe(SCIM_EVENT_URIS.patch);
    const earlier = stampOf('PUT');
    const putBefore = user(1, { userName: 'ada', title: 'Eng' }, earlier);
    expect(
      (
        await only({ recordId: 't', eventName: 'MODIFY', oldImage: putBefore, newImage: written(earlier) })
      )[0],
    ).toBe(SCIM_EVENT_URIS.patch);
  });

  it('a group renamed by PUT is put:notice of displayName; (de)activation keeps its own URI', async () => {
    const renamed = await only({
      recordId: 'g',
      eventName: 'MODIFY',
      oldImage: group(1, { displayName: 'Old' }),
      newImage: group(2, { displayName: 'New' }, stampOf('PUT')),
    });
    expect(renamed).toEqual([SCIM_EVENT_URIS.put, { attributes: ['displayName'], version: 'W/"2"' }]);
    const sets = await setsOf({
      recordId: 'd',
      eventName: 'MODIFY',
      oldImage: user(1, { userName: 'ada', active: true, title: 'Eng' }),
      newImage: user(2, { userName: 'ada', active: false, title: 'Lead' }, stampOf('PUT')),
    });
    expect(sets.map((s) => s.events)).toEqual([
      { [SCIM_EVENT_URIS.put]: { attributes: ['title'], version: 'W/"2"' } },
      { [SCIM_EVENT_URIS.deactivate]: { version: 'W/"2"' } },
    ]);
    // One write, one txn; each SET its own jti.
    expect(new Set(sets.map((s) => s.txn)).size).toBe(1);
    expect(new Set(sets.map((s) => s.jti)).size).toBe(2);
  });

  it('what only the feed needs stays out of the EventBridge detail', () => {
    const events: ChangeEvent[] = [
      ...changeEventsOf({
        recordId: 'c',
        eventName: 'INSERT',
        newImage: user(1, { userName: 'ada', title: 'x' }),
      }),
      ...changeEventsOf({
        recordId: 'u',
        eventName: 'MODIFY',
        oldImage: user(1, { userName: 'ada', title: 'x' }),
        newImage: user(2, { userName: 'ada', title: 'y' }, stampOf('PUT')),
      }),
    ];
    expect(events.map((e) => e.feed)).toEqual([
      { createdAttributes: ['title', 'userName'] },
      { method: 'PUT' },
    ]);
    for (const e of events) {
      expect(e.detail).not.toHaveProperty('createdAttributes');
      expect(e.detail).not.toHaveProperty('method');
    }
    expect(events[0]?.detail).not.toHaveProperty('changedAttributes');
  });
});
