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
  AuditorService,
  HttpAuthService,
  LoggerService,
  PermissionsService,
} from '@backstage/backend-plugin-api';
import { JsonObject } from '@backstage/types';
import {
  CompoundEntityRef,
  stringifyEntityRef,
} from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  RouteActionRequest,
  ScaleRequest,
  istioRolloutsAuditReadPermission,
  istioRolloutsReadPermission,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import express from 'express';
import Router from 'express-promise-router';
import { AuditStore, NewAuditRecord } from '../database/AuditStore';
import { RolloutViewService } from './RolloutViewService';
import { RouteActionService } from './RouteActionService';
import {
  auditQuerySchema,
  parseBody,
  routeActionRequestSchema,
  scaleRequestSchema,
} from './requestSchemas';

/** Collaborators the router is built from; tests pass their own. */
export interface RouterOptions {
  httpAuth: HttpAuthService;
  permissions: PermissionsService;
  views: RolloutViewService;
  actions: RouteActionService;
  auditor: AuditorService;
  auditStore: AuditStore;
  logger: LoggerService;
}

// The catalog's own rules for entity kinds, namespaces and names.
const KIND = /^[a-zA-Z][a-zA-Z0-9]*$/;
const NAME = /^[a-zA-Z0-9]+([-_.][a-zA-Z0-9]+)*$/;

function entityRefFromParams(
  params: Record<string, string>,
): CompoundEntityRef {
  const { namespace, kind, name } = params;
  const problems: string[] = [];
  if (!KIND.test(kind))
    problems.push(`kind '${kind}' must be letters and digits`);
  if (!NAME.test(namespace) || namespace.length > 63) {
    problems.push(`namespace '${namespace}' is not a valid entity namespace`);
  }
  if (!NAME.test(name) || name.length > 63) {
    problems.push(`name '${name}' is not a valid entity name`);
  }
  if (problems.length) {
    throw new InputError(`Malformed entity reference: ${problems.join('; ')}`);
  }
  return { kind: kind.toLocaleLowerCase('en-US'), namespace, name };
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
  const { httpAuth, permissions, views, actions, auditor, auditStore, logger } =
    options;

  // Every write (not dry runs) is recorded twice: as an event of Backstage's
  // auditor at medium severity, created before the cluster is touched, and
  // as an append-only row of the plugin's own audit trail, with its outcome
  // (applied, denied, failed). Neither may fail the write itself.
  async function audited<T>(args: {
    req: express.Request;
    eventId: string;
    dryRun: boolean | undefined;
    record: Omit<NewAuditRecord, 'outcome'>;
    run: () => Promise<T>;
    outcome: (result: T) => Partial<NewAuditRecord>;
  }): Promise<T> {
    const { req, eventId, dryRun, record, run, outcome } = args;
    if (dryRun) return run();
    const meta = record as unknown as JsonObject;
    const event = await auditor
      .createEvent({ eventId, severityLevel: 'medium', request: req, meta })
      .catch(error => {
        logger.warn(`could not create audit event ${eventId}: ${error}`);
        return undefined;
      });
    const append = (row: NewAuditRecord) =>
      auditStore
        .append(row)
        .catch(error =>
          logger.error(
            `could not append the audit record of ${eventId}: ${error}`,
          ),
        );
    try {
      const result = await run();
      const details = outcome(result);
      await event
        ?.success({ meta: { ...meta, ...(details as JsonObject) } })
        .catch(e => logger.warn(`audit: ${e}`));
      await append({ ...record, ...details, outcome: 'applied' });
      return result;
    } catch (error) {
      await event
        ?.fail({ error: error as Error, meta })
        .catch(e => logger.warn(`audit: ${e}`));
      const denied = (error as Error)?.name === 'NotAllowedError';
      await append({
        ...record,
        outcome: denied ? 'denied' : 'failed',
        message: String((error as Error)?.message ?? error),
      });
      throw error;
    }
  }

  const router = Router();
  router.use(express.json());

  router.get('/health', (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/entities/:namespace/:kind/:name/view', async (req, res) => {
    const entityRef = entityRefFromParams(req.params);
    const credentials = await httpAuth.credentials(req);
    const resourceRef = `${entityRef.kind}:${entityRef.namespace}/${entityRef.name}`;
    const [decision] = await permissions.authorize(
      [{ permission: istioRolloutsReadPermission, resourceRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not see the rollouts of ${resourceRef}`,
      );
    }
    res.json(await views.getEntityView(entityRef, credentials));
  });

  // The release audit across services: platform teams (a basic permission).
  router.get('/audit', async (req, res) => {
    const query = parseBody(auditQuerySchema, req.query);
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
    res.json(
      await auditStore.list({
        ...query,
        from: query.from ? new Date(query.from) : undefined,
        to: query.to ? new Date(query.to) : undefined,
      }),
    );
  });

  // One entity's history: whoever may read its rollout view.
  router.get('/entities/:namespace/:kind/:name/history', async (req, res) => {
    const entityRef = entityRefFromParams(req.params);
    const { limit, cursor } = parseBody(
      auditQuerySchema.pick({ limit: true, cursor: true }),
      req.query,
    );
    const credentials = await httpAuth.credentials(req);
    const resourceRef = stringifyEntityRef(entityRef);
    const [decision] = await permissions.authorize(
      [{ permission: istioRolloutsReadPermission, resourceRef }],
      { credentials },
    );
    if (decision.result !== AuthorizeResult.ALLOW) {
      throw new NotAllowedError(
        `You may not see the history of ${resourceRef}`,
      );
    }
    res.json(await auditStore.list({ entityRef: resourceRef, limit, cursor }));
  });

  // Writes: a signed-in user only (a service token would be allowed by the
  // permission framework without consulting the policy), then the entity's
  // permission inside the service.
  router.post(
    '/entities/:namespace/:kind/:name/route-actions',
    async (req, res) => {
      const entityRef = entityRefFromParams(req.params);
      const body = parseBody(
        routeActionRequestSchema,
        req.body,
      ) as RouteActionRequest;
      const credentials = await httpAuth.credentials(req, { allow: ['user'] });
      const result = await audited({
        req,
        eventId: 'route-action',
        dryRun: body.dryRun,
        record: {
          actor: actorOf(credentials),
          entityRef: stringifyEntityRef(entityRef),
          action: body.operation.type,
          cluster: body.target.cluster,
          namespace: body.target.namespace,
          virtualService: body.target.virtualService,
          route: body.target.route,
          reason: body.allowUnready
            ? `${body.reason ?? ''} [traffic to unready pods allowed: ${
                body.allowUnready.reason
              }]`.trim()
            : body.reason,
        },
        run: () => actions.applyRouteAction(entityRef, body, credentials),
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

  router.post('/entities/:namespace/:kind/:name/scale', async (req, res) => {
    const entityRef = entityRefFromParams(req.params);
    const body = parseBody(scaleRequestSchema, req.body) as ScaleRequest;
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const result = await audited({
      req,
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

  return router;
}

function actorOf(credentials: { principal: unknown }): string | undefined {
  const principal = credentials.principal as {
    type?: string;
    userEntityRef?: string;
  };
  return principal.type === 'user' ? principal.userEntityRef : undefined;
}
