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

import { AuditorService, LoggerService } from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import type { Request } from 'express';
import {
  AuditOutcome,
  AuditRecord,
  AuditStore,
  NewAuditRecord,
} from '../database/AuditStore';
import {
  DatabaseUnavailableError,
  isDatabaseUnavailable,
} from './databaseErrors';
import { StaleRequestError, WriteOutcomeUnknownError } from '../errors';
import { sleep } from '../lib/sleep';

const RETRY_FIRST_MS = 1_000;
const RETRY_MAX_MS = 30_000;
const RETRY_GIVE_UP_MS = 60 * 60 * 1000;

/**
 * Records write actions twice: as an event of Backstage's auditor at medium
 * severity (created before the cluster is touched, so a crash mid-write
 * still leaves a trace in the logs) and as an append-only row of the
 * plugin's own audit trail, with its outcome. Recording never fails the
 * action itself: a broken audit sink is logged, not propagated.
 */
export class AuditTrail {
  private readonly stopped = new AbortController();

  constructor(
    private readonly options: {
      auditor: AuditorService;
      store: AuditStore;
      logger: LoggerService;
      /**
       * Called with every `unknown` record once stored (a write sent but
       * not answered): the WriteReconciler settles it when the cluster
       * answers again.
       */
      onUnknown?: (record: AuditRecord) => void;
    },
  ) {}

  /**
   * Runs a write and records how it ended: `applied`, or from the error
   * `denied` (NotAllowedError), `stale` (StaleRequestError), `unknown`
   * (WriteOutcomeUnknownError: sent, no answer; the record keeps the
   * intended change, its id goes on the error as `auditRecordId`) or
   * `failed`. Dry runs are run without a record.
   *
   * The write is not run when the store cannot be reached (503
   * DatabaseUnavailableError, nothing changed): a change is only made when
   * it can be put on record. Should the store go away while the write runs,
   * its record is kept in memory and appended once the store is back
   * (`unstored` takes it instead, for a caller that orders its own
   * bookkeeping).
   */
  async run<T>(args: {
    eventId: string;
    request?: Request;
    dryRun?: boolean;
    record: Omit<NewAuditRecord, 'outcome'>;
    run: () => Promise<T>;
    /** What the result adds to the record (weights after, resourceVersions). */
    outcome: (result: T) => Partial<NewAuditRecord>;
    /** Receives the record when the store could not be reached to keep it. */
    unstored?: (record: NewAuditRecord) => void;
    /** The caller wrote to the store just before (no need to check it). */
    storeJustUsed?: boolean;
    /**
     * More for the auditor event than the row has columns for (e.g. the
     * canary analysis behind the action).
     */
    meta?: JsonObject;
  }): Promise<T> {
    const { eventId, request, dryRun, record, run, outcome, unstored } = args;
    if (dryRun) return run();
    const meta = { ...(record as unknown as JsonObject), ...args.meta };
    if (!args.storeJustUsed) {
      await this.assertStoreAvailable(eventId, request, meta);
    }
    const event = await this.startEvent(eventId, request, meta);
    try {
      const result = await run();
      const details = outcome(result);
      await event
        ?.success({ meta: { ...meta, ...(details as JsonObject) } })
        .catch(e => this.options.logger.warn(`audit: ${e}`));
      await this.append(
        { ...record, ...details, outcome: 'applied' },
        unstored,
      );
      return result;
    } catch (error) {
      await event
        ?.fail({ error: error as Error, meta })
        .catch(e => this.options.logger.warn(`audit: ${e}`));
      const stored = await this.append(
        {
          ...record,
          ...detailsOf(error),
          outcome: outcomeOf(error),
          message: String((error as Error)?.message ?? error),
        },
        unstored,
      );
      if (error instanceof WriteOutcomeUnknownError && stored) {
        error.auditRecordId = stored.id;
      }
      throw error;
    }
  }

  /**
   * Runs an action on promotion requests that writes nothing to a cluster
   * (create, reject, cancel): an auditor event either way, and a `denied`
   * row in the trail when it was refused — a refused attempt at a write is
   * what a platform team looks for. Success needs no row: the request
   * itself records who asked or decided, when and why.
   */
  async attempt<T>(args: {
    eventId: string;
    request?: Request;
    record: Omit<NewAuditRecord, 'outcome'>;
    run: () => Promise<T>;
    /** More for the auditor event than the row has columns for. */
    meta?: JsonObject;
  }): Promise<T> {
    const { eventId, request, record, run } = args;
    const meta = { ...(record as unknown as JsonObject), ...args.meta };
    const event = await this.startEvent(eventId, request, meta);
    try {
      const result = await run();
      await event
        ?.success({ meta })
        .catch(e => this.options.logger.warn(`audit: ${e}`));
      return result;
    } catch (error) {
      await event
        ?.fail({ error: error as Error, meta })
        .catch(e => this.options.logger.warn(`audit: ${e}`));
      if (outcomeOf(error) === 'denied') {
        await this.append({
          ...record,
          outcome: 'denied',
          message: String((error as Error)?.message ?? error),
        });
      }
      throw error;
    }
  }

  /**
   * Records an action that already ended (an expiry, a refused approval):
   * one auditor event and one row.
   */
  async record(args: {
    eventId: string;
    request?: Request;
    record: NewAuditRecord;
    /** More for the auditor event than the row has columns for. */
    meta?: JsonObject;
  }): Promise<void> {
    const { eventId, request, record } = args;
    const meta = { ...(record as unknown as JsonObject), ...args.meta };
    try {
      const event = await this.options.auditor.createEvent({
        eventId,
        severityLevel: 'medium',
        request,
        meta,
      });
      await (record.outcome === 'applied'
        ? event.success({ meta })
        : event.fail({ error: new Error(record.message ?? record.outcome) }));
    } catch (error) {
      this.options.logger.warn(
        `could not record audit event ${eventId}: ${error}`,
      );
    }
    await this.append(record);
  }

