/**
 * The core User schema, RFC 7643 §4.1 with the characteristics of §8.7.1. Descriptions are
 * our own words; names, types and characteristics follow the RFC so generic clients and the
 * Entra schema discovery see what they expect.
 */
import {
  attribute,
  complex,
  multiValuedComplex,
  schemaDefinition,
  str,
  uniqueName,
} from './attribute-builders';

export const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

export const userSchema = schemaDefinition(USER_SCHEMA, 'User', 'User Account', [
  uniqueName('userName', 'Unique identifier of the user, typically the sign-in name. Case-insensitive.'),
  complex(
    'name',
    [
      str('formatted', { description: 'The full name, formatted for display.' }),
      str('familyName', { description: 'Family (last) name.' }),
      str('givenName', { description: 'Given (first) name.' }),
      str('middleName', { description: 'Middle name(s).' }),
      str('honorificPrefix', { description: 'Honorific prefix or title, e.g. "Ms.".' }),
      str('honorificSuffix', { description: 'Honorific suffix, e.g. "III".' }),
    ],
    { description: "The components of the user's real name." },
  ),
  str('displayName', { description: 'The name of the user, suitable for display to end-users.' }),
  str('nickName', { description: 'The casual way to address the user.' }),
  attribute('profileUrl', 'reference', {
    description: 'A URI of an online profile of the user.',
    referenceTypes: ['external'],
  }),
  str('title', { description: 'The user\'s title, e.g. "Vice President".' }),
  str('userType', { description: 'The relationship between the organization and the user.' }),
  str('preferredLanguage', { description: 'Preferred written or spoken language (RFC 7231 §5.3.5).' }),
  str('locale', { description: 'Default location for localisation, e.g. "en-US".' }),
  str('timezone', { description: 'Time zone in IANA "Olson" format, e.g. "Europe/Paris".' }),
  attribute('active', 'boolean', { description: "The user's administrative status." }),
  str('password', {
    description: "The user's clear-text password. Accepted on input, never stored or returned.",
    mutability: 'writeOnly',
    returned: 'never',
  }),
  multiValuedComplex('emails', 'Email addresses of the user.', {
    canonicalTypes: ['work', 'home', 'other'],
  }),
  multiValuedComplex('phoneNumbers', 'Phone numbers of the user.', {
    canonicalTypes: ['work', 'home', 'mobile', 'fax', 'pager', 'other'],
  }),
  multiValuedComplex('ims', 'Instant messaging addresses of the user.', {
    canonicalTypes: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo'],
  }),
  multiValuedComplex('photos', 'URLs of images of the user.', {
    valueType: 'reference',
    referenceTypes: ['external'],
    canonicalTypes: ['photo', 'thumbnail'],
  }),
  complex(
    'addresses',
    [
      str('formatted', { description: 'The full mailing address, formatted for display.' }),
      str('streetAddress', { description: 'Street address, possibly with house number and lines.' }),
      str('locality', { description: 'City or locality.' }),
      str('region', { description: 'State or region.' }),
      str('postalCode', { description: 'Zip or postal code.' }),
      str('country', { description: 'Country name (ISO 3166-1 alpha-2 code recommended).' }),
      str('type', {
        description: 'A label indicating the function of the address.',
        canonicalValues: ['work', 'home', 'other'],
      }),
      attribute('primary', 'boolean', { description: 'Indicates the preferred address.' }),
    ],
    { multiValued: true, description: 'Physical mailing addresses of the user.' },
  ),
  complex(
    'groups',
    [
      str('value', { description: 'The id of the group.', mutability: 'readOnly' }),
      attribute('$ref', 'reference', {
        description: 'The URI of the group.',
        mutability: 'readOnly',
        referenceTypes: ['User', 'Group'],
      }),
      str('display', { description: 'The display name of the group.', mutability: 'readOnly' }),
      str('type', {
        description: 'How the user is a member: "direct" or "indirect".',
        mutability: 'readOnly',
        canonicalValues: ['direct', 'indirect'],
      }),
    ],
    {
      multiValued: true,
      mutability: 'readOnly',
      description: 'Groups the user belongs to. Read-only here: memberships change through /Groups.',
    },
  ),
  multiValuedComplex('entitlements', 'Entitlements of the user.'),
  multiValuedComplex('roles', 'Roles of the user.'),
  multiValuedComplex('x509Certificates', 'X.509 certificates issued to the user (DER, base64).', {
    valueType: 'binary',
  }),
]);
