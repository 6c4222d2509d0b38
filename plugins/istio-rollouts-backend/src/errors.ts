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
import { KubeRequestError, KubeTimeoutError } from './cluster/KubeApi';

// Errors of a failed route or cluster call, shared by the service layer and
// the traffic routers (issue 14): it sits beside both so that traffic/ never
// imports service/, and outside traffic/istio/ because every route kind
// (VirtualService, later HTTPRoute) throws the same ones.
//
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

/**
 * 503: the cluster could not be reached, so the request was never sent:
 * nothing was applied. Named like @backstage/errors' ServiceUnavailableError
 * so clients that know that name read it the same way.
 */
export class ClusterUnavailableError extends CustomErrorBase {
  name = 'ServiceUnavailableError' as const;
  readonly statusCode = 503;
}

/** 504: a read of the cluster got no answer within the deadline. */
export class ClusterTimeoutError extends CustomErrorBase {
  name = 'ClusterTimeoutError' as const;
  readonly statusCode = 504;
}

/** The change a write meant to make, kept in its audit record. */
export interface IntendedWrite {
  weightsBefore?: unknown;
  /** As planned: the split (or replicas) the write would leave. */
  weightsAfter?: unknown;
  resourceVersionBefore?: string;
}

/**
 * 504: a write was sent but no answer came (deadline passed, connection
 * broke): whether the cluster applied it is not known yet. The audit trail
 * records it as `unknown` with the intended change, and the plugin settles
 * that record once the cluster answers again; `auditRecordId` names it.
 */
export class WriteOutcomeUnknownError extends CustomErrorBase {
  name = 'WriteOutcomeUnknownError' as const;
  readonly statusCode = 504;
  /** Set by the audit trail once the `unknown` record is stored. */
  auditRecordId?: string;
  constructor(message: string, readonly intended: IntendedWrite) {
    super(message);
  }
}

/**
 * What a request that got no answer from the cluster means to the user:
 * a write that may have been received is `unknown` (504); anything not sent
 * (a read, or a write whose connection never came up) applied nothing (503,
 * or 504 for a read that timed out). Never the socket error itself.
 */
export function clusterFailure(
  error: KubeRequestError,
  args: {
    cluster: string;
    /** e.g. `VirtualService ns/web`. */
    what: string;
    /** `read` (a pure read), `before-write` (a read or check a write needs first), `write`, `dry-run`. */
    phase: 'read' | 'before-write' | 'write' | 'dry-run';
    intended?: IntendedWrite;
  },
): Error {
  const { cluster, what, phase } = args;
  let silence = 'could not be reached';
  if (error instanceof KubeTimeoutError) {
    silence = `did not answer within ${formatSeconds(error.timeoutMs)}`;
  } else if (error.sent) {
    silence = 'dropped the connection before answering';
  }
  if (phase === 'write' && error.sent) {
    return new WriteOutcomeUnknownError(
      `Cluster ${cluster} ${silence} to the change of ${what}: it is not known yet whether it was applied. The plugin checks when the cluster answers again, and the History/audit record will say.`,
      args.intended ?? {},
    );
  }
  if (phase === 'read') {
    const message = `Cluster ${cluster} ${silence} reading ${what}; try again later.`;
    return error instanceof KubeTimeoutError
      ? new ClusterTimeoutError(message)
      : new ClusterUnavailableError(message);
  }
  return new ClusterUnavailableError(
    phase === 'dry-run'
      ? `Cluster ${cluster} ${silence} checking the change of ${what}; this was a dry run, nothing was changed.`
      : `Cluster ${cluster} ${silence}; the change of ${what} was not applied (nothing was sent). Try again when the cluster is back.`,
  );
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}
