/**
 * A small hand-built AttributeLookup for filter tests, so they do not depend on the schema
 * registry's contents: a few attributes of each type with the caseExact settings of RFC 7643.
 */

import type { AttributeLookup } from '../../../../lambdas/scim/filter/ast';
import type { AttributeDefinition, AttributeType } from '../../../../lambdas/scim/schema/types';

export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

function attr(
  name: string,
  type: AttributeType,
  extra: Partial<Pick<AttributeDefinition, 'caseExact' | 'multiValued' | 'subAttributes'>> = {},
): AttributeDefinition {
  return {
    name,
    type,
    multiValued: extra.multiValued ?? false,
    description: name,
    required: false,
    caseExact: extra.caseExact ?? false,
    mutability: 'readWrite',
    returned: 'default',
    uniqueness: 'none',
    ...(extra.subAttributes ? { subAttributes: extra.subAttributes } : {}),
  };
}

const multiValuedValue = (name: string) =>
  attr(name, 'complex', {
    multiValued: true,
    subAttributes: [
      attr('value', 'string'),
      attr('type', 'string'),
      attr('primary', 'boolean'),
      attr('display', 'string'),
    ],
  });

const CORE: readonly AttributeDefinition[] = [
  attr('id', 'string', { caseExact: true }),
  attr('externalId', 'string', { caseExact: true }),
  attr('userName', 'string'),
  attr('displayName', 'string'),
  attr('title', 'string'),
  attr('active', 'boolean'),
  attr('loginCount', 'integer'),
  attr('score', 'decimal'),
  attr('name', 'complex', { subAttributes: [attr('familyName', 'string'), attr('givenName', 'string')] }),
  multiValuedValue('emails'),
  attr('x509Certificates', 'complex', {
    multiValued: true,
    subAttributes: [attr('value', 'binary', { caseExact: true })],
  }),
  attr('members', 'complex', {
    multiValued: true,
    subAttributes: [attr('value', 'string', { caseExact: true }), attr('display', 'string')],
  }),
  attr('meta', 'complex', {
    subAttributes: [attr('created', 'dateTime'), attr('lastModified', 'dateTime'), attr('version', 'string')],
  }),
  attr('schemas', 'reference', { multiValued: true, caseExact: true }),
];

const EXTENSION: readonly AttributeDefinition[] = [
  attr('employeeNumber', 'string'),
  attr('manager', 'complex', {
    subAttributes: [attr('value', 'string', { caseExact: true }), attr('displayName', 'string')],
  }),
];

function find(list: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return list.find((a) => a.name.toLowerCase() === lower);
}

export const testLookup: AttributeLookup = (path) => {
  const schema = path.schema?.toLowerCase();
  let top: AttributeDefinition | undefined;
  if (schema === undefined) top = find(CORE, path.attribute) ?? find(EXTENSION, path.attribute);
  else if (schema === CORE_USER.toLowerCase()) top = find(CORE, path.attribute);
  else if (schema === ENTERPRISE.toLowerCase()) top = find(EXTENSION, path.attribute);
  if (!top || path.subAttribute === undefined) return top;
  return find(top.subAttributes ?? [], path.subAttribute);
};
