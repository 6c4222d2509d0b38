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

import { ConflictError, CustomErrorBase } from '@backstage/errors';
import type { RouteSnapshot } from '@istio-rollouts/plugin-istio-rollouts-common';

// The backend's error middleware answers with an error's numeric
// `statusCode` when it has one, and serializes its enumerable fields into
// the body: that is how these carry a status and the current state.

/**
 * 422: the request is well-formed but the cluster's state forbids it
 * (a subset no DestinationRule defines, a version without ready pods,
 * Istio's schema rejecting the result).
 */
export class UnprocessableError extends CustomErrorBase {
  name = 'UnprocessableError' as const;
  readonly statusCode = 422;
}

/**
 * 409 with the route as it is now, so the caller can review and retry.
 */
export class RouteConflictError extends ConflictError {
  readonly statusCode = 409;
  constructor(
    message: string,
    readonly current?: { resourceVersion: string; route?: RouteSnapshot },
  ) {
    super(message);
  }
}

/**
 * 409: the route changed between a promotion request and its approval, so
 * the approved change no longer means what the approver saw; nothing was
 * applied and the request is now `stale`.
 */
export class StaleRequestError extends ConflictError {
  readonly statusCode = 409;
  constructor(
    message: string,
    readonly current?: { resourceVersion: string; route?: RouteSnapshot },
  ) {
    super(message);
  }
}
