/**
 * How the functions build their authenticator from the environment (lambdas/runtime-auth.ts):
 * deployed (tokens in Secrets Manager) only `scim_` tokens are looked up; the local server's
 * token file also admits developer-chosen ones.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256Hex } from '../../../lambdas/auth/token-hash';
import { ENV } from '../../../lambdas/deployment';
import { isDomainError } from '../../../lambdas/domain/errors';
import { authSettingsFromEnv } from '../../../lambdas/runtime-auth';

const DEV_TOKEN = 'a-developer-chosen-token-of-40-characters';

async function outcome(run: Promise<unknown>): Promise<string> {
  try {
    await run;
    return 'accepted';
  } catch (error) {
    return isDomainError(error) ? error.code : 'other';
  }
}

it('deployed, a developer-chosen token is refused before the secret is read (no request is made)', async () => {
  const { authenticate } = authSettingsFromEnv({
    [ENV.tokenSecretId]: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:scim-tokens-AbCdEf',
  });
  // A read would need credentials and a network; none is attempted for this token.
  expect(await outcome(authenticate(`Bearer ${DEV_TOKEN}`))).toBe('unauthenticated');
});

it('the local token file admits the same developer-chosen token', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'scim-runtime-auth-'));
  const file = join(dir, 'tokens.json');
  writeFileSync(
    file,
    JSON.stringify({
      tokens: [
        {
          id: 'dev',
          tenant: 'default',
          label: 'dev',
          sha256: sha256Hex(DEV_TOKEN),
          createdAt: '2026-01-01T00:00:00Z',
        },
      ],
    }),
  );
  const { authenticate } = authSettingsFromEnv({ [ENV.tokenFile]: file });
  expect(await outcome(authenticate(`Bearer ${DEV_TOKEN}`))).toBe('accepted');
});
