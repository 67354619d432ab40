/** Query string of the clean room list as last shown in this tab, such as "?q=loyalty". */
let lastListSearch = '';

/** Records the list's query string, so links back to the list restore its search and filter. */
export function rememberRoomListSearch(search: string): void {
  lastListSearch = search;
}

/** Path of the clean room list with the search and filter it last showed. */
export function roomListPath(): string {
  return `/cleanrooms${lastListSearch}`;
}
