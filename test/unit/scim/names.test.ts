/**
 * The name profile (docs/NAMES.md): what is stored and what names are compared by.
 */
import { isScimError } from '../../../lambdas/scim/errors';
import { nameKey, normaliseName } from '../../../lambdas/scim/names';

const refusal = (value: string): string | undefined => {
  try {
    normaliseName('userName', value);
    return undefined;
  } catch (error) {
    if (isScimError(error) && error.status === 400 && error.scimType === 'invalidValue') return error.detail;
    throw error;
  }
};

describe('nameKey: one key per visible name', () => {
  it.each([
    ['Kelvin sign', '\u212Aelvin@x.com', 'kelvin@x.com'],
    ['full-width letters', '\uFF4B\uFF45\uFF4C\uFF56\uFF49\uFF4E', 'kelvin'],
    ['NFD é', 'caf\u0065\u0301', 'caf\u00E9'],
    ['ligature ﬁ', '\uFB01nance', 'finance'],
    ['ß folds like SS', 'STRASSE', 'stra\u00DFe'],
    ['final sigma', '\u039F\u0394\u039F\u03A3', '\u03BF\u03B4\u03BF\u03C3'],
    ['upper case', 'Alice@Example.COM', 'alice@example.com'],
  ])('%s', (_label, a, b) => {
    expect(nameKey(a)).toBe(nameKey(b));
  });

  it('keeps distinct names distinct', () => {
    expect(nameKey('kelvin')).not.toBe(nameKey('kelvim'));
    expect(nameKey('a b')).not.toBe(nameKey('ab'));
  });

  it('is idempotent for every code point, alone and in context', () => {
    const unstable: string[] = [];
    for (let cp = 0; cp < 0x30000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      for (const s of [c, `${c}a`, `A${c}\u03A3`]) {
        const key = nameKey(s);
        if (nameKey(key) !== key) unstable.push(s);
      }
    }
    expect(unstable).toEqual([]);
  });
});

describe('normaliseName: the stored form', () => {
  it('stores NFC', () => {
    expect(normaliseName('userName', 'jos\u0065\u0301@x.com')).toBe('jos\u00E9@x.com');
  });

  it('keeps case, width and inner spaces as sent (only the key folds them)', () => {
    expect(normaliseName('displayName', 'Sales \uFF21')).toBe('Sales \uFF21');
  });

  it.each([
    ['NUL', 'a\u0000b'],
    ['CR LF', 'a\r\nb'],
    ['TAB', 'a\tb'],
    ['DEL', 'a\u007Fb'],
    ['zero-width space', 'ali\u200Bce'],
    ['zero-width joiner', 'ali\u200Dce'],
    ['right-to-left override', 'alice\u202Egpj.exe'],
    ['isolate', '\u2066alice\u2069'],
    ['word joiner', 'ali\u2060ce'],
    ['byte order mark', '\uFEFFalice'],
    ['lone surrogate', 'a\uD800b'],
    ['leading space', ' alice'],
    ['trailing space', 'alice '],
    ['trailing no-break space', 'alice\u00A0'],
    ['only spaces', '   '],
    ['empty', ''],
  ])('refuses %s with 400 invalidValue', (_label, value) => {
    expect(refusal(value)).toBeDefined();
  });

  it('names the refused character by code point', () => {
    expect(refusal('a\u202Eb')).toContain('U+202E');
  });
});
