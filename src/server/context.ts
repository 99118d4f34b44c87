/**
 * @module The per-request variables every route and middleware of the server shares (hono `Variables`):
 * the request id, the authenticated principal and a request-scoped logger.
 */
import type { Logger } from 'pino';

/** Who is calling, as established by the authentication middleware. */
export interface Principal {
  /**
   * `anonymous`: auth is off. `application`: the shared application key (names its end users per
   * request). `user`: a per-user key or a verified JWT (pinned to `userId`). `admin`: may act for anyone.
   */
  kind: 'anonymous' | 'application' | 'user' | 'admin';
  /** Stable id of the credential (`shared`, a key id, `jwt:<user>`, `anonymous`); the rate-limit bucket. */
  credentialId: string;
  /** The pinned user of a `user` principal. */
  userId?: string;
  /** Human label of the key, for logs. */
  label?: string;
}

export interface ServerVariables {
  requestId: string;
  principal: Principal;
  /** The user of requests that name none (auth off, shared or admin key). */
  defaultUserId: string;
  logger: Logger;
}

/** The hono environment of every AutoSkill route; route modules type their handlers with it. */
export interface ServerEnv {
  Variables: ServerVariables;
}
