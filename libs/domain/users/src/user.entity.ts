import { EntitySchema } from '@dsp/database';

/** A row of `user_db.users`. */
export interface UserRow {
  id: string;
  username: string;
  passwordHash: string;
  createdAt: Date;
  passwordChangedAt: Date;
}

/** `users` in `user_db` (vertical split: accounts in their own database, docs/notes.md#n4). */
export const USER_ENTITY = new EntitySchema<UserRow>({
  name: 'User',
  tableName: 'users',
  columns: {
    id: { type: 'bigint', primary: true, generated: 'increment', unsigned: true },
    username: { type: 'varchar', length: 32, unique: true },
    passwordHash: { name: 'password_hash', type: 'varchar', length: 255 },
    createdAt: { name: 'created_at', type: 'datetime', precision: 3 },
    passwordChangedAt: { name: 'password_changed_at', type: 'datetime', precision: 3 },
  },
});
