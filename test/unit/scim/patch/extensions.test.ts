/**
 * PATCH against operator-configured schema extensions (SCIM_SCHEMA_EXTENSIONS): attributes are
 * found by URN path, by unqualified name and as path-less keys, stored under the extension's
 * URN (RFC 7643 §3.3), and the registry's mutability applies to them too.
 */
import { applyPatch, parsePatchRequest, patchSchemasOf } from '../../../../lambdas/scim/patch';
import type { ExtensionInput } from '../../../../lambdas/scim/schema/extension-config';
import { createSchemaRegistry } from '../../../../lambdas/scim/schema/registry';
import { ENTERPRISE, expectScimError, ops, storedUser } from './support';

const ACME = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
const extensions: ExtensionInput[] = [
  {
    resourceType: 'User',
    schema: {
      id: ACME,
      attributes: [
        { name: 'badgeNumber', type: 'integer' },
        { name: 'clearance', type: 'string' },
        { name: 'employeeSince', type: 'dateTime', mutability: 'immutable' },
        { name: 'remote', type: 'boolean' },
        {
          name: 'badges',
          type: 'complex',
          multiValued: true,
          subAttributes: [
            { name: 'value', type: 'string' },
            { name: 'issued', type: 'boolean' },
          ],
        },
      ],
    },
  },
];
const registry = createSchemaRegistry({ extensions });
const schemas = patchSchemasOf(registry.resourceSchemas('User'));
const lookup = registry.lookup('User');
const patch = (resource: Record<string, unknown>, body: unknown) =>
  applyPatch(resource, parsePatchRequest(body, { schemas: [schemas.core, ...schemas.extensions] }), lookup, {
    schemas,
  });

describe('configured extensions', () => {
  it('a URN path stores the attribute under the extension, next to the enterprise one', () => {
    const { resource, changedAttributes } = patch(
      storedUser(),
      ops({ op: 'add', path: `${ACME}:badgeNumber`, value: 42 }),
    );
    expect(resource[ACME]).toEqual({ badgeNumber: 42 });
    expect(resource[ENTERPRISE]).toEqual({ department: 'Sales' });
    expect(changedAttributes).toEqual([`${ACME}:badgeNumber`]);
  });

  it('an unqualified name and a path-less key resolve into the extension', () => {
    const { resource } = patch(
      storedUser(),
      ops({ op: 'replace', path: 'clearance', value: 'high' }, { op: 'replace', value: { REMOTE: 'True' } }),
    );
    expect(resource[ACME]).toEqual({ clearance: 'high', remote: true });
    expect(resource).not.toHaveProperty('clearance');
  });

  it('a filtered path into an extension list creates the element', () => {
    const { resource } = patch(
      storedUser(),
      ops({ op: 'add', path: `${ACME}:badges[value eq "b1"].issued`, value: 'True' }),
    );
    expect(resource[ACME]).toEqual({ badges: [{ value: 'b1', issued: true }] });
  });

  it('the extension URN as the path takes an object of its attributes', () => {
    const { resource } = patch(
      storedUser(),
      ops({ op: 'replace', path: ACME, value: { clearance: 'low', badgeNumber: 7 } }),
    );
    expect(resource[ACME]).toEqual({ clearance: 'low', badgeNumber: 7 });
  });

  it('an immutable extension attribute can be set once, then not changed', () => {
    const once = patch(
      storedUser(),
      ops({ op: 'add', path: `${ACME}:employeeSince`, value: '2020-01-01T00:00:00Z' }),
    );
    expect(once.resource[ACME]).toEqual({ employeeSince: '2020-01-01T00:00:00Z' });
    expectScimError(
      () =>
        patch(once.resource, ops({ op: 'replace', path: 'employeeSince', value: '2021-01-01T00:00:00Z' })),
      400,
      'mutability',
    );
  });

  it('removing the whole extension is refused while it holds an immutable value', () => {
    const user = { ...storedUser(), [ACME]: { employeeSince: '2020-01-01T00:00:00Z', clearance: 'low' } };
    expectScimError(() => patch(user, ops({ op: 'remove', path: ACME })), 400, 'mutability');
    const removable = { ...storedUser(), [ACME]: { clearance: 'low' } };
    expect(patch(removable, ops({ op: 'remove', path: ACME })).resource).not.toHaveProperty(ACME);
  });

  it('an extension URN that is not configured is 400 invalidPath', () => {
    expectScimError(
      () =>
        patch(
          storedUser(),
          ops({ op: 'add', path: 'urn:example:params:scim:schemas:extension:other:2.0:User:x', value: 1 }),
        ),
      400,
      'invalidPath',
    );
  });
});
