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

import {
  ROUTE_REFUSAL_REASONS,
  type RouteRefusalReason,
} from '@istio-rollouts/plugin-istio-rollouts-common';

// How a failed write reads to a person. The client throws ResponseError,
// whose own message is only "Request failed with 409 Conflict": the
// backend's sentence is in `cause.message` (the parsed error body), and the
// code of a refusal a client may act on in `cause.reason`. Messages are
// for people: what to do is decided by status and code, never by wording.

/** A failed action, classified for the UI. */
export interface ActionFailure {
  /**
   * conflict: the route changed under us (409), so the view is refreshed;
   * unready: traffic would go to a version without ready pods (422,
   * `version-unready`), which the user may override with a reason; error:
   * anything else.
   */
  kind: 'conflict' | 'unready' | 'error';
  /** The backend's own message. */
  message: string;
}

function statusOf(e: any): number | undefined {
  return e?.response?.status ?? e?.statusCode;
}

function refusalReasonOf(e: any): RouteRefusalReason | undefined {
  const reason: unknown = e?.cause?.reason ?? e?.reason;
  return ROUTE_REFUSAL_REASONS.find(known => known === reason);
}

export function describeFailure(e: unknown): ActionFailure {
  const err = e as any;
  const message: string =
    err?.cause?.message || err?.message || String(e ?? 'Unknown error');
  const status = statusOf(err);
  if (
    status === 409 ||
    err?.name === 'ConflictError' ||
    err?.cause?.name === 'ConflictError'
  ) {
    return { kind: 'conflict', message };
  }
  // The backend refuses with 422 for several reasons; only the readiness
  // guard may be overridden.
  if (refusalReasonOf(err) === 'version-unready') {
    return { kind: 'unready', message };
  }
  return { kind: 'error', message };
}
