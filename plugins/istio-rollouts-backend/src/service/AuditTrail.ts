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
import { StaleRequestError, WriteOutcomeUnknownError } from './errors';

/**
 * Records write actions twice: as an event of Backstage's auditor at medium
 * severity (created before the cluster is touched, so a crash mid-write
 * still leaves a trace in the logs) and as an append-only row of the
 * plugin's own audit trail, with its outcome. Recording never fails the
 * action itself: a broken audit sink is logged, not propagated.
 */
export class AuditTrail {
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
   */
  async run<T>(args: {
    eventId: string;
    request?: Request;
    dryRun?: boolean;
    record: Omit<NewAuditRecord, 'outcome'>;
    run: () => Promise<T>;
    /** What the result adds to the record (weights after, resourceVersions). */
    outcome: (result: T) => Partial<NewAuditRecord>;
  }): Promise<T> {
    const { eventId, request, dryRun, record, run, outcome } = args;
    if (dryRun) return run();
    const meta = record as unknown as JsonObject;
    const event = await this.startEvent(eventId, request, meta);
    try {
      const result = await run();
      const details = outcome(result);
      await event
        ?.success({ meta: { ...meta, ...(details as JsonObject) } })
        .catch(e => this.options.logger.warn(`audit: ${e}`));
      await this.append({ ...record, ...details, outcome: 'applied' });
      return result;
    } catch (error) {
      await event
        ?.fail({ error: error as Error, meta })
        .catch(e => this.options.logger.warn(`audit: ${e}`));
      const stored = await this.append({
        ...record,
        ...detailsOf(error),
        outcome: outcomeOf(error),
        message: String((error as Error)?.message ?? error),
      });
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
  }): Promise<T> {
    const { eventId, request, record, run } = args;
    const meta = record as unknown as JsonObject;
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
  }): Promise<void> {
    const { eventId, request, record } = args;
    const meta = record as unknown as JsonObject;
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
  ): Promise<AuditRecord | undefined> {
    let stored: AuditRecord;
    try {
      stored = await this.options.store.append(record);
    } catch (error) {
      this.options.logger.error(
        `could not append the audit record of ${record.action} on ${record.entityRef}: ${error}`,
      );
      return undefined;
    }
    if (stored.outcome === 'unknown') this.options.onUnknown?.(stored);
    return stored;
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
