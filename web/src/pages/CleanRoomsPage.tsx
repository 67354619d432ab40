import { useDeferredValue, useEffect } from 'react';
import { useNavigate, useSearchParams } from 'react-router';
import type { CleanRoom } from '../../../src/domain/clean-rooms/clean-room.ts';
import { fetchCleanRooms } from '../api/resources.ts';
import { cleanRoomsKey } from '../app/routes.ts';
import { QueryStatus } from '../components/QueryStatus.tsx';
import { countText } from '../lib/count-text.ts';
import { VirtualList } from '../components/VirtualList.tsx';
import { rememberRoomListSearch } from './clean-room/room-list-location.ts';
import { usePagedList } from './use-paged-list.ts';

const ROW_HEIGHT_PX = 56;

function CleanRoomRow(room: CleanRoom) {
  // Built as one string because Preact makes a text node of every JSX child,
  // and a row is created for each room that scrolls into view.
  const meta = `${room.displayId} · ${room.status} · ${room.myRole} · ${countText(room.partnersCount, 'partner')}`;
  return (
    <div className="row-content">
      <span className="row-title">{room.name}</span>
      <span className="row-meta">{meta}</span>
    </div>
  );
}

const STATUS_FILTERS = new Set(['ACTIVE', 'INACTIVE', 'EXPIRED']);

/**
 * Keeps the search text (`q`) and the status filter in the URL, so Back from
 * a room, a reload or a shared link shows the same list. Typing replaces the
 * history entry instead of adding one per keystroke. An unknown status in
 * the URL reads as Any.
 */
function useRoomFilters() {
  const [params, setParams] = useSearchParams();
  const query = params.toString();
  useEffect(() => rememberRoomListSearch(query === '' ? '' : `?${query}`), [query]);
  const status = params.get('status') ?? '';
  const setFilter = (name: 'q' | 'status', value: string) => {
    setParams(
      (current) => {
        const next = new URLSearchParams(current);
        if (value === '') next.delete(name);
        else next.set(name, value);
        return next;
      },
      { replace: true },
    );
  };
  return {
    search: params.get('q') ?? '',
    status: STATUS_FILTERS.has(status) ? status : '',
    setFilter,
  };
}

export default function CleanRoomsPage() {
  const navigate = useNavigate();
  const { search, status, setFilter } = useRoomFilters();
  // Search is server-side: typing updates the field at once and the query when React is idle.
  const deferredSearch = useDeferredValue(search.trim());
  const { query, items, loadMore, hasMore } = usePagedList(
    cleanRoomsKey(deferredSearch, status),
    (cursor) => fetchCleanRooms({ search: deferredSearch, status }, cursor),
  );

  return (
    <section className="list-page" aria-labelledby="rooms-title">
      <h1 id="rooms-title">Clean rooms</h1>
      <div className="filters" role="search">
        <label htmlFor="room-search">Search</label>
        <input
          id="room-search"
          type="search"
          value={search}
          onChange={(event) => setFilter('q', event.target.value)}
        />
        <label htmlFor="room-status">Status</label>
        <select
          id="room-status"
          value={status}
          onChange={(event) => setFilter('status', event.target.value)}
        >
          <option value="">Any</option>
          <option value="ACTIVE">Active</option>
          <option value="INACTIVE">Inactive</option>
          <option value="EXPIRED">Expired</option>
        </select>
      </div>
      <QueryStatus query={query} what="clean rooms" />
      {query.isSuccess && items.length === 0 && <p>No clean rooms match.</p>}
      {items.length > 0 && (
        <VirtualList
          items={items}
          hasMore={hasMore}
          loadMore={loadMore}
          rowHeight={ROW_HEIGHT_PX}
          label="Clean rooms"
          renderRow={CleanRoomRow}
          onOpen={(room) => void navigate(`/cleanrooms/${room.id}`)}
        />
      )}
    </section>
  );
}
