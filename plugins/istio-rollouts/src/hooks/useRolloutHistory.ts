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

import { useCallback, useEffect, useRef, useState } from 'react';
import { Entity, getCompoundEntityRef } from '@backstage/catalog-model';
import { useApi } from '@backstage/core-plugin-api';
import type {
  AuditRecord,
  AuditRecordPage,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { istioRolloutsApiRef } from '../api/IstioRolloutsApi';

/** Records per page of the entity's history. */
export const HISTORY_PAGE_SIZE = 25;

interface Loaded {
  records: AuditRecord[];
  nextCursor?: string;
}

/**
 * Puts a freshly fetched first page on top of what is loaded. Records are
 * appended newest first, so the new ones are those not yet known; a known
 * one is taken as the page has it (a write whose outcome was `unknown` is
 * settled later). Without any overlap more happened than a page holds, and
 * the gap cannot be told: start again from the new first page.
 */
export function mergeFirstPage(current: Loaded, page: AuditRecordPage): Loaded {
  const known = new Set(current.records.map(r => r.id));
  if (current.records.length === 0 || !page.items.some(r => known.has(r.id))) {
    return { records: page.items, nextCursor: page.nextCursor };
  }
  const fresh = new Set(page.items.map(r => r.id));
  return {
    records: [...page.items, ...current.records.filter(r => !fresh.has(r.id))],
    nextCursor: current.nextCursor,
  };
}

/**
 * The entity's audit records, newest first, with "load more". When
 * `refreshKey` changes (the view or the requests were refetched, so
 * something may have been recorded) the first page is fetched again and
 * merged, keeping the older pages the user loaded.
 */
export function useRolloutHistory(entity: Entity, refreshKey?: unknown) {
  const api = useApi(istioRolloutsApiRef);
  const { kind, namespace, name } = getCompoundEntityRef(entity);
  const [loaded, setLoaded] = useState<Loaded>();
  const [error, setError] = useState<Error>();
  const [loadingMore, setLoadingMore] = useState(false);
  const [moreError, setMoreError] = useState<Error>();
  // The latest state for callbacks that outlive a render.
  const current = useRef<Loaded | undefined>(undefined);
  current.current = loaded;

  // A new entity starts from nothing (the ref too: the fetch below, in the
  // same commit, must not merge into the previous entity's records).
  useEffect(() => {
    current.current = undefined;
    setLoaded(undefined);
    setError(undefined);
  }, [kind, namespace, name]);

  useEffect(() => {
    let cancelled = false;
    api
      .getHistory({ kind, namespace, name }, { limit: HISTORY_PAGE_SIZE })
      .then(page => {
        if (cancelled) return;
        setLoaded(mergeFirstPage(current.current ?? { records: [] }, page));
        setError(undefined);
      })
      .catch(e => {
        // A failed refresh keeps what is shown; only a first load fails.
        if (!cancelled && !current.current) setError(e);
      });
    return () => {
      cancelled = true;
    };
  }, [api, kind, namespace, name, refreshKey]);

  // Set at once, unlike loadingMore: a second call in the same tick (a
  // double click) must not fetch the same page again.
  const moreInFlight = useRef(false);

  const loadMore = useCallback(async () => {
    const cursor = current.current?.nextCursor;
    if (!cursor || moreInFlight.current) return;
    moreInFlight.current = true;
    setLoadingMore(true);
    setMoreError(undefined);
    try {
      const page = await api.getHistory(
        { kind, namespace, name },
        { limit: HISTORY_PAGE_SIZE, cursor },
      );
      setLoaded(prev => {
        const known = new Set(prev?.records.map(r => r.id));
        return {
          records: [
            ...(prev?.records ?? []),
            ...page.items.filter(r => !known.has(r.id)),
          ],
          nextCursor: page.nextCursor,
        };
      });
    } catch (e) {
      setMoreError(e as Error);
    } finally {
      moreInFlight.current = false;
      setLoadingMore(false);
    }
  }, [api, kind, namespace, name]);

  return {
    records: loaded?.records ?? [],
    hasMore: !!loaded?.nextCursor,
    loading: !loaded && !error,
    error,
    loadMore,
    loadingMore,
    moreError,
  };
}
