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
import useAsyncRetry from 'react-use/esm/useAsyncRetry';

interface Paging<F> {
  filters: F;
  /**
   * The cursor of each page visited, the current one last; the first page
   * has none. The backends page forward only, so "previous" goes back to a
   * cursor already seen.
   */
  cursors: Array<string | undefined>;
}

/**
 * One page at a time of a cursor-paged list under `filters` (the audit
 * trail, the releases in flight). Changing the filters starts again at the
 * first page. `load` must keep its identity between renders (useCallback).
 */
export function useCursorPages<F, P extends { nextCursor?: string }>(
  load: (filters: F, cursor: string | undefined) => Promise<P>,
  initialFilters: F,
) {
  const [paging, setPaging] = useState<Paging<F>>({
    filters: initialFilters,
    cursors: [undefined],
  });
  const { filters, cursors } = paging;
  const cursor = cursors[cursors.length - 1];
  const state = useAsyncRetry(
    () => load(filters, cursor),
    [load, filters, cursor],
  );
  const nextCursor = state.value?.nextCursor;

  const setFilters = useCallback(
    (next: F) => setPaging({ filters: next, cursors: [undefined] }),
    [],
  );
  const next = useCallback(() => {
    if (!nextCursor) return;
    // Until the next page has loaded, nextCursor is still the one already
    // followed: a second click would step onto the same page again.
    setPaging(p =>
      p.cursors[p.cursors.length - 1] === nextCursor
        ? p
        : { ...p, cursors: [...p.cursors, nextCursor] },
    );
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
