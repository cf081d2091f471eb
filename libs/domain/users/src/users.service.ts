import { canonicalUsername } from '@dsp/contracts';
import type { GtidPosition, ReadAfter, ReadRoute, ReadWriteDataSource } from '@dsp/database';
import type { LoginAttempts } from './login-attempts';
import { PasswordHasher } from './password-hasher';
import { InvalidCredentialsError, InvalidUsernameError, UsernameTakenError } from './user-errors';
import { USER_ENTITY, type UserRow } from './user.entity';

/** What callers see of a user: never the password hash. */
export interface PublicUser {
  id: string;
  username: string;
  createdAt: string;
}

function toPublic(u: UserRow): PublicUser {
  return { id: String(u.id), username: u.username, createdAt: new Date(u.createdAt).toISOString() };
}

/**
 * Accounts in `user_db` over read/write splitting.
 *
 * - Writes (register, password change) run on the primary and return the
 *   commit's GTID, which callers carry (in the session) so later reads of the
 *   same user never see older data.
 * - Credential checks always read the primary: a password just changed, or an
 *   account just created, must count at once, whatever the replicas' lag.
 * - An unknown username costs the same scrypt work as a wrong password, so
 *   response time does not reveal which usernames exist.
 * - A typed username is canonicalised (NFKC) and refused when it holds a
 *   control, invisible or bidi character, before any lookup; failed checks
 *   (login and password change alike) are counted per account found, through
 *   `attempts`, and refused over the limit before the password is checked.
 */
export class UsersService {
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly db: ReadWriteDataSource,
    private readonly hasher: PasswordHasher,
    private readonly attempts?: LoginAttempts,
  ) {}

  async register(username: string, password: string): Promise<{ user: PublicUser; position: GtidPosition }> {
    const passwordHash = await this.hasher.hash(password);
    const now = new Date();
    try {
      const { result, gtid } = await this.db.write(async (em) => {
        const repo = em.getRepository(USER_ENTITY);
        const inserted = await repo.insert({ username, passwordHash, createdAt: now, passwordChangedAt: now });
        const id = String(inserted.identifiers[0]?.['id']);
        return { id, username, createdAt: now.toISOString() };
      });
      return { user: result, position: gtid };
    } catch (e) {
      const code = (e as { driverError?: { code?: string }; code?: string }).driverError?.code ?? (e as { code?: string }).code;
      if (code === 'ER_DUP_ENTRY') throw new UsernameTakenError(username);
      throw e;
    }
  }

  /**
   * Checks a username and password on the primary. Returns the user and the
   * primary's GTID position at that moment (a read-your-writes floor for the
   * new session: it covers the account's creation and last password change).
   */
  async verifyCredentials(typed: string, password: string): Promise<{ user: PublicUser; position: string }> {
    const canonical = canonicalUsername(typed);
    if (!canonical.ok) throw new InvalidUsernameError(canonical.problem);
    const username = canonical.username;
    const rows = await this.db.read(
      (em) =>
        em.query(
          'SELECT id, username, password_hash AS passwordHash, created_at AS createdAt, @@gtid_binlog_pos AS pos FROM users WHERE username = ?',
          [username],
        ) as Promise<(UserRow & { pos: string })[]>,
      { primary: true },
    );
    const row = rows[0];
    const account = row ? String(row.id) : `name:${username.toLowerCase()}`;
    await this.attempts?.admit(account, username);
    if (!row) {
      this.dummyHash ??= this.hasher.hash('timing-equaliser');
      await this.hasher.verify(password, await this.dummyHash);
      await this.attempts?.failed(account);
      throw new InvalidCredentialsError();
    }
    if (!(await this.hasher.verify(password, row.passwordHash))) {
      await this.attempts?.failed(account);
      throw new InvalidCredentialsError();
    }
    await this.attempts?.succeeded(account);
    return { user: toPublic(row), position: row.pos ?? '' };
  }

  /** Reads a user; with the caller's read positions (`after`), only from a replica that has applied their last write (else the primary). */
  async findById(id: string, after?: ReadAfter): Promise<{ user: PublicUser; route: ReadRoute } | undefined> {
    return this.db.read(
      async (em, route) => {
        const u = await em.getRepository(USER_ENTITY).findOneBy({ id });
        return u ? { user: toPublic(u), route } : undefined;
      },
      { after },
    );
  }

  /** Changes a password after checking the current one; returns the write (data source and commit position) for read-your-writes. */
  async changePassword(
    userId: string,
    username: string,
    current: string,
    next: string,
  ): Promise<{ source: string; position: GtidPosition }> {
    await this.verifyCredentials(username, current);
    const passwordHash = await this.hasher.hash(next);
    const { result: affected, gtid } = await this.db.write(async (em) => {
      const r = await em.getRepository(USER_ENTITY).update({ id: userId }, { passwordHash, passwordChangedAt: new Date() });
      return r.affected ?? 0;
    });
    if (affected !== 1) throw new InvalidCredentialsError();
    return { source: this.db.name, position: gtid };
  }
}
