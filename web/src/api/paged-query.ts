import { infiniteQueryOptions, type QueryKey } from '@tanstack/react-query';
import type { Page } from '../../../src/domain/pagination/page.ts';

/** Query options of a cursor-paged list, shared by the list page and the prefetch on hover. */
export function pagedQueryOptions<Item>(
  queryKey: QueryKey,
  fetchPage: (cursor: string | undefined) => Promise<Page<Item>>,
) {
  return infiniteQueryOptions({
    queryKey,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (page: Page<Item>) => page.nextCursor ?? undefined,
  });
}
