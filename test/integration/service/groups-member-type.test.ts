/**
 * Discovery tells the truth about Group members (Users only; `display` readOnly) and POST, PUT
 * and PATCH treat a member's `type` alike: "User" (any case) or absent is accepted, anything
 * else is 400 invalidValue. Okta's `display` in member adds is accepted and ignored: the
 * server's display (the user's displayName or userName) is what GET returns.
 */
import { createScimTestClient, type ScimTestClient } from '../../support/scim-client';

const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

let client: ScimTestClient;
let user: string;
beforeAll(async () => {
  client = await createScimTestClient();
  const res = await client.request('POST', '/Users', {
    body: { schemas: [USER], userName: 'member.type', displayName: 'Real Name' },
  });
  user = res.body.id;
});
afterAll(async () => {
  await client.close();
});

const createGroup = async (name: string) =>
  (await client.request('POST', '/Groups', { body: { schemas: [GROUP], displayName: name } })).body
    .id as string;
const patch = (id: string, operation: Record<string, unknown>) =>
  client.request('PATCH', `/Groups/${id}`, { body: { schemas: [PATCH_OP], Operations: [operation] } });

describe('discovery', () => {
  it('Group.members advertises only User for type and $ref, and display as readOnly', async () => {
    const res = await client.request('GET', `/Schemas/${GROUP}`);
    expect(res.status).toBe(200);
    const members = res.body.attributes.find((a: { name: string }) => a.name === 'members');
    const sub = (name: string) => members.subAttributes.find((a: { name: string }) => a.name === name);
    expect(sub('type').canonicalValues).toEqual(['User']);
    expect(sub('$ref').referenceTypes).toEqual(['User']);
    expect(sub('display').mutability).toBe('readOnly');
  });
});

describe('member type', () => {
  const nested = { value: '', type: 'Group' };

  it('POST, PUT, PATCH add (path and path-less), replace and remove all refuse type "Group"', async () => {
    const groupId = await createGroup('Type checks');
    const member = { ...nested, value: user };
    const answers = [
      await client.request('POST', '/Groups', {
        body: { schemas: [GROUP], displayName: 'n1', members: [member] },
      }),
      await client.request('PUT', `/Groups/${groupId}`, {
        body: { schemas: [GROUP], displayName: 'Type checks', members: [member] },
      }),
      await patch(groupId, { op: 'add', path: 'members', value: [member] }),
      await patch(groupId, { op: 'add', value: { members: [member] } }),
      await patch(groupId, { op: 'replace', path: 'members', value: [member] }),
      await patch(groupId, { op: 'remove', path: 'members', value: [member] }),
      await patch(groupId, { op: 'add', path: 'members', value: [{ value: user, TYPE: 'group' }] }),
      await patch(groupId, { op: 'add', path: 'members', value: [{ value: user, type: 7 }] }),
    ];
    for (const res of answers) {
      expect({ status: res.status, scimType: res.body.scimType }).toEqual({
        status: 400,
        scimType: 'invalidValue',
      });
      expect(res.body.detail).toContain('type');
    }
    const group = await client.request('GET', `/Groups/${groupId}`);
    expect(group.body.members ?? []).toEqual([]);
  });

  it('type "User" in any case is accepted by POST, PUT and PATCH', async () => {
    const created = await client.request('POST', '/Groups', {
      body: { schemas: [GROUP], displayName: 'Typed', members: [{ value: user, type: 'User' }] },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect(
      (
        await client.request('PUT', `/Groups/${id}`, {
          body: { schemas: [GROUP], displayName: 'Typed', members: [{ value: user, type: 'user' }] },
        })
      ).status,
    ).toBe(200);
    expect(
      (await patch(id, { op: 'add', path: 'members', value: [{ value: user, type: 'USER' }] })).status,
    ).toBe(204);
  });

  it("Okta's display in a member add is accepted and ignored: the server's display is returned", async () => {
    const id = await createGroup('Okta display');
    const res = await patch(id, {
      op: 'add',
      path: 'members',
      value: [{ value: user, display: 'Client Says' }],
    });
    expect(res.status).toBe(204);
    const put = await client.request('PUT', `/Groups/${id}`, {
      body: {
        schemas: [GROUP],
        displayName: 'Okta display',
        members: [{ value: user, display: 'Client Says' }],
      },
    });
    expect(put.status).toBe(200);
    const group = await client.request('GET', `/Groups/${id}`);
    expect(group.body.members).toEqual([expect.objectContaining({ value: user, display: 'Real Name' })]);
  });
});
