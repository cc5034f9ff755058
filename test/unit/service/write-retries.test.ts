/** The read-modify-write retry policies: what a lost race becomes once the attempts run out. */
import { DomainError } from '../../../lambdas/domain/errors';
import { retryWhileBusy, writeWithRetries } from '../../../lambdas/service/write-retries';

const lostRace = () => new DomainError('versionConflict', 'lost');

it('without If-Match a lost race is re-run, and one that keeps losing is busy with Retry-After, not a 409', async () => {
  let attempts = 0;
  const alwaysLoses = () => {
    attempts++;
    return Promise.reject(lostRace());
  };
  await expect(writeWithRetries(undefined, alwaysLoses)).rejects.toMatchObject({
    code: 'busy',
    retryAfterSeconds: 1,
  });
  expect(attempts).toBe(6);
  let tries = 0;
  await expect(
    writeWithRetries(undefined, async () => {
      tries++;
      if (tries < 3) throw lostRace();
      return 'written';
    }),
  ).resolves.toBe('written');
});

it('under If-Match a lost race is preconditionFailed at once', async () => {
  let attempts = 0;
  await expect(
    writeWithRetries([3], () => {
      attempts++;
      return Promise.reject(lostRace());
    }),
  ).rejects.toMatchObject({ code: 'preconditionFailed' });
  expect(attempts).toBe(1);
  // '*' names no version: races are re-run as without a precondition.
  await expect(writeWithRetries('*', () => Promise.reject(lostRace()))).rejects.toMatchObject({
    code: 'busy',
  });
});

it('other errors pass through untouched; a busy group is busy after its attempts', async () => {
  const other = new DomainError('notFound', 'gone');
  await expect(writeWithRetries(undefined, () => Promise.reject(other))).rejects.toBe(other);
  await expect(retryWhileBusy(() => Promise.reject(lostRace()), 2)).rejects.toMatchObject({ code: 'busy' });
});
