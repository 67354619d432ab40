import type { QueryClient } from '@tanstack/react-query';
import { pagedQueryOptions } from '../api/paged-query.ts';
import { lazyPage, type LazyPage } from './lazy-page.ts';

export const pages = {
  cleanRooms: lazyPage(() => import('../pages/CleanRoomsPage.tsx')),
  cleanRoom: lazyPage(() => import('../pages/CleanRoomDetailPage.tsx')),
  runForm: lazyPage(() => import('../pages/RunFormPage.tsx')),
  datasets: lazyPage(() => import('../pages/DatasetsPage.tsx')),
  runs: lazyPage(() => import('../pages/RunsPage.tsx')),
  run: lazyPage(() => import('../pages/RunDetailPage.tsx')),
  status: lazyPage(() => import('../pages/SystemStatusPage.tsx')),
} satisfies Record<string, LazyPage>;

export interface NavigationEntry {
  to: string;
  label: string;
  page: LazyPage | null;
  /** Loads the first page of the route's data into the query cache. */
  prefetch?: (client: QueryClient) => Promise<void>;
}

/** The fetchers and their zod schemas, loaded after the first paint so that zod stays off the first route. */
const loadResources = () => import('../api/resources.ts');

export const cleanRoomsKey = (search: string, status: string) => ['cleanrooms', { search, status }];

export const navigation: NavigationEntry[] = [
  { to: '/', label: 'Chat', page: null },
  {
    to: '/cleanrooms',
    label: 'Clean rooms',
    page: pages.cleanRooms,
    prefetch: async (client) => {
      const { fetchCleanRooms } = await loadResources();
      await client.prefetchInfiniteQuery(
        pagedQueryOptions(cleanRoomsKey('', ''), (cursor) =>
          fetchCleanRooms({ search: '', status: '' }, cursor),
        ),
      );
    },
  },
  {
    to: '/datasets',
    label: 'Datasets',
    page: pages.datasets,
    prefetch: async (client) => {
      const { fetchDatasets } = await loadResources();
      await client.prefetchInfiniteQuery(pagedQueryOptions(['datasets'], fetchDatasets));
    },
  },
  {
    to: '/runs',
    label: 'Runs',
    page: pages.runs,
    prefetch: async (client) => {
      const { fetchRuns } = await loadResources();
      await client.prefetchInfiniteQuery(pagedQueryOptions(['runs'], fetchRuns));
    },
  },
  { to: '/status', label: 'System status', page: pages.status },
];
