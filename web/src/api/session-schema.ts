import { z } from 'zod';

// The server's response schemas, so the app parses exactly what the routes send.
export {
  SessionViewSchema as SessionSchema,
  type SessionView as Session,
} from '../../../src/domain/auth/session-view.ts';
export {
  ComponentStatusSchema as SystemComponentSchema,
  SystemStatusSchema,
  type SystemStatus,
} from '../../../src/domain/system/system-status.ts';

/** Response of `GET /api/v1/push/public-key`. */
export const PushPublicKeySchema = z.object({ publicKey: z.string() });
