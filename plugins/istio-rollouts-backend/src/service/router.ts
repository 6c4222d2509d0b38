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
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import {
  CompoundEntityRef,
  Entity,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { NotAllowedError, NotFoundError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  FlaggerWebhooksResponse,
  PromotionRequestList,
  REQUESTABLE_OPERATION_TYPES,
  istioRolloutsAuditReadPermission,
  istioRolloutsReadPermission,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import express from 'express';
import Router from 'express-promise-router';
import { AuditStore } from '../database/AuditStore';
import { streamAuditExport } from './auditExport';
import { ReleasesInFlightService } from './ReleasesInFlightService';
import { AuditTrail, routeKindOf } from './AuditTrail';
import {
  ControllerActionService,
  controllerActionName,
  controllerAuditRecord,
  controllerOutcomeRecord,
  raisesCanaryShare,
} from './ControllerActionService';
import { databaseUnavailable, isDatabaseUnavailable } from './databaseErrors';
import { EntityAccess } from './EntityAccess';
import { PromotionRequestService } from './PromotionRequestService';
import { RolloutViewService } from './RolloutViewService';
import { RouteActionService } from './RouteActionService';
import {
  auditExportQuerySchema,
  auditQuerySchema,
  releasesQuerySchema,
  controllerActionRequestSchema,
  createPromotionRequestSchema,
  decidePromotionRequestSchema,
  listPromotionRequestsQuerySchema,
  parseBody,
  rejectPromotionRequestSchema,
  requestIdSchema,
  routeActionRequestSchema,
  scaleRequestSchema,
  entityRefFromParams,
} from './requestSchemas';

// Operation types widened to compare with any operation's.
const requestableTypes: ReadonlyArray<string> = REQUESTABLE_OPERATION_TYPES;

// `?cluster=…&namespace=…&name=…` of a Canary: the controller target's
// fields (the same rules as in a controller action's body), without kind.
const canaryQuerySchema = controllerActionRequestSchema
  .innerType()
  .shape.target.omit({ kind: true });

/** Collaborators the router is built from; tests pass their own. */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  views: RolloutViewService;
  actions: RouteActionService;
  /** Argo Rollouts and Flagger actions; without it, that endpoint is 404. */
  controllerActions?: ControllerActionService;
  /** Flagger's webhook gates, mounted unauthenticated at /flagger. */
  flaggerWebhook?: express.Router;
  requests: PromotionRequestService;
  auditTrail: AuditTrail;
  auditStore: AuditStore;
  /** Permission and catalog visibility of an entity, in one place. */
  access: EntityAccess;
  /** Routes half-way through a release, across clusters. */
  releases: ReleasesInFlightService;
  /** Logs the driver's error behind a "database unavailable" answer. */
  logger?: LoggerService;
}

/**
 * HTTP surface of the plugin. Kept thin: parsing, credentials and
 * permission checks here, domain work in the services it is given.
 * Errors are thrown as @backstage/errors types; the backend's error
 * middleware turns them into 400/401/403/404/409 responses.
 */
export async function createRouter(
  options: RouterOptions,
): Promise<express.Router> {
  const {
    httpAuth,
    permissions,
    views,
    actions,
    controllerActions,
    requests,
    auditTrail,
    auditStore,
    access,
    releases,
  } = options;

  async function authorizeEntity(
    req: express.Request,
    verb: string,
  ): Promise<{
    entityRef: CompoundEntityRef;
    resourceRef: string;
    entity: Entity;
  }> {
    const entityRef = entityRefFromParams(req.params);
    const credentials = await httpAuth.credentials(req);
    // The plugin's read permission AND the catalog's visibility: history
    // and requests of an entity the user cannot see are not found.
    const { ref, entity } = await access.authorize(
      entityRef,
      istioRolloutsReadPermission,
      credentials,
      `see the ${verb} of`,
    );
    return { entityRef, resourceRef: ref, entity };
  }

  async function authorizeAudit(req: express.Request) {
    const credentials = await httpAuth.credentials(req);
    const [decision] = await permissions.authorize(
      [{ permission: istioRolloutsAuditReadPermission }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `Reading the release audit needs the ${istioRolloutsAuditReadPermission.name} permission`,
      );
    }
  }

  const router = Router();
  router.use(express.json());
  // Flagger calls its webhooks with no Backstage credentials (the plugin
  // adds an unauthenticated auth policy for /flagger); each URL carries a
  // per-Canary token that the gate service checks.
  if (options.flaggerWebhook) router.use('/flagger', options.flaggerWebhook);

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/entities/:namespace/:kind/:name/view', async (req, res) => {
    const { entity } = await authorizeEntity(req, 'rollouts');
    res.json(await views.getEntityView(entity));
  });

  // Releases in flight across services: everyone, each seeing the routes
  // of the entities they may read (platform teams: all of them).
  router.get('/releases', async (req, res) => {
    const query = parseBody(releasesQuerySchema, req.query);
    res.json(await releases.list(query, await httpAuth.credentials(req)));
  });

  // The release audit across services: platform teams (a basic permission).
  router.get('/audit', async (req, res) => {
    const query = parseBody(auditQuerySchema, req.query);
    await authorizeAudit(req);
    res.json(
      await auditStore.list({
        ...query,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
      }),
    );
  });

  // The same records as a download, every page of them.
  router.get('/audit/export', async (req, res) => {
    const { format, ...query } = parseBody(auditExportQuerySchema, req.query);
    await authorizeAudit(req);
    await streamAuditExport({
      store: auditStore,
      format,
      res,
      filters: {
        ...query,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
      },
    });
  });

  // One entity's history: whoever may read its rollout view.
  // Its own actions, and the observed changes (kubectl, GitOps, rollout
  // controllers) of the VirtualServices its view shows.
  router.get('/entities/:namespace/:kind/:name/history', async (req, res) => {
    const { limit, cursor, hideObserved } = parseBody(
      auditQuerySchema.pick({ limit: true, cursor: true, hideObserved: true }),
      req.query,
    );
    const { resourceRef, entity } = await authorizeEntity(req, 'history');
    const observedOn = hideObserved ? [] : views.virtualServicesOf(entity);
    res.json(
      await auditStore.list({
        entityRef: resourceRef,
        observedOn,
        hideObserved,
        limit,
        cursor,
      }),
    );
  });

  // Promotion requests of an entity, newest first, with the approval rules
  // so the tab can tell who may do what.
  router.get('/entities/:namespace/:kind/:name/requests', async (req, res) => {
    const { status, limit } = parseBody(
      listPromotionRequestsQuerySchema,
      req.query,
    );
    const { entityRef } = await authorizeEntity(req, 'promotion requests');
    const body: PromotionRequestList = {
      items: await requests.list(entityRef, { statuses: status, limit }),
      policy: requests.policy,
      signalTopic: requests.signalTopic(entityRef),
    };
    res.json(body);
  });

  router.post('/entities/:namespace/:kind/:name/requests', async (req, res) => {
    const entityRef = entityRefFromParams(req.params);
    const body = parseBody(createPromotionRequestSchema, req.body);
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res
      .status(201)
      .json(await requests.create(entityRef, body, credentials, req));
  });

  router.post('/requests/:id/approve', async (req, res) => {
    const id = parseBody(requestIdSchema, req.params.id);
    const { reason } = parseBody(decidePromotionRequestSchema, req.body ?? {});
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(await requests.approve(id, reason, credentials, req));
  });

  router.post('/requests/:id/reject', async (req, res) => {
    const id = parseBody(requestIdSchema, req.params.id);
    const { reason } = parseBody(rejectPromotionRequestSchema, req.body ?? {});
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(await requests.reject(id, reason, credentials, req));
  });

  router.post('/requests/:id/cancel', async (req, res) => {
    const id = parseBody(requestIdSchema, req.params.id);
    const { reason } = parseBody(decidePromotionRequestSchema, req.body ?? {});
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    res.json(await requests.cancel(id, reason, credentials, req));
  });

  // Writes: a signed-in user only (a service token would be allowed by the
  // permission framework without consulting the policy), then the entity's
  // permission inside the service.
  router.post(
    '/entities/:namespace/:kind/:name/route-actions',
    async (req, res) => {
      const entityRef = entityRefFromParams(req.params);
      const body = parseBody(routeActionRequestSchema, req.body);
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const result = await auditTrail.run({
        request: req,
        eventId: 'route-action',
        dryRun: body.dryRun,
        record: {
          actor: actorOf(credentials),
          entityRef: stringifyEntityRef(entityRef),
          action: body.operation.type,
          cluster: body.target.cluster,
          namespace: body.target.namespace,
          virtualService: body.target.virtualService,
          ...routeKindOf(body.target),
          route: body.target.route,
          reason: body.allowUnready
            ? `${body.reason ?? ''} [traffic to unready pods allowed: ${
                body.allowUnready.reason
              }]`.trim()
            : body.reason,
        },
        run: async () => {
          // Where owners must request too, no change that raises a
          // non-stable version's share (weights, steps, a canary, a flip,
          // targeted users, a mirror) is applied directly, judged by what
          // the plan does, not by the operation's name; dry runs (previews)
          // and changes that only return traffic to the stable version stay
          // direct. A refused attempt is recorded as denied.
          const refuseRaising =
            !requests.policy.ownersApplyDirectly && !body.dryRun
              ? `This change gives a new version more traffic, and here that goes through promotion requests (istioRollouts.approvals.ownersApplyDirectly is false): ${
                  requestableTypes.includes(body.operation.type)
                    ? 'create a request for an owner to approve'
                    : `${body.operation.type} cannot be requested; request the weights instead (set-weights, next step or full promotion)`
                }`
              : undefined;
          return actions.applyRouteAction(entityRef, body, credentials, {
            refuseRaising,
          });
        },
        outcome: r => ({
          weightsBefore: r.before,
          weightsAfter: r.after,
          resourceVersionBefore: r.resourceVersionBefore,
          resourceVersionAfter: r.resourceVersionAfter,
        }),
      });
      res.json(result);
    },
  );

  // Argo Rollouts and Flagger releases: the controller's own actions,
  // recorded like route actions (dry runs are not).
  router.post(
    '/entities/:namespace/:kind/:name/controller-actions',
    async (req, res) => {
      const entityRef = entityRefFromParams(req.params);
      const body = parseBody(controllerActionRequestSchema, req.body);
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      if (!controllerActions) {
        throw new NotFoundError(
          'Argo Rollouts and Flagger actions are not enabled in this backend',
        );
      }
      const outcome = await auditTrail.run({
        request: req,
        eventId: 'controller-action',
        dryRun: body.dryRun,
        record: controllerAuditRecord({
          actor: actorOf(credentials),
          entityRef: stringifyEntityRef(entityRef),
          target: body.target,
          action: body.action,
          reason: body.reason,
        }),
        run: () =>
          controllerActions.act(entityRef, body, credentials, {
            // As for routes: where owners must request too, nothing that
            // raises the canary's share is applied directly; dry runs and
            // the actions that lower the risk stay direct.
            refuseRaising:
              !requests.policy.ownersApplyDirectly &&
              !body.dryRun &&
              raisesCanaryShare(body.action)
                ? `${controllerActionName(
                    body.action,
                  )} gives the new version more traffic, and here that goes through promotion requests (istioRollouts.approvals.ownersApplyDirectly is false): create a request for an owner to approve`
                : undefined,
          }),
        outcome: controllerOutcomeRecord,
      });
      res.json(outcome.result);
    },
  );

  // The URLs Flagger calls for a Canary's gates, token included: for the
  // people who set up the Canary (apply permission), checked as an action
  // on it (bound to the entity, driving one of its VirtualServices).
  router.get(
    '/entities/:namespace/:kind/:name/flagger-webhooks',
    async (req, res) => {
      const entityRef = entityRefFromParams(req.params);
      const canary = parseBody(canaryQuerySchema, req.query);
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      if (!controllerActions) {
        throw new NotFoundError(
          'Argo Rollouts and Flagger actions are not enabled in this backend',
        );
      }
      const body: FlaggerWebhooksResponse =
        await controllerActions.flaggerWebhooks(entityRef, canary, credentials);
      // A token: not for shared caches, nor the browser's disk.
      res.setHeader('Cache-Control', 'no-store');
      res.json(body);
    },
  );

  router.post('/entities/:namespace/:kind/:name/scale', async (req, res) => {
    const entityRef = entityRefFromParams(req.params);
    const body = parseBody(scaleRequestSchema, req.body);
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const result = await auditTrail.run({
      request: req,
      eventId: 'scale-version',
      dryRun: body.dryRun,
      record: {
        actor: actorOf(credentials),
        entityRef: stringifyEntityRef(entityRef),
        action: 'scale',
        cluster: body.cluster,
        namespace: body.namespace,
        workload: `Deployment/${body.deployment}`,
        reason: body.reason,
      },
      run: () => actions.scaleVersion(entityRef, body, credentials),
      outcome: r => ({
        weightsBefore: { replicas: r.replicasBefore },
        weightsAfter: { replicas: r.replicasAfter },
      }),
    });
    res.json(result);
  });

  // Anything else (a wrong method, a name with a slash in it) is answered
  // here with a message, rather than by the root's empty 404.
  router.use((req, _res) => {
    throw new NotFoundError(
      `Istio Rollouts has no ${req.method} ${req.path}; entity paths are /entities/<namespace>/<kind>/<name>/(view|history|requests|route-actions|controller-actions|flagger-webhooks|scale), names without slashes`,
    );
  });

  // A database that cannot be reached is a 503 in the plugin's words, never
  // a 500 carrying the driver's error (with the server's address).
  router.use(
    (
      error: unknown,
      req: express.Request,
      _res: express.Response,
      next: express.NextFunction,
    ) => {
      if (!isDatabaseUnavailable(error)) {
        next(error);
        return;
      }
      options.logger?.warn(
        `${req.method} ${req.path}: the plugin's database is unavailable: ${error}`,
      );
      next(databaseUnavailable(req.method));
    },
  );

  return router;
}

function actorOf(credentials: { principal: unknown }): string | undefined {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
  };
  return principal.type === 'user' ? principal.userEntityRef : undefined;
}
