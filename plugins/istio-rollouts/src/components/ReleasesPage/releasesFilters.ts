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

import { parseEntityRef, stringifyEntityRef } from '@backstage/catalog-model';
import {
  RELEASE_IN_FLIGHT_STRATEGIES,
  type ReleaseInFlightStrategy,
  type ReleasesInFlightQuery,
} from '@istio-rollouts/plugin-istio-rollouts-common';

// The releases page's filter form, as typed, and its translation to the
// API's query (and to and from the page's URL, so a filtered view can be
// shared: "our stale canaries" is a link).

/** The filters of `GET /releases`, without paging. */
export type ReleasesFilters = Omit<ReleasesInFlightQuery, 'limit' | 'cursor'>;

/** The filter form as the user typed it. */
export interface ReleasesFilterForm {
  cluster: string;
  /** The Kubernetes namespace of the route object. */
  namespace: string;
  owner: string;
  strategy: ReleaseInFlightStrategy | '';
  /** As typed; see {@link minAgeDaysError}. */
  minAgeDays: string;
  staleOnly: boolean;
}

export const EMPTY_FILTERS: ReleasesFilterForm = {
  cluster: '',
  namespace: '',
  owner: '',
  strategy: '',
  minAgeDays: '',
  staleOnly: false,
};

export const STRATEGIES = RELEASE_IN_FLIGHT_STRATEGIES;

function isStrategy(value: string | null): value is ReleaseInFlightStrategy {
  return STRATEGIES.includes(value as ReleaseInFlightStrategy);
}

// The backend compares owners as full refs: `team-bookinfo` means
// `group:default/team-bookinfo`, as in the catalog's owner field.
function normalizeOwner(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(trimmed, {
        defaultKind: 'group',
        defaultNamespace: 'default',
      }),
    );
  } catch {
    return trimmed;
  }
}

function parseDays(text: string): number | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  const days = Number(trimmed);
  return Number.isFinite(days) && days >= 0 ? days : undefined;
}

/**
 * Why the typed minimum age cannot be sent, or undefined when it can (or
 * is empty). The backend answers 400 to such a value; the form says so
 * before asking.
 */
export function minAgeDaysError(text: string): string | undefined {
  if (!text.trim()) return undefined;
  return parseDays(text) === undefined
    ? 'A number of days, 0 or more'
    : undefined;
}

/** The API filters of a form; empty fields are no filter. */
export function toFilters(form: ReleasesFilterForm): ReleasesFilters {
  const filters: ReleasesFilters = {
    cluster: form.cluster.trim() || undefined,
    namespace: form.namespace.trim() || undefined,
    owner: normalizeOwner(form.owner),
    strategy: form.strategy || undefined,
    minAgeDays: parseDays(form.minAgeDays),
    staleOnly: form.staleOnly || undefined,
  };
  return Object.fromEntries(
    Object.entries(filters).filter(([, v]) => v !== undefined),
  ) as ReleasesFilters;
}

/** The filters as URL parameters (the API's own names). */
export function toSearchParams(filters: ReleasesFilters): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(filters)) {
    if (value !== undefined && value !== '') params.set(key, String(value));
  }
  return params;
}

/** A filter form from the page's URL parameters; unknown values are dropped. */
export function fromSearchParams(params: URLSearchParams): ReleasesFilterForm {
  const strategy = params.get('strategy');
  const minAgeDays = params.get('minAgeDays') ?? '';
  return {
    cluster: params.get('cluster') ?? '',
    namespace: params.get('namespace') ?? '',
    owner: params.get('owner') ?? '',
    strategy: isStrategy(strategy) ? strategy : '',
    minAgeDays: minAgeDaysError(minAgeDays) ? '' : minAgeDays,
    staleOnly: params.get('staleOnly') === 'true',
  };
}
