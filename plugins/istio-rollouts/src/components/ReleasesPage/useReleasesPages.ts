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

import { useCallback } from 'react';
import { useApi } from '@backstage/core-plugin-api';
import { istioRolloutsApiRef } from '../../api/IstioRolloutsApi';
import { useCursorPages } from '../../hooks/useCursorPages';
import type { ReleasesFilters } from './releasesFilters';

/** Routes per page of the releases table. */
export const RELEASES_PAGE_SIZE = 50;

/**
 * The releases in flight, one page at a time, under `filters`. Changing
 * the filters starts again at the first page.
 */
export function useReleasesPages(initialFilters: ReleasesFilters = {}) {
  const api = useApi(istioRolloutsApiRef);
  const load = useCallback(
    (filters: ReleasesFilters, cursor: string | undefined) =>
      api.listReleasesInFlight({
        ...filters,
        limit: RELEASES_PAGE_SIZE,
        cursor,
      }),
    [api],
  );
  return useCursorPages(load, initialFilters);
}
