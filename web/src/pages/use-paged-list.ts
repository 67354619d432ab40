import { useInfiniteQuery, type QueryKey } from '@tanstack/react-query';
import { useCallback, useMemo } from 'react';
import type { Page } from '../../../src/domain/pagination/page.ts';
import { pagedQueryOptions } from '../api/paged-query.ts';

/**
 * Loads a cursor-paged list page by page as a virtual list scrolls.
 * `staleTime` (ms) overrides the app's default for lists that change often.
 */
export function usePagedList<Item>(
  queryKey: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<Page<Item>>,
  staleTime?: number,
) {
  const query = useInfiniteQuery({
    ...pagedQueryOptions(queryKey, fetchPage),
    ...(staleTime === undefined ? {} : { staleTime }),
  });
  const items = useMemo(() => query.data?.pages.flatMap((page) => page.items) ?? [], [query.data]);
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = query;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
  return { query, items, loadMore, hasMore: hasNextPage };
}
