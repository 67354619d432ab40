import type { Config } from '../../config/config.ts';

/**
 * Interval of the recheck of open sockets' credentials, in milliseconds. It
 * bounds how long a socket that sends no messages outlives a sign-out or a
 * revoked key. A message is always checked before it is handled.
 */
const CREDENTIAL_RECHECK_MS = 30_000;

/** Bounds of the WebSocket endpoint, from WS_* in the configuration (see src/config/config.ts for defaults). */
export interface WsSettings {
  maxPayloadBytes: number;
  heartbeatMs: number;
  /** Queued bytes above which a socket's chat stream pauses; it resumes below half of this. */
  highWaterBytes: number;
  /** Queued bytes above which a socket is closed with 1013. */
  maxBufferedBytes: number;
  stallTimeoutMs: number;
  logConversationBytes: number;
  logTotalBytes: number;
  logRetentionMs: number;
  clientMessageIdsMax: number;
  maxInvalidMessages: number;
  credentialRecheckMs: number;
}

export function wsSettingsFrom(config: Config): WsSettings {
  return {
    maxPayloadBytes: config.WS_MAX_PAYLOAD_BYTES,
    heartbeatMs: config.WS_HEARTBEAT_MS,
    highWaterBytes: config.WS_HIGH_WATER_BYTES,
    maxBufferedBytes: config.WS_MAX_BUFFERED_BYTES,
    stallTimeoutMs: config.WS_STALL_TIMEOUT_MS,
    logConversationBytes: config.WS_STREAM_LOG_CONVERSATION_BYTES,
    logTotalBytes: config.WS_STREAM_LOG_TOTAL_BYTES,
    logRetentionMs: config.WS_STREAM_LOG_RETENTION_SECONDS * 1000,
    clientMessageIdsMax: config.WS_CLIENT_MESSAGE_IDS_MAX,
    maxInvalidMessages: config.WS_MAX_INVALID_MESSAGES,
    credentialRecheckMs: CREDENTIAL_RECHECK_MS,
  };
}
