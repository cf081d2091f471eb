export { CreateUsers1764115200000 } from './migrations/create-users.migration';
export { DEFAULT_PASSWORD_HASHER_OPTIONS, PasswordHasher, type PasswordHasherOptions } from './password-hasher';
export { InvalidCredentialsError, InvalidUsernameError, TooManyLoginFailuresError, UsernameTakenError } from './user-errors';
export type { LoginAttempts } from './login-attempts';
export { USER_ENTITY, type UserRow } from './user.entity';
export { UsersService, type PublicUser } from './users.service';
export { CreateOrderStats1764288000000 } from './migrations/create-order-stats.migration';
export { OrderStatsProjector, type OrderStats } from './order-stats.projector';