  /**
   * Appends a record that must not be lost: when the store cannot be
   * reached, it is retried in the background until the store is back.
   */
  /** The `applied` record of a promotion request's approval, if stored. */
  async appliedRecordOf(requestId: string): Promise<AuditRecord | undefined> {
    const { items } = await this.options.store.list({
      requestId,
      outcome: 'applied',
      limit: 1,
    });
    return items[0];
  }

  async keep(record: NewAuditRecord): Promise<void> {
    await this.append(record);
  }

  /** Ends the background retries of records waiting for the store. */
  stop() {
    this.stopped.abort();
  }

  private async assertStoreAvailable(
    eventId: string,
    request: Request | undefined,
    meta: JsonObject,
  ) {
    try {
      await this.options.store.ping?.();
    } catch (error) {
      if (!isDatabaseUnavailable(error)) throw error;
      this.options.logger.warn(
        `${eventId} not run: the plugin's database is unavailable (${error})`,
      );
      const refused = new DatabaseUnavailableError(
        "The plugin's database is unavailable, so the change could not be put on record; nothing was changed. Try again when it is back.",
      );
      const event = await this.startEvent(eventId, request, meta);
      await event
        ?.fail({ error: refused, meta })
        .catch(e => this.options.logger.warn(`audit: ${e}`));
      throw refused;
    }
  }

  // The auditor event is created before the action runs, so a crash
  // mid-write still leaves a trace in the logs.
  private startEvent(
    eventId: string,
    request: Request | undefined,
    meta: JsonObject,
  ) {
    return this.options.auditor
      .createEvent({ eventId, severityLevel: 'medium', request, meta })
      .catch(error => {
        this.options.logger.warn(
          `could not create audit event ${eventId}: ${error}`,
        );
        return undefined;
      });
  }

  private async append(
    record: NewAuditRecord,
    unstored?: (record: NewAuditRecord) => void,
  ): Promise<AuditRecord | undefined> {
    let stored: AuditRecord;
    try {
      stored = await this.options.store.append(record);
    } catch (error) {
      if (isDatabaseUnavailable(error)) {
        this.options.logger.warn(
          `the audit record of ${record.action} on ${record.entityRef} (${record.outcome}) waits for the plugin's database: ${error}`,
        );
        if (unstored) unstored(record);
        else this.appendLater(record);
        return undefined;
      }
      this.options.logger.error(
        `could not append the audit record of ${record.action} on ${record.entityRef}: ${error}`,
      );
      return undefined;
    }
    if (stored.outcome === 'unknown') this.options.onUnknown?.(stored);
    return stored;
  }

  // Retries with backoff while the database is unavailable; a record still
  // not stored when the replica stops is in the log, in full.
  private appendLater(record: NewAuditRecord) {
    const started = Date.now();
    const attempt = async (delay: number): Promise<void> => {
      await sleep(delay, this.stopped.signal);
      if (!this.stopped.signal.aborted) {
        try {
          const stored = await this.options.store.append(record);
          this.options.logger.info(
            `stored the audit record of ${record.action} on ${record.entityRef} (${record.outcome}) now that the database is back`,
          );
          if (stored.outcome === 'unknown') this.options.onUnknown?.(stored);
          return;
        } catch (error) {
          if (
            isDatabaseUnavailable(error) &&
            Date.now() - started < RETRY_GIVE_UP_MS
          ) {
            await attempt(Math.min(delay * 2, RETRY_MAX_MS));
            return;
          }
        }
      }
      this.options.logger.error(
        `lost the audit record of ${record.action} on ${
          record.entityRef
        }: the plugin's database was not back before the backend stopped or gave up; the record: ${JSON.stringify(
          record,
        )}`,
      );
    };
    attempt(RETRY_FIRST_MS).catch(error =>
      this.options.logger.error(`audit retry: ${error}`),
    );
  }
}

function outcomeOf(error: unknown): AuditOutcome {
  if (error instanceof StaleRequestError) return 'stale';
  if (error instanceof WriteOutcomeUnknownError) return 'unknown';
  return (error as Error)?.name === 'NotAllowedError' ? 'denied' : 'failed';
}

// A stale approval knows the route as it is now: keep it with the record.
// A write of unknown outcome keeps what it meant to do (weights before,
// the planned weights after, the resourceVersion it was conditional on).
function detailsOf(error: unknown): Partial<NewAuditRecord> {
  if (error instanceof WriteOutcomeUnknownError) {
    const { weightsBefore, weightsAfter, resourceVersionBefore } =
      error.intended;
    return Object.fromEntries(
      Object.entries({
        weightsBefore,
        weightsAfter,
        resourceVersionBefore,
      }).filter(([, v]) => v !== undefined),
    );
  }
  const current =
    error instanceof StaleRequestError ? error.current : undefined;
  return current
    ? {
        weightsAfter: current.route,
        resourceVersionAfter: current.resourceVersion,
      }
    : {};
}

// Records name the kind only when it is not a VirtualService (every record
// before HTTPRoutes could be changed).
export function routeKindOf(target: { kind?: string }): {
  routeKind?: 'HTTPRoute';
} {
  return target.kind === 'HTTPRoute' ? { routeKind: 'HTTPRoute' } : {};
}
