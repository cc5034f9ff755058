import { changedAttributeNames, changeEventsOf, parseItemKey } from '../../../lambdas/events/change-events';
import { groupKey, membershipKey, userKey, userNameKey } from '../../../lambdas/store/keys';
import { groupRefItem, membershipItem } from '../../../lambdas/store/memberships-store';

const user = (version: number, resource: Record<string, unknown>) => ({
  ...userKey('acme', 'u1'),
  type: 'User',
  id: 'u1',
  version,
  lastModified: '2026-11-23T10:00:00.000Z',
  resource,
});
const group = (version: number, resource: Record<string, unknown>) => ({
  ...groupKey('acme', 'g1'),
  type: 'Group',
  id: 'g1',
  version,
  lastModified: '2026-11-23T10:00:00.000Z',
  resource,
});
const types = (events: { type: string }[]) => events.map((e) => e.type);

describe('change events from stream records', () => {
  it('reads tenant and ids back from every key shape, and ignores guards', () => {
    const tricky = userKey('a#b', 'u9');
    expect(parseItemKey(tricky.PK, tricky.SK)).toEqual({ tenant: 'a#b', kind: 'User', id: 'u9' });
    const m = membershipKey('acme', 'g1', 'u1');
    expect(parseItemKey(m.PK, m.SK)).toEqual({
      tenant: 'acme',
      kind: 'Membership',
      id: 'g1',
      memberId: 'u1',
    });
    const guard = userNameKey('acme', 'x');
    expect(changeEventsOf({ recordId: 'r', eventName: 'INSERT', newImage: guard })).toEqual([]);
  });

  it('a membership is one Group Member Added / Removed: its user-side ref, in the user partition, is silent', () => {
    const groupSide = membershipItem('acme', 'g1', 'u1');
    const userSide = groupRefItem('acme', 'u1', 'g1');
    // The ref lives in the user's partition: it must not be taken for the user (or anything else).
    expect(parseItemKey(userSide.PK, userSide.SK)).toBeUndefined();
    for (const eventName of ['INSERT', 'MODIFY', 'REMOVE'] as const) {
      const images = eventName === 'REMOVE' ? { oldImage: userSide } : { newImage: userSide };
      expect(changeEventsOf({ recordId: 'r', eventName, ...images })).toEqual([]);
    }
    expect(types(changeEventsOf({ recordId: 'r', eventName: 'INSERT', newImage: groupSide }))).toEqual([
      'Group Member Added',
    ]);
    expect(types(changeEventsOf({ recordId: 'r', eventName: 'REMOVE', oldImage: groupSide }))).toEqual([
      'Group Member Removed',
    ]);
  });

  it("an event's time is the write's own lastModified (ms); a removal's is the stream record's, never before the item's last write", () => {
    const recordTime = new Date('2026-11-23T10:00:00.000Z');
    const written = { ...user(2, { userName: 'ada@example.com' }), lastModified: '2026-11-23T10:00:00.437Z' };
    const [patched] = changeEventsOf({
      recordId: 'r',
      eventName: 'MODIFY',
      time: recordTime,
      oldImage: user(1, { userName: 'ada@example.com', displayName: 'A' }),
      newImage: written,
    });
    expect(patched?.detail.time).toBe('2026-11-23T10:00:00.437Z');
    const [removed] = changeEventsOf({
      recordId: 'r',
      eventName: 'REMOVE',
      time: recordTime,
      oldImage: written,
    });
    // The record's time is rounded down (whole seconds on AWS): the delete is not dated before the write it follows.
    expect(removed?.detail.time).toBe('2026-11-23T10:00:00.437Z');
    const [later] = changeEventsOf({
      recordId: 'r',
      eventName: 'REMOVE',
      time: new Date('2026-11-23T10:00:05.000Z'),
      oldImage: written,
    });
    expect(later?.detail.time).toBe('2026-11-23T10:00:05.000Z');
    // A membership is dated by the write that made it, not by its stream record.
    const added = membershipItem('acme', 'g1', 'u1', new Date('2026-11-23T10:00:01.250Z'));
    const [member] = changeEventsOf({
      recordId: 'm',
      eventName: 'INSERT',
      time: recordTime,
      newImage: added,
    });
    expect(member?.detail.time).toBe('2026-11-23T10:00:01.250Z');
    const [gone] = changeEventsOf({ recordId: 'm2', eventName: 'REMOVE', time: recordTime, oldImage: added });
    expect(gone?.detail.time).toBe('2026-11-23T10:00:01.250Z');
  });

  it('User Created carries no personal data beyond userName unless the resource is asked for', () => {
    const image = user(1, { userName: 'ada@example.com', name: { familyName: 'Lovelace' }, active: true });
    const [event] = changeEventsOf({ recordId: 'r1', eventName: 'INSERT', newImage: image });
    expect(event?.type).toBe('User Created');
    expect(event?.detail).toMatchObject({
      tenant: 'acme',
      resourceId: 'u1',
      userName: 'ada@example.com',
      version: 1,
    });
    expect(JSON.stringify(event)).not.toContain('Lovelace');
    const [withResource] = changeEventsOf(
      { recordId: 'r1', eventName: 'INSERT', newImage: image },
      { includeResource: true },
    );
    expect(withResource?.detail.resource).toMatchObject({ id: 'u1', name: { familyName: 'Lovelace' } });
  });

  it('a deactivation is User Deactivated only; a reactivation with a new title is both events', () => {
    const active = user(1, { userName: 'ada', active: true, title: 'Eng' });
    const inactive = user(2, { userName: 'ada', active: false, title: 'Eng' });
    expect(
      types(changeEventsOf({ recordId: 'r', eventName: 'MODIFY', oldImage: active, newImage: inactive })),
    ).toEqual(['User Deactivated']);
    const back = user(3, { userName: 'ada', active: true, title: 'Lead' });
    const events = changeEventsOf({ recordId: 'r', eventName: 'MODIFY', oldImage: inactive, newImage: back });
    expect(types(events)).toEqual(['User Updated', 'User Reactivated']);
    expect(events[0]?.detail.changedAttributes).toEqual(['title']);
  });

  it('every other change of active is a User Updated naming it: never lost, never a reactivation', () => {
    const transitions: [Record<string, unknown>, Record<string, unknown>, string[]][] = [
      [{}, { active: true }, ['User Updated']],
      [{ active: true }, {}, ['User Updated']],
      [{ active: false }, {}, ['User Updated']],
      [{}, { active: false }, ['User Deactivated']],
      [{ active: false }, { active: true }, ['User Reactivated']],
    ];
    for (const [before, after, expected] of transitions) {
      const events = changeEventsOf({
        recordId: 'r',
        eventName: 'MODIFY',
        oldImage: user(1, { userName: 'ada', ...before }),
        newImage: user(2, { userName: 'ada', ...after }),
      });
      expect(types(events)).toEqual(expected);
      if (expected[0] === 'User Updated') expect(events[0]?.detail.changedAttributes).toEqual(['active']);
    }
  });

  it('names changed extension attributes by their URN path', () => {
    const urn = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    expect(
      changedAttributeNames(
        { userName: 'a', [urn]: { manager: { value: 'm1' }, department: 'R&D' } },
        { userName: 'a', [urn]: { manager: { value: 'm2' }, department: 'R&D' }, emails: [{ value: 'a@x' }] },
      ),
    ).toEqual(['emails', `${urn}:manager`]);
  });

  it('a rename is Group Renamed with the previous name; group membership items are member events', () => {
    const events = changeEventsOf({
      recordId: 'r',
      eventName: 'MODIFY',
      oldImage: group(1, { displayName: 'Old' }),
      newImage: group(2, { displayName: 'New' }),
    });
    expect(types(events)).toEqual(['Group Renamed']);
    expect(events[0]?.detail).toMatchObject({ displayName: 'New', previousDisplayName: 'Old' });
    const m = { ...membershipKey('acme', 'g1', 'u7'), type: 'Membership' };
    expect(changeEventsOf({ recordId: 'a', eventName: 'INSERT', newImage: m })[0]?.detail).toMatchObject({
      resourceType: 'Group',
      resourceId: 'g1',
      memberId: 'u7',
    });
    expect(types(changeEventsOf({ recordId: 'b', eventName: 'REMOVE', oldImage: m }))).toEqual([
      'Group Member Removed',
    ]);
  });

  it('gives the same event ids when a record is delivered twice, and distinct ids within a record', () => {
    const change = {
      recordId: 'shard-1/000042',
      eventName: 'MODIFY' as const,
      oldImage: user(1, { userName: 'a', active: true }),
      newImage: user(2, { userName: 'b', active: false }),
    };
    const first = changeEventsOf(change).map((e) => e.detail.eventId);
    const again = changeEventsOf(change).map((e) => e.detail.eventId);
    expect(first).toEqual(again);
    expect(new Set(first).size).toBe(2);
  });

  it('a version bump with no attribute change produces no event', () => {
    const image = user(1, { userName: 'a', active: true });
    expect(
      changeEventsOf({
        recordId: 'r',
        eventName: 'MODIFY',
        oldImage: image,
        newImage: { ...image, version: 2 },
      }),
    ).toEqual([]);
  });
});
