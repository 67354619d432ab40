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
  const encoded = parts.map((part) => (part === undefined ? '' : encodeURIComponent(part)));
  return [read, organizationId ?? '-', ...encoded].join(':');
}

/** Tags that writes invalidate; a cached read carries every tag whose change alters its answer. */
export const cacheTags = {
  /** The room itself: its settings, partners, attached datasets and questions. */
  cleanRoom: (cleanRoomId: string) => `room:${cleanRoomId}`,
  /** Set of rooms an organization is a partner of. */
  organizationRooms: (organizationId: string) => `org-rooms:${organizationId}`,
  /** The datasets an organization owns. */
  organizationDatasets: (organizationId: string) => `org-datasets:${organizationId}`,
  /** The approved question catalog. */
  questionCatalog: () => 'questions',
  apiKey: (apiKeyId: string) => `api-key:${apiKeyId}`,
} as const;
