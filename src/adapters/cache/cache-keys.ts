/**
 * Builds the key of a cached read. The organization id is part of every key
 * of an organization-scoped read, so one organization never receives an
 * answer cached for another.
 */
export function cacheKey(
  read: string,
  organizationId: string | null,
  ...parts: readonly (string | number | undefined)[]
): string {
  const encoded = parts.map((part) => (part === undefined ? '' : encodeKeyPart(part)));
  return [read, organizationId ?? '-', ...encoded].join(':');
}

/** A UTF-16 surrogate code unit without its partner; with the `u` flag a valid pair does not match. */
const UNPAIRED_SURROGATE = /\p{Surrogate}/gu;

/**
 * Percent-encodes one key part. encodeURIComponent throws URIError on an
 * unpaired surrogate, so each one becomes U+FFFD first. That shares a key
 * with the same text containing U+FFFD. That is correct for text query
 * parameters: node-postgres (Buffer) and PGlite (TextEncoder) encode an
 * unpaired surrogate as the UTF-8 of U+FFFD, so both reads query the same.
 */
function encodeKeyPart(part: string | number): string {
  return encodeURIComponent(String(part).replace(UNPAIRED_SURROGATE, '\uFFFD'));
}

/** Tags that writes invalidate; a cached read carries every tag whose change alters its answer. */
export const cacheTags = {
  /** The room itself: its settings, partners, attached datasets and questions. */
  cleanRoom: (cleanRoomId: string) => `room:${cleanRoomId}`,
  /** Set of rooms an organization is a partner of. */
  organizationRooms: (organizationId: string) => `org-rooms:${organizationId}`,
  /** Partners of any room. Listings filtered by partner kind carry it, because a partner change can add or drop their rows. */
  roomPartners: () => 'room-partners',
  /** Datasets attached to any room. Listings filtered by attached datasets carry it, because an attachment can add or drop their rows. */
  roomDatasets: () => 'room-datasets',
  /** The datasets an organization owns. */
  organizationDatasets: (organizationId: string) => `org-datasets:${organizationId}`,
  /** The approved question catalog. */
  questionCatalog: () => 'questions',
  apiKey: (apiKeyId: string) => `api-key:${apiKeyId}`,
} as const;
