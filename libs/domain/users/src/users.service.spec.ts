import type { ReadWriteDataSource } from '@dsp/database';
import type { LoginAttempts } from './login-attempts';
import type { PasswordHasher } from './password-hasher';
import { InvalidCredentialsError, InvalidUsernameError, TooManyLoginFailuresError } from './user-errors';
import { UsersService } from './users.service';

const LIMIT = 3;

/** Counts failures per account and refuses over LIMIT, as RedisLoginAttempts does (without Redis). */
class CountingAttempts implements LoginAttempts {
  readonly failures = new Map<string, number>();
  readonly admitted: string[] = [];
  async admit(account: string, username: string): Promise<void> {
    this.admitted.push(account);
    if ((this.failures.get(account) ?? 0) >= LIMIT) throw new TooManyLoginFailuresError(username, 60);
  }
  async failed(account: string): Promise<void> {
    this.failures.set(account, (this.failures.get(account) ?? 0) + 1);
  }
  async succeeded(account: string): Promise<void> {
    this.failures.delete(account);
  }
}

/** One account, found as `utf8mb4_unicode_ci` would find it: case and accents folded. */
function fakeDb(reads: string[]): ReadWriteDataSource {
  const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const row = { id: 615, username: 'enum084331', passwordHash: 'h:right', createdAt: new Date(0), pos: '0-1-1' };
  return {
    read: async (work: (em: unknown) => Promise<unknown>) =>
      work({
        query: async (_sql: string, [typed]: [string]) => {
          reads.push(typed);
          return fold(typed) === fold(row.username) ? [row] : [];
        },
      }),
  } as unknown as ReadWriteDataSource;
}

const hasher = {
  hash: async (p: string) => `h:${p}`,
  verify: async (p: string, stored: string) => stored === `h:${p}`,
} as unknown as PasswordHasher;

describe('UsersService.verifyCredentials (on fakes)', () => {
  let reads: string[];
  let attempts: CountingAttempts;
  let users: UsersService;

  beforeEach(() => {
    reads = [];
    attempts = new CountingAttempts();
    users = new UsersService(fakeDb(reads), hasher, attempts);
  });

  it('should count every spelling the collation folds to an account against its id, and refuse even the right password over the limit', async () => {
    for (const typed of ['enum084331', 'ENUM084331', 'énum084331'])
      await expect(users.verifyCredentials(typed, 'wrong')).rejects.toBeInstanceOf(InvalidCredentialsError);
    expect(attempts.failures.get('615')).toBe(LIMIT);
    await expect(users.verifyCredentials('Enum084331', 'right')).rejects.toBeInstanceOf(TooManyLoginFailuresError);
    expect([...attempts.failures.keys()]).toEqual(['615']);
  });

  it('should forget the failures after a right password under the limit', async () => {
    await expect(users.verifyCredentials('enum084331', 'wrong')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(users.verifyCredentials('enum084331', 'right')).resolves.toMatchObject({ user: { id: '615' }, position: '0-1-1' });
    expect(attempts.failures.has('615')).toBe(false);
  });

  it('should throttle an unknown name like a known one, keyed on its canonical lower-case spelling', async () => {
    for (const typed of ['Ghost', 'GHOST', 'ghost'])
      await expect(users.verifyCredentials(typed, 'x')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(users.verifyCredentials('ghost', 'x')).rejects.toBeInstanceOf(TooManyLoginFailuresError);
    expect(attempts.failures.get('name:ghost')).toBe(LIMIT);
  });

  it('should refuse a name with an invisible character before any lookup or count', async () => {
    await expect(users.verifyCredentials('enum084331\u200b', 'right')).rejects.toBeInstanceOf(InvalidUsernameError);
    expect(reads).toEqual([]);
    expect(attempts.admitted).toEqual([]);
  });

  it('should count a wrong current password on a password change against the same account', async () => {
    for (let i = 0; i < LIMIT; i++)
      await expect(users.changePassword('615', 'enum084331', 'wrong', 'next-pass')).rejects.toBeInstanceOf(InvalidCredentialsError);
    await expect(users.changePassword('615', 'enum084331', 'right', 'next-pass')).rejects.toBeInstanceOf(TooManyLoginFailuresError);
  });
});
