/**
 * Request bodies of the user API, as JSON Schema (draft-07) data: the gateway
 * validates them before a request reaches a service, and user-service checks
 * the same schemas again. Plain objects, so contracts keeps no runtime deps.
 */

/** 3-32 characters, letters, digits, `_`, `.`, `-`, starting with a letter or digit. */
export const USERNAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]{2,31}$';

/** NIST SP 800-63B: at least 8 characters; at most 128 so hashing cost stays bounded. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

export interface RegisterRequest {
  username: string;
  password: string;
}

export const REGISTER_BODY_SCHEMA = {
  $id: 'RegisterRequest',
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', pattern: USERNAME_PATTERN },
    password: { type: 'string', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH },
  },
} as const;

export type LoginRequest = RegisterRequest;

export const LOGIN_BODY_SCHEMA = {
  $id: 'LoginRequest',
  type: 'object',
  additionalProperties: false,
  required: ['username', 'password'],
  properties: {
    username: { type: 'string', minLength: 1, maxLength: 64 },
    password: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH },
  },
} as const;

export interface ChangePasswordRequest {
  currentPassword: string;
  newPassword: string;
}

export const CHANGE_PASSWORD_BODY_SCHEMA = {
  $id: 'ChangePasswordRequest',
  type: 'object',
  additionalProperties: false,
  required: ['currentPassword', 'newPassword'],
  properties: {
    currentPassword: { type: 'string', minLength: 1, maxLength: PASSWORD_MAX_LENGTH },
    newPassword: { type: 'string', minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH },
  },
} as const;

/** A user as the API shows it. */
export interface UserView {
  id: string;
  username: string;
  createdAt: string;
}

/** One session in `GET /api/users/me/sessions`. */
export interface SessionView {
  /** The session's handle (a hash of its id; the id itself is only ever in the cookie). */
  id: string;
  current: boolean;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
  ip: string;
  userAgent: string;
}
