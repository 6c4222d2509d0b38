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

import { AuthService, LoggerService } from '@backstage/backend-plugin-api';
import { CATALOG_FILTER_EXISTS } from '@backstage/catalog-client';
import {
  Entity,
  parseEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { JsonObject } from '@backstage/types';
import {
  ANALYSIS_ANNOTATION,
  CanaryAnalysisView,
  RouteActionRequest,
  RouteView,
  VirtualServiceView,
  parseAnalysisSettings,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import { AuditTrail } from './AuditTrail';
import { RolloutViewService } from './RolloutViewService';
import { RouteActionService } from './RouteActionService';

/**
 * The actor of the audit records of automatic rollbacks: not a user, the
 * plugin's canary analysis.
 */
export const CANARY_ANALYSIS_ACTOR = 'istio-rollouts:canary-analysis';

/** What one run did to one failing route. */
export interface AutoRollbackResult {
  entityRef: string;
  target: RouteActionRequest['target'];
  /**
   * `rolled-back`; `refused` (the same checks as for a person said no, e.g.
   * the route is driven by a controller; recorded once per reason);
   * `failed` (the write failed; recorded, retried next run).
   */
  outcome: 'rolled-back' | 'refused' | 'failed';
  message: string;
  analysis: CanaryAnalysisView;
}

/**
 * Rolls back canaries whose analysis fails, for entities that opt in with
 * `autoRollback: true` in their `istio-rollouts/analysis` annotation. The
 * rollback is the one a person would make (RouteActionService, with the
 * rollback permission, the trust binding of the route to the entity, the
 * refusal of controller-driven routes and the readiness of the stable), made
 * with the plugin's own service credentials and recorded with
 * {@link CANARY_ANALYSIS_ACTOR} as the actor and the analysis as the reason.
 * The scheduler runs it on one replica at a time.
 */
export class CanaryAutoRollback {
  // Last refusal per route: a refusal that does not change (a route driven
  // by Flagger, say) is recorded once, not every interval.
  private readonly refusals = new Map<string, string>();

  constructor(
    private readonly options: {
      catalog: CatalogService;
      auth: AuthService;
      views: RolloutViewService;
      actions: RouteActionService;
      auditTrail: AuditTrail;
      logger: LoggerService;
    },
  ) {}

  /** One pass over the opted-in entities; what it did to failing routes. */
  async runOnce(): Promise<AutoRollbackResult[]> {
    const credentials = await this.options.auth.getOwnServiceCredentials();
    const { items } = await this.options.catalog.getEntities(
      {
        filter: {
          [`metadata.annotations.${ANALYSIS_ANNOTATION}`]:
            CATALOG_FILTER_EXISTS,
        },
      },
      { credentials },
    );
    const results: AutoRollbackResult[] = [];
    const failing = new Set<string>();
    for (const entity of items.filter(optedIn)) {
      const ref = stringifyEntityRef(entity);
      let view;
      try {
        view = await this.options.views.getEntityView(entity);
      } catch (error) {
        this.options.logger.warn(
          `canary analysis of ${ref} not evaluated: ${error}`,
        );
        continue;
      }
      for (const cluster of view.clusters) {
        for (const vs of cluster.virtualServices) {
          // HTTPRoutes are shown, not written, in this version.
          if (vs.kind === 'HTTPRoute') continue;
          const analysis = vs.analysis;
          if (analysis?.verdict !== 'fail' || !analysis.autoRollback) continue;
          const route = vs.routes.find(r => r.index === analysis.route);
          if (!route || allOnStable(route, analysis)) continue;
          const target = {
            cluster: cluster.cluster,
            namespace: vs.namespace,
            virtualService: vs.name,
            route: route.name ?? route.index,
          };
          const key = JSON.stringify([ref, target]);
          failing.add(key);
          results.push(await this.rollBack(ref, key, target, vs, analysis));
        }
      }
    }
    // A route that no longer fails starts afresh.
    for (const key of this.refusals.keys()) {
      if (!failing.has(key)) this.refusals.delete(key);
    }
    return results;
  }

  private async rollBack(
    ref: string,
    key: string,
    target: RouteActionRequest['target'],
    vs: VirtualServiceView,
    analysis: CanaryAnalysisView,
  ): Promise<AutoRollbackResult> {
    const { actions, auditTrail, logger, auth } = this.options;
    const credentials = await auth.getOwnServiceCredentials();
    const entityRef = parseEntityRef(ref);
    const reason = `Canary analysis verdict fail: ${
      analysis.reasons.join('; ') || 'no reason given'
    }`;
    const request: RouteActionRequest = {
      target,
      operation: { type: 'rollback' },
      reason,
    };
    const where = `${target.cluster}/${vs.namespace}/${vs.name} route ${target.route} of ${ref}`;
    const record = {
      actor: CANARY_ANALYSIS_ACTOR,
      entityRef: ref,
      action: 'rollback',
      cluster: target.cluster,
      namespace: vs.namespace,
      virtualService: vs.name,
      route: target.route,
      reason,
    };
    const meta = { analysis: analysis as unknown as JsonObject };

    // Checked first as a dry run: a refusal that stays the same is
    // recorded once, where a real attempt would add a record every run.
    try {
      await actions.applyRouteAction(
        entityRef,
        { ...request, dryRun: true },
        credentials,
      );
    } catch (error) {
      const message = String((error as Error)?.message ?? error);
      logger.warn(`automatic rollback of ${where} refused: ${message}`);
      if (this.refusals.get(key) !== message) {
        this.refusals.set(key, message);
        await auditTrail.record({
          eventId: 'canary-auto-rollback',
          record: {
            ...record,
            outcome:
              (error as Error)?.name === 'NotAllowedError'
                ? 'denied'
                : 'failed',
            message,
          },
          meta,
        });
      }
      return { entityRef: ref, target, outcome: 'refused', message, analysis };
    }
    this.refusals.delete(key);

    try {
      await auditTrail.run({
        eventId: 'canary-auto-rollback',
        record,
        meta,
        run: () => actions.applyRouteAction(entityRef, request, credentials),
        outcome: r => ({
          weightsBefore: r.before,
          weightsAfter: r.after,
          resourceVersionBefore: r.resourceVersionBefore,
          resourceVersionAfter: r.resourceVersionAfter,
        }),
      });
      logger.info(`rolled back ${where}: ${reason}`);
      return {
        entityRef: ref,
        target,
        outcome: 'rolled-back',
        message: `Rolled back: ${reason}`,
        analysis,
      };
    } catch (error) {
      const message = String((error as Error)?.message ?? error);
      logger.error(
        `automatic rollback of ${where} failed (retried next run): ${message}`,
      );
      return { entityRef: ref, target, outcome: 'failed', message, analysis };
    }
  }
}

// Entities whose annotation turns automatic rollback on anywhere.
function optedIn(entity: Entity): boolean {
  const { settings } = parseAnalysisSettings(
    entity.metadata.annotations?.[ANALYSIS_ANNOTATION],
  );
  return (
    settings.enabled &&
    (settings.autoRollback ||
      Object.values(settings.routes).some(r => r.autoRollback))
  );
}

// Nothing to roll back: the stable has every percent.
function allOnStable(route: RouteView, analysis: CanaryAnalysisView) {
  return route.destinations.every(
    d => d.weight === 0 || d.versionKey === analysis.stableVersionKey,
  );
}
