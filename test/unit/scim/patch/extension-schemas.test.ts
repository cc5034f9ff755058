/**
 * A `schemas` member inside an extension object's value (clients echo the extension's URN list
 * there) is accepted and ignored in PATCH add/replace, path-less and with the URN path, and in
 * POST/PUT bodies; any other unknown key stays an error where it was one.
 */
import { applyPatch, parsePatchRequest } from '../../../../lambdas/scim/patch';
import { parseResourceInput } from '../../../../lambdas/scim/schema/resource-input';
import {
  ENTERPRISE,
  expectScimError,
  ops,
  registry,
  storedUser,
  USER,
  userLookup,
  userSchemas,
} from './support';

const patch = (resource: Record<string, unknown>, body: unknown) =>
  applyPatch(
    resource,
    parsePatchRequest(body, { schemas: [userSchemas.core, ...userSchemas.extensions] }),
    userLookup,
    { schemas: userSchemas },
  );

const withSchemas = { schemas: [ENTERPRISE], department: 'Engineering', employeeNumber: '42' };

describe('schemas inside an extension object', () => {
  it.each(['add', 'replace', 'Replace'])('PATCH %s with the URN path ignores it', (op) => {
    const { resource, changedAttributes } = patch(
      storedUser(),
      ops({ op, path: ENTERPRISE, value: withSchemas }),
    );
    expect(resource[ENTERPRISE]).toEqual({ department: 'Engineering', employeeNumber: '42' });
    expect(changedAttributes).toEqual(expect.arrayContaining([expect.stringContaining(ENTERPRISE)]));
  });

  it.each(['add', 'replace'])('PATCH %s path-less ignores it', (op) => {
    const { resource } = patch(
      storedUser(),
      ops({ op, value: { [ENTERPRISE]: { ...withSchemas, SCHEMAS: [] } } }),
    );
    expect(resource[ENTERPRISE]).toEqual({ department: 'Engineering', employeeNumber: '42' });
  });

  it('only schemas is ignored: another unknown key in the extension object is still invalidPath', () => {
    expectScimError(
      () => patch(storedUser(), ops({ op: 'add', path: ENTERPRISE, value: { ...withSchemas, bogus: 1 } })),
      400,
      'invalidPath',
    );
    expectScimError(
      () => patch(storedUser(), ops({ op: 'add', value: { [ENTERPRISE]: { bogus: 1 } } })),
      400,
      'invalidPath',
    );
  });

  it('an extension attribute path named schemas is still invalidPath', () => {
    expectScimError(
      () => patch(storedUser(), ops({ op: 'add', path: `${ENTERPRISE}:schemas`, value: [ENTERPRISE] })),
      400,
      'invalidPath',
    );
  });

  it('POST and PUT bodies accept and ignore it', () => {
    const input = parseResourceInput(
      'User',
      { schemas: [USER, ENTERPRISE], userName: 'x', [ENTERPRISE]: withSchemas },
      registry,
    );
    expect(input[ENTERPRISE]).toEqual({ department: 'Engineering', employeeNumber: '42' });
    expect(input.schemas).toEqual([USER, ENTERPRISE]);
  });
});
