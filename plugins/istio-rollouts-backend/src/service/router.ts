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
import { CompoundEntityRef } from '@backstage/catalog-model';
import { InputError, NotAllowedError } from '@backstage/errors';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import {
  RouteActionRequest,
  ScaleRequest,
  istioRolloutsReadPermission,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import express from 'express';
import Router from 'express-promise-router';
import { RolloutViewService } from './RolloutViewService';
import { RouteActionService } from './RouteActionService';
import {
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
  const { httpAuth, permissions, views, actions, auditor, logger } = options;

  // Every write (not dry runs) is an audit event at medium severity, created
  // before the cluster is touched and closed with its outcome, including
  // refusals. A failing auditor is logged, never allowed to fail the write.
  async function audited<T>(
    req: express.Request,
    eventId: string,
    meta: JsonObject,
    dryRun: boolean | undefined,
    run: () => Promise<T>,
    outcome: (result: T) => JsonObject,
  ): Promise<T> {
    if (dryRun) return run();
    const event = await auditor
      .createEvent({ eventId, severityLevel: 'medium', request: req, meta })
      .catch(error => {
        logger.warn(`could not create audit event ${eventId}: ${error}`);
        return undefined;
      });
    try {
      const result = await run();
      await event
        ?.success({ meta: { ...meta, ...outcome(result) } })
        .catch(e => logger.warn(`audit: ${e}`));
      return result;
    } catch (error) {
      await event
        ?.fail({ error: error as Error, meta })
        .catch(e => logger.warn(`audit: ${e}`));
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
      const meta = {
        entityRef: `${entityRef.kind}:${entityRef.namespace}/${entityRef.name}`,
        action: body.operation.type,
        target: { ...body.target },
        reason: body.reason ?? null,
        allowUnready: body.allowUnready?.reason ?? null,
      };
      const result = await audited(
        req,
        'route-action',
        meta,
        body.dryRun,
        () => actions.applyRouteAction(entityRef, body, credentials),
        r => ({
          before: r.before as unknown as JsonObject,
          after: r.after as unknown as JsonObject,
          resourceVersionBefore: r.resourceVersionBefore,
          resourceVersionAfter: r.resourceVersionAfter ?? null,
          warnings: r.warnings.map(w => w.code),
        }),
      );
      res.json(result);
    },
  );

  router.post('/entities/:namespace/:kind/:name/scale', async (req, res) => {
    const entityRef = entityRefFromParams(req.params);
    const body = parseBody(scaleRequestSchema, req.body) as ScaleRequest;
    const credentials = await httpAuth.credentials(req, { allow: ['user'] });
    const meta = {
      entityRef: `${entityRef.kind}:${entityRef.namespace}/${entityRef.name}`,
      action: 'scale',
      target: {
        cluster: body.cluster,
        namespace: body.namespace,
        deployment: body.deployment,
      },
      replicas: body.replicas,
      reason: body.reason ?? null,
    };
    const result = await audited(
      req,
      'scale-version',
      meta,
      body.dryRun,
      () => actions.scaleVersion(entityRef, body, credentials),
      r => ({
        replicasBefore: r.replicasBefore,
        replicasAfter: r.replicasAfter,
      }),
    );
    res.json(result);
  });

  return router;
}
