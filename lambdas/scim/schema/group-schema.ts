/**
 * The core Group schema, RFC 7643 §4.2 with the characteristics of §8.7.1, as this server
 * implements it: members are Users only (no nested groups, docs/GROUPS.md), so `type` and
 * `$ref` advertise only User. `members.display` is readOnly: the server always fills it from
 * the user; Okta sends it with every member, and like any readOnly input it is ignored.
 */
import { attribute, complex, schemaDefinition, str, uniqueName } from './attribute-builders';

export const GROUP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:Group';

export const groupSchema = schemaDefinition(GROUP_SCHEMA, 'Group', 'Group', [
  uniqueName('displayName', 'A human-readable name for the group. Unique per tenant.'),
  complex(
    'members',
    [
      str('value', { description: 'The id of the member.', mutability: 'immutable', caseExact: true }),
      attribute('$ref', 'reference', {
        description: 'The URI of the member resource.',
        mutability: 'immutable',
        referenceTypes: ['User'],
      }),
      str('display', {
        description: 'A human-readable name of the member, set by the server.',
        mutability: 'readOnly',
      }),
      str('type', {
        description: 'The type of the member: always "User" (nested groups are not supported).',
        mutability: 'immutable',
        canonicalValues: ['User'],
      }),
    ],
    { multiValued: true, description: 'The members of the group.' },
  ),
]);
