/*
 * Copyright 2026 The Istio Rollouts for Backstage Authors
 *
 * Licensed under the Apache License, Version 2.0 (the "License");
 * you may not use this file except in compliance with the License.
 * You may obtain a copy of the License at
 *
 *     http://www.apache.org/licenses/LICENSE-2.0
 *
 * Unless required by applicable law or agreed to in writing, software
 * distributed under the License is distributed on an "AS IS" BASIS,
 * WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
 * See the License for the specific language governing permissions and
 * limitations under the License.
 */

import { useCallback, useState } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import useAsyncRetry from 'react-use/esm/useAsyncRetry';
import { istioRolloutsApiRef } from '../../api/IstioRolloutsApi';
import type { ReleasesFilters } from './releasesFilters';

/** Routes per page of the releases table. */
export const RELEASES_PAGE_SIZE = 50;

interface Paging {
  filters: ReleasesFilters;
  /**
   * The cursor of each page visited, the current one last; the first page
   * has none. The backend pages forward only, so "previous" goes back to a
   * cursor already seen.
   */
  cursors: Array<string | undefined>;
}

/**
 * The releases in flight, one page at a time, under `filters`. Changing
 * the filters starts again at the first page.
 */
export function useReleasesPages(initialFilters: ReleasesFilters = {}) {
  const api = useApi(istioRolloutsApiRef);
  const [paging, setPaging] = useState<Paging>({
    filters: initialFilters,
    cursors: [undefined],
  });
  const { filters, cursors } = paging;
  const cursor = cursors[cursors.length - 1];
  const state = useAsyncRetry(
    () =>
      api.listReleasesInFlight({
        ...filters,
        limit: RELEASES_PAGE_SIZE,
        cursor,
      }),
    [api, filters, cursor],
  );
  const nextCursor = state.value?.nextCursor;

  const setFilters = useCallback(
    (next: ReleasesFilters) =>
      setPaging({ filters: next, cursors: [undefined] }),
    [],
  );
  const next = useCallback(() => {
    if (!nextCursor) return;
    setPaging(p => ({ ...p, cursors: [...p.cursors, nextCursor] }));
  }, [nextCursor]);
  const previous = useCallback(
    () =>
      setPaging(p =>
        p.cursors.length > 1 ? { ...p, cursors: p.cursors.slice(0, -1) } : p,
      ),
    [],
  );
  const first = useCallback(
    () => setPaging(p => ({ ...p, cursors: [undefined] })),
    [],
  );

  return {
    filters,
    setFilters,
    page: state.value,
    loading: state.loading,
    error: state.error,
    retry: state.retry,
    /** 0 for the first page. */
    pageIndex: cursors.length - 1,
    hasNext: !state.loading && !!nextCursor,
    hasPrevious: cursors.length > 1,
    next,
    previous,
    first,
  };
}
