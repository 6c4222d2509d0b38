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
  AUDIT_OUTCOMES,
  type AuditOutcome,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { AuditExportQuery } from '../../api/IstioRolloutsApi';

// The audit page's filter form, as typed, and its translation to the API's
// query (and to and from the page's URL, so a filtered view can be shared).

/** The filter form as the user typed it. */
export interface AuditFilterForm {
  entityRef: string;
  actor: string;
  action: string;
  outcome: AuditOutcome | '';
  /** `datetime-local` values, in the user's time zone. */
  from: string;
  to: string;
}

export const EMPTY_FILTERS: AuditFilterForm = {
  entityRef: '',
  actor: '',
  action: '',
  outcome: '',
  from: '',
  to: '',
};

export const OUTCOMES: ReadonlyArray<AuditOutcome> = AUDIT_OUTCOMES;

// The backend matches refs exactly as it stores them (lower case, full
// form): `alice` means `user:default/alice`, `reviews` a component.
function normalizeRef(text: string, defaultKind: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    return stringifyEntityRef(
      parseEntityRef(trimmed, { defaultKind, defaultNamespace: 'default' }),
    );
  } catch {
    return trimmed;
  }
}

// datetime-local has no zone: read it as local time, send it as UTC.
function toIso(local: string): string | undefined {
  if (!local) return undefined;
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

function toLocalInput(iso: string | null): string {
  if (!iso) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(
    date.getDate(),
  )}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The API query of a filter form; empty fields are no filter. */
export function toQuery(form: AuditFilterForm): AuditExportQuery {
  const query: AuditExportQuery = {
    entityRef: normalizeRef(form.entityRef, 'component'),
    actor: normalizeRef(form.actor, 'user'),
    action: form.action.trim() || undefined,
    outcome: form.outcome || undefined,
    from: toIso(form.from),
    to: toIso(form.to),
  };
  return Object.fromEntries(
    Object.entries(query).filter(([, v]) => v !== undefined),
  ) as AuditExportQuery;
}

/** The query as URL parameters (the API's own names). */
export function toSearchParams(query: AuditExportQuery): URLSearchParams {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value) params.set(key, String(value));
  }
  return params;
}

/** A filter form from the page's URL parameters. */
export function fromSearchParams(params: URLSearchParams): AuditFilterForm {
  const outcome = params.get('outcome') as AuditOutcome | null;
  return {
    entityRef: params.get('entityRef') ?? '',
    actor: params.get('actor') ?? '',
    action: params.get('action') ?? '',
    outcome: outcome && OUTCOMES.includes(outcome) ? outcome : '',
    from: toLocalInput(params.get('from')),
    to: toLocalInput(params.get('to')),
  };
}
