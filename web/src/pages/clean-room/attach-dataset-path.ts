/** Element id of the room page's attach control, which links from other pages point at. */
export const ATTACH_DATASET_ANCHOR = 'attach-dataset';

/**
 * Builds the link to a room's attach control. `dataTypes` are the dataset
 * types a question needs, and the control picks a dataset of one of them first.
 */
export function attachDatasetPath(cleanRoomId: string, dataTypes: readonly string[] = []): string {
  const query = dataTypes.length === 0 ? '' : `?attachType=${dataTypes.join(',')}`;
  return `/cleanrooms/${encodeURIComponent(cleanRoomId)}${query}#${ATTACH_DATASET_ANCHOR}`;
}
