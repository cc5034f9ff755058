/**
 * Per-tenant rate-limit overrides in the token document (docs/FAIRNESS.md): valid entries are
 * kept, anything else is dropped (that tenant gets the default), and the tokens are read as before.
 */
import { parseTokenDocument } from '../../../lambdas/auth/token-document';

const TOKEN = {
  id: 'tok_1',
  tenant: 'acme',
  label: 'Okta',
  sha256: 'a'.repeat(64),
  createdAt: '2026-01-01T00:00:00Z',
};

describe('token document limits', () => {
  it('keeps valid overrides and drops invalid ones', () => {
    const document = parseTokenDocument(
      JSON.stringify({
        tokens: [TOKEN],
        limits: {
          acme: { rate: 2, burst: 5 },
          slow: { rate: 0.5, burst: 1 },
          zero: { rate: 0, burst: 5 },
          fractionalBurst: { rate: 1, burst: 2.5 },
          huge: { rate: 1e9, burst: 5 },
          text: { rate: '5', burst: 5 },
          missing: { rate: 5 },
          'bad tenant!': { rate: 5, burst: 5 },
          nothing: null,
        },
      }),
    );
    expect(document.tokens).toEqual([TOKEN]);
    expect(document.limits).toEqual({ acme: { rate: 2, burst: 5 }, slow: { rate: 0.5, burst: 1 } });
  });

  it.each([undefined, [], 'fast', { only: 'garbage' }])('a document with limits %j has none', (limits) => {
    expect(parseTokenDocument(JSON.stringify({ tokens: [TOKEN], limits })).limits).toBeUndefined();
  });
});
