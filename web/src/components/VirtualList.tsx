import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useId, useRef, type KeyboardEvent, type ReactNode } from 'react';

export interface VirtualListProps<Item> {
  items: readonly Item[];
  /** Whether more items can be loaded after the last one. */
  hasMore: boolean;
  loadMore(): void;
  rowHeight: number;
  label: string;
  renderRow(item: Item): ReactNode;
  onOpen(item: Item): void;
}

/** Rows rendered beyond the visible ones on each side; a few keep fast scrolling blank-free. */
const OVERSCAN_ROWS = 6;
/** Start loading the next page when the last rendered row is this close to the end. */
const LOAD_AHEAD_ROWS = 40;

interface VirtualRowProps<Item> {
  item: Item;
  index: number;
  id: string;
  start: number;
  height: number;
  selected: boolean;
  renderRow(item: Item): ReactNode;
  onOpen(item: Item): void;
}

function VirtualRowComponent<Item>(props: VirtualRowProps<Item>) {
  const { item, index, id, start, height, selected, renderRow, onOpen } = props;
  return (
    <div
      id={id}
      role="option"
      aria-selected={selected}
      className="virtual-row"
      data-index={index}
      style={{ height, transform: `translateY(${start}px)` }}
      onClick={() => onOpen(item)}
    >
      {renderRow(item)}
    </div>
  );
}

/**
 * One positioned row. Memoised, because every scroll step renders the list
 * again, and then only the rows that came into view need rendering.
 */
const VirtualRow = memo(VirtualRowComponent) as typeof VirtualRowComponent;

/**
 * Renders only the rows in view, so 100,000 items cost as much DOM as a
 * screenful. The list is one tab stop: arrow keys, Page Up/Down, Home and End
 * move the active row, and Enter opens it.
 */
export function VirtualList<Item>(props: VirtualListProps<Item>) {
  const { items, hasMore, loadMore, rowHeight, label, renderRow, onOpen } = props;
  const scrollRef = useRef<HTMLDivElement>(null);
  const rowIdPrefix = useId();
  const activeIndex = useRef(0);
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => rowHeight,
    overscan: OVERSCAN_ROWS,
  });
  const virtualRows = virtualizer.getVirtualItems();
  const lastIndex = virtualRows.at(-1)?.index ?? 0;
  // The effect depends on whether the end is near, not on the last index,
  // because Preact schedules an animation frame callback and a timer after
  // every render that changes an effect's dependencies. loadMore changes when
  // a page request starts or ends, so the effect runs again after a page
  // arrives and loads the next one if the end is still near.
  const nearEnd = hasMore && lastIndex >= items.length - LOAD_AHEAD_ROWS;

  useEffect(() => {
    if (nearEnd) loadMore();
  }, [nearEnd, loadMore]);

  const moveTo = (index: number) => {
    const clamped = Math.max(0, Math.min(items.length - 1, index));
    activeIndex.current = clamped;
    virtualizer.scrollToIndex(clamped, { align: 'auto' });
    scrollRef.current?.setAttribute('aria-activedescendant', `${rowIdPrefix}-${clamped}`);
    scrollRef.current
      ?.querySelectorAll('[aria-selected="true"]')
      .forEach((row) => row.setAttribute('aria-selected', 'false'));
    requestAnimationFrame(() =>
      document.getElementById(`${rowIdPrefix}-${clamped}`)?.setAttribute('aria-selected', 'true'),
    );
  };

  const pageRows = Math.max(
    1,
    Math.floor((scrollRef.current?.clientHeight ?? rowHeight * 10) / rowHeight),
  );
  const keyMoves: Record<string, () => number> = {
    ArrowDown: () => activeIndex.current + 1,
    ArrowUp: () => activeIndex.current - 1,
    PageDown: () => activeIndex.current + pageRows,
    PageUp: () => activeIndex.current - pageRows,
    Home: () => 0,
    End: () => items.length - 1,
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const move = keyMoves[event.key];
    if (move !== undefined) {
      event.preventDefault();
      moveTo(move());
      return;
    }
    const item = items[activeIndex.current];
    if (event.key === 'Enter' && item !== undefined) onOpen(item);
  };

  return (
    <div
      ref={scrollRef}
      className="virtual-list"
      role="listbox"
      aria-label={label}
      tabIndex={0}
      onKeyDown={onKeyDown}
      data-testid="virtual-list"
    >
      <div className="virtual-list-spacer" style={{ height: virtualizer.getTotalSize() }}>
        {virtualRows.map((row) => {
          const item = items[row.index];
          if (item === undefined) return null;
          return (
            <VirtualRow
              key={row.key}
              item={item}
              index={row.index}
              id={`${rowIdPrefix}-${row.index}`}
              start={row.start}
              height={row.size}
              selected={row.index === activeIndex.current}
              renderRow={renderRow}
              onOpen={onOpen}
            />
          );
        })}
      </div>
    </div>
  );
}
