/**
 * The core Group schema, RFC 7643 §4.2 with the characteristics of §8.7.1. `members.display`
 * is accepted on input because Okta sends it with every member (it is not listed in §8.7.1,
 * but §4.2 names it), and rejecting it breaks Group Push.
 */
import { attribute, complex, str } from './attribute-builders';
import type { SchemaDefinition } from './types';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export const groupSchema: SchemaDefinition = {
  id: GROUP_SCHEMA,
  name: 'Group',
  description: 'Group',
  attributes: [
    str('displayName', {
      description: 'A human-readable name for the group. Unique per tenant.',
      required: true,
      uniqueness: 'server',
    }),
    complex(
      'members',
      [
        str('value', { description: 'The id of the member.', mutability: 'immutable', caseExact: true }),
        attribute('$ref', 'reference', {
          description: 'The URI of the member resource.',
          mutability: 'immutable',
          referenceTypes: ['User', 'Group'],
        }),
        str('display', { description: 'A human-readable name of the member.', mutability: 'immutable' }),
        str('type', {
          description: 'The type of the member: "User" or "Group".',
          mutability: 'immutable',
          canonicalValues: ['User', 'Group'],
        }),
      ],
      { multiValued: true, description: 'The members of the group.' },
    ),
  ],
};
