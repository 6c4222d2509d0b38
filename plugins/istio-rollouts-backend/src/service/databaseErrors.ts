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

import { CustomErrorBase } from '@backstage/errors';
import { KubeApiError, KubeRequestError } from '../cluster/KubeApi';

/**
 * 503: the plugin's database could not be reached, so the request could not
 * be served (and, unless the message says otherwise, nothing was changed).
 * Named like @backstage/errors' ServiceUnavailableError, as
 * ClusterUnavailableError is. `applied` is true when a cluster write did
 * happen and only its bookkeeping waits for the database.
 */
export class DatabaseUnavailableError extends CustomErrorBase {
  name = 'ServiceUnavailableError' as const;
  readonly statusCode = 503;
  constructor(message: string, readonly applied?: boolean) {
    super(message);
  }
}

// Socket errors of the driver's connection (node's error codes).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

// PostgreSQL SQLSTATEs of a server that is not there for us: class 08
// (connection exception), admin/crash shutdown, "the database system is
// starting up / shutting down", too many connections.
const PG_UNAVAILABLE = /^(08...|57P01|57P02|57P03|53300)$/;

// What pg and knex say when the connection went away or none could be had:
// seen with PostgreSQL stopped (`connect ECONNREFUSED`), stopped under an
// open pool (`Connection terminated unexpectedly`, `Connection ended
// unexpectedly`, `terminating connection due to administrator command`),
// and with a hung server (knex's pool: `Timeout acquiring a connection`).
const MESSAGES =
  /Connection terminated|Connection ended unexpectedly|Client has encountered a connection error|Client was closed and is not queryable|terminating connection due to|the database system is (starting up|shutting down|in recovery mode|not yet accepting connections)|Timeout acquiring a connection|Knex: Timeout/i;

/**
 * Whether an error means that the plugin's database is unavailable (as
 * opposed to a query it refused): the one place that knows the shapes of
 * those errors from knex and pg. Errors of a cluster call are never that.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    if (
      current instanceof KubeRequestError ||
      current instanceof KubeApiError ||
      current instanceof DatabaseUnavailableError
    ) {
      return false;
    }
    const e = current as {
      name?: unknown;
      code?: unknown;
      message?: unknown;
      cause?: unknown;
    };
    if (e.name === 'KnexTimeoutError') return true;
    if (typeof e.code === 'string') {
      if (NETWORK_CODES.has(e.code) || PG_UNAVAILABLE.test(e.code)) {
        return true;
      }
    }
    if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
    current = e.cause;
  }
  return false;
}

/** The answer to a request that failed because the database is unavailable. */
export function databaseUnavailable(method: string): DatabaseUnavailableError {
  return new DatabaseUnavailableError(
    method === 'GET' || method === 'HEAD'
      ? "The plugin's database is unavailable; try again when it is back."
      : "The plugin's database is unavailable; nothing was changed. Try again when it is back.",
  );
}
