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
  DatabaseService,
  LoggerService,
  RootConfigService,
} from '@backstage/backend-plugin-api';
import {
  ConflictError,
  InputError,
  ServiceUnavailableError,
} from '@backstage/errors';
import type {
  ControllerTarget,
  FlaggerCanaryStateView,
  FlaggerGate,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import express, { Request } from 'express';
import Router from 'express-promise-router';
import { ClusterCaches } from '../../cluster/ClusterCaches';
import { AuditTrail } from '../AuditTrail';
import { isDatabaseUnavailable } from '../databaseErrors';
import { FlaggerGateReader } from '../flaggerGateReader';
import { DatabaseFlaggerGateStore } from './DatabaseFlaggerGateStore';
import { FlaggerGateStore, GateOpening } from './FlaggerGateStore';
import {
  canaryRevisionKey,
  canaryWebhooks,
  canaryWeight,
  gateIsOpen,
  isFlaggerGate,
  pluginWebhookTarget,
  recentCallWindowMs,
  webhookPath,
} from './gateRules';
import { isWebhookToken, webhookToken } from './webhookToken';

const SECRET_KEY = 'istioRollouts.flagger.webhookSecret';
const MIN_SECRET_LENGTH = 32;

// Kubernetes names: a namespace is a DNS label, a Canary a DNS subdomain.
const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const NAME = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;
// Flagger's checksum is rand.SafeEncodeString of a number; allow a little more.
const CHECKSUM = /^[A-Za-z0-9._-]{1,64}$/;
const PHASE = /^[A-Za-z]{0,32}$/;

type ConfirmGate = Exclude<FlaggerGate, 'rollback'>;

/** Flagger's webhook payload (CanaryWebhookPayload), as validated. */
interface WebhookPayload {
  name: string;
  namespace: string;
  phase: string;
  checksum: string;
}

/**
 * Flagger's webhook gates, served by the plugin: Flagger asks at every
 * analysis interval, and a gate answers 200 once someone opened it from
 * Backstage. The state (Flagger's last call of each gate, and the
 * openings) lives in the database, so every replica answers alike.
 *
 * Permissions, the binding of the Canary to the entity, requests and
 * approvals and the audit record of a person's action are the caller's;
 * this service only keeps and answers the gates.
 */
export class FlaggerGateService implements FlaggerGateReader {
  static async create(options: {
    database: DatabaseService;
    config: RootConfigService;
    logger: LoggerService;
    /** The watch caches: a Canary's current status.canaryWeight etc. */
    clusters: ClusterCaches;
    /** Not used yet: people's actions are audited by the caller. */
    audit?: AuditTrail;
  }): Promise<FlaggerGateService> {
    const secret = options.config.getOptionalString(SECRET_KEY);
    if (secret !== undefined && secret.length < MIN_SECRET_LENGTH) {
      throw new Error(
        `${SECRET_KEY} must be at least ${MIN_SECRET_LENGTH} characters long (e.g. the output of \`openssl rand -base64 32\`)`,
      );
    }
    return new FlaggerGateService({
      store: await DatabaseFlaggerGateStore.create({
        database: options.database,
      }),
      secret,
      logger: options.logger,
      clusters: options.clusters,
    });
  }

  constructor(
    private readonly options: {
      store: FlaggerGateStore;
      /** Unset: the webhook answers 503 and every gate stays closed. */
      secret: string | undefined;
      logger: LoggerService;
      clusters: ClusterCaches;
    },
  ) {}

  /**
   * The webhook Flagger calls: `POST /:cluster/:gate?token=…` with
   * Flagger's payload. Unauthenticated by Backstage (Flagger sends no
   * credentials); the per-Canary token in the URL is checked instead.
   * Answers 200 when the gate is open for the payload's revision, 403
   * while it waits for a person. Flagger reads any status above 202 as
   * "no", so every failure keeps the gate closed.
   */
  webhookRouter(): express.Router {
    const router = Router();
    router.use(express.json({ limit: '64kb' }));
    router.post('/:cluster/:gate', async (req, res) => {
      const { secret, clusters, store, logger } = this.options;
      if (!secret) {
        res
          .status(503)
          .type('text/plain')
          .send(
            `Flagger webhooks are not enabled in Backstage: ${SECRET_KEY} is not configured`,
          );
        return;
      }
      const { cluster, gate } = req.params;
      if (!isFlaggerGate(gate)) {
        res
          .status(400)
          .type('text/plain')
          .send(
            `Unknown gate '${gate}'; expected one of confirm-rollout, confirm-traffic-increase, confirm-promotion, rollback`,
          );
        return;
      }
      const payload = readPayload(req.body);
      if (typeof payload === 'string') {
        res
          .status(400)
          .type('text/plain')
          .send(`Malformed payload: ${payload}`);
        return;
      }
      const canaryRef = {
        cluster,
        namespace: payload.namespace,
        name: payload.name,
      };
      if (!isWebhookToken(secret, canaryRef, tokenOf(req))) {
        res
          .status(401)
          .type('text/plain')
          .send(
            `Missing or wrong token for Canary ${payload.namespace}/${payload.name} on cluster ${cluster}`,
          );
        return;
      }
      const cache = clusters.get(cluster);
      if (!cache) {
        res
          .status(404)
          .type('text/plain')
          .send(`Cluster '${cluster}' is not configured in Backstage`);
        return;
      }
      // The watch cache's copy: Flagger writes its status before it calls.
      const canary = cache.find('canaries', payload.namespace, payload.name);
      const key = {
        cluster,
        namespace: payload.namespace,
        canary: payload.name,
        gate,
      };
      try {
        const openings = await store.openings({
          ...key,
          revision: payload.checksum,
        });
        const open = gateIsOpen({
          gate,
          revision: payload.checksum,
          openings,
          currentWeight: canaryWeight(canary),
        });
        await store.recordCall({
          ...key,
          revision: payload.checksum,
          revisionKey: canary ? canaryRevisionKey(canary) : undefined,
          phase: payload.phase,
          answeredOpen: open,
          calledAt: new Date(),
        });
        logger.debug(
          `flagger ${gate} for Canary ${payload.namespace}/${
            payload.name
          } on ${cluster} (revision ${payload.checksum}, ${payload.phase}): ${
            open ? 'open' : 'closed'
          }`,
        );
        if (open) {
          res.status(200).type('text/plain').send(openText(gate));
        } else {
          res.status(403).type('text/plain').send(closedText(gate));
        }
      } catch (error) {
        logger.warn(
          `flagger ${gate} for Canary ${payload.namespace}/${payload.name} on ${cluster}: answered 503, the gate stays closed: ${error}`,
        );
        res
          .status(503)
          .type('text/plain')
          .send(
            isDatabaseUnavailable(error)
              ? "Backstage's database is unavailable; the gate stays closed"
              : 'Backstage could not read the gate; it stays closed',
          );
      }
    });
    // Express's own errors (a body that is not JSON, or too big) as short
    // text, which Flagger puts in its events.
    router.use(
      (
        error: any,
        _req: express.Request,
        res: express.Response,
        next: express.NextFunction,
      ) => {
        if (res.headersSent) {
          next(error);
          return;
        }
        const status = Number(error?.status ?? error?.statusCode);
        const code = status >= 400 && status < 500 ? status : 500;
        res
          .status(code)
          .type('text/plain')
          .send(
            code === 500
              ? 'Backstage could not answer; the gate stays closed'
              : `Malformed request: ${error?.message ?? error}`,
          );
      },
    );
    return router;
  }

  /**
   * Fills in, for the gates of `state` that the plugin serves, whether
   * they are open, who opened them and when Flagger last called them for
   * the current revision; sets `state.revision`, and `waitingAt`
   * confirm-traffic-increase while Flagger keeps asking it in vain. One
   * database query; its errors are thrown (the view decides how to show
   * them). `canary` is the object the state was read from.
   */
  async describe(
    cluster: string,
    canary: unknown,
    state: FlaggerCanaryStateView,
  ): Promise<FlaggerCanaryStateView> {
    if (!state.gates.some(g => g.servedByPlugin)) return state;
    const namespace = (canary as any)?.metadata?.namespace;
    const name = (canary as any)?.metadata?.name;
    if (typeof namespace !== 'string' || typeof name !== 'string') return state;

    const entries = await this.options.store.describe({
      cluster,
      namespace,
      canary: name,
    });
    const revisionKey = canaryRevisionKey(canary);
    const weight = canaryWeight(canary);
    // Calls made for another revision say nothing of the current one.
    const current = entries.filter(e => e.call.revisionKey === revisionKey);
    const next: FlaggerCanaryStateView = {
      ...state,
      gates: state.gates.map(g => ({ ...g })),
    };
    const newest = current
      .map(e => e.call)
      .sort((a, b) => b.calledAt.localeCompare(a.calledAt))[0];
    if (newest) next.revision = newest.revision;

    const openNow = new Map<FlaggerGate, boolean>();
    for (const view of next.gates) {
      if (!view.servedByPlugin) continue;
      const entry = current.find(e => e.call.gate === view.gate);
      if (!entry) continue;
      view.lastCalledAt = entry.call.calledAt;
      const opening = effectiveOpening(view.gate, entry.openings, weight);
      view.open = opening !== undefined;
      openNow.set(view.gate, view.open);
      if (opening) {
        view.openedBy = opening.openedBy;
        view.openedAt = opening.openedAt;
      }
    }

    const increase = current.find(
      e => e.call.gate === 'confirm-traffic-increase',
    );
    if (
      next.waitingAt === undefined &&
      increase &&
      !increase.call.answeredOpen &&
      openNow.get('confirm-traffic-increase') === false &&
      Date.now() - Date.parse(increase.call.calledAt) <=
        recentCallWindowMs(canary)
    ) {
      next.waitingAt = 'confirm-traffic-increase';
    }
    return next;
  }

  /**
   * Opens a confirm-* gate for the revision Flagger is asking about.
   * ConflictError (409) when Flagger has not asked for it for the current
   * revision, or the gate is not served by the plugin; InputError (400)
   * for a gate the Canary has no webhook of. `canary` is the object read
   * fresh from the cluster. A dry run checks everything and changes nothing.
   */
  async open(input: {
    target: ControllerTarget;
    gate: ConfirmGate;
    canary: unknown;
    actor: string;
    reason?: string;
    dryRun: boolean;
  }): Promise<{ description: string }> {
    // Callers pass what a request carried: check it once more.
    const gate = input.gate as FlaggerGate;
    if (!isFlaggerGate(gate) || gate === 'rollback') {
      throw new InputError(
        `'${input.gate}' is not a gate to open; expected confirm-rollout, confirm-traffic-increase or confirm-promotion`,
      );
    }
    return this.openGate({ ...input, gate });
  }

  /**
   * Asks Flagger to roll back the current revision: the rollback webhook
   * answers 200 for it from now on. Same checks as {@link open}.
   */
  async rollback(input: {
    target: ControllerTarget;
    canary: unknown;
    actor: string;
    reason?: string;
    dryRun: boolean;
  }): Promise<{ description: string }> {
    return this.openGate({ ...input, gate: 'rollback' });
  }

  /**
   * The per-Canary webhook URL to put in the Canary, below the backend's
   * base URL as Flagger reaches it. 503 without a configured secret.
   */
  webhookUrl(
    baseUrl: string,
    target: ControllerTarget,
    gate: FlaggerGate,
  ): string {
    const secret = this.requireSecret();
    const token = webhookToken(secret, target);
    // The token as the URL's password: Go's HTTP client (Flagger's) sends
    // it as a Basic Authorization header, so it never appears in a request
    // line that Backstage's or a proxy's access log writes.
    const url = new URL(
      `${baseUrl.replace(/\/+$/, '')}${webhookPath(target.cluster, gate)}`,
    );
    url.username = 'flagger';
    url.password = token;
    return url.toString();
  }

  private requireSecret(): string {
    if (!this.options.secret) {
      throw new ServiceUnavailableError(
        `Flagger webhooks are not enabled: ${SECRET_KEY} is not configured`,
      );
    }
    return this.options.secret;
  }

  private async openGate(input: {
    target: ControllerTarget;
    gate: FlaggerGate;
    canary: unknown;
    actor: string;
    reason?: string;
    dryRun: boolean;
  }): Promise<{ description: string }> {
    const { target, gate, canary } = input;
    const what = `Canary ${target.namespace}/${target.name}`;
    if (target.kind !== 'Canary') {
      throw new InputError(
        `Flagger gates belong to a Canary, not to a ${target.kind}`,
      );
    }
    const hooks = canaryWebhooks(canary).filter(h => h.type === gate);
    if (!hooks.length) {
      throw new InputError(`${what} has no ${gate} webhook`);
    }
    const served = hooks
      .map(h => pluginWebhookTarget(h.url, target.cluster, gate))
      .find(t => t.served);
    if (!served?.served) {
      throw new ConflictError(
        `The ${gate} webhook of ${what} is not served by Backstage (its URL does not end in ${webhookPath(
          target.cluster,
          gate,
        )}), so it cannot be answered from here`,
      );
    }
    const secret = this.requireSecret();
    if (!isWebhookToken(secret, target, served.token)) {
      throw new ConflictError(
        `The ${gate} webhook of ${what} carries ${
          served.token === undefined ? 'no' : 'a wrong'
        } token, so Backstage refuses Flagger's calls (401); put the URL the tab shows in the Canary`,
      );
    }

    const key = {
      cluster: target.cluster,
      namespace: target.namespace,
      canary: target.name,
      gate,
    };
    const call = await this.options.store.getCall(key);
    if (!call || call.revisionKey !== canaryRevisionKey(canary)) {
      const interval = (canary as any)?.spec?.analysis?.interval;
      throw new ConflictError(
        `Flagger has not asked for ${gate} yet for this revision; it asks at its next analysis interval${
          typeof interval === 'string' ? ` (every ${interval})` : ''
        }`,
      );
    }
    const weight = canaryWeight(canary);
    if (gate === 'confirm-traffic-increase' && weight === undefined) {
      throw new ConflictError(
        `${what} has no status.canaryWeight, so there is no traffic increase to confirm`,
      );
    }

    const openings = await this.options.store.openings({
      ...key,
      revision: call.revision,
    });
    const already = effectiveOpening(gate, openings, weight);
    if (already) {
      return {
        description: `${alreadyText(gate, what, weight)} (opened by ${
          already.openedBy
        } at ${already.openedAt}); nothing to do.`,
      };
    }
    if (input.dryRun) {
      return {
        description: `Would ${actionText(gate, what, call.revision, weight)}`,
      };
    }
    const { opening, created } = await this.options.store.open({
      ...key,
      revision: call.revision,
      ...(gate === 'confirm-traffic-increase' && { canaryWeight: weight }),
      openedBy: input.actor,
      openedAt: new Date(),
      ...(input.reason !== undefined && { reason: input.reason }),
    });
    if (!created) {
      return {
        description: `${alreadyText(gate, what, weight)} (opened by ${
          opening.openedBy
        } at ${opening.openedAt}); nothing to do.`,
      };
    }
    const text = actionText(gate, what, call.revision, weight);
    return { description: `${text[0].toUpperCase()}${text.slice(1)}` };
  }
}

// The opening the gate answers 200 for now, if any.
function effectiveOpening(
  gate: FlaggerGate,
  openings: GateOpening[],
  weight: number | undefined,
): GateOpening | undefined {
  return openings.find(o =>
    gateIsOpen({
      gate,
      revision: o.revision,
      openings: [o],
      currentWeight: weight,
    }),
  );
}

function actionText(
  gate: FlaggerGate,
  what: string,
  revision: string,
  weight: number | undefined,
): string {
  switch (gate) {
    case 'confirm-rollout':
      return `open confirm-rollout of ${what} (revision ${revision}): Flagger starts the canary analysis at its next check.`;
    case 'confirm-traffic-increase':
      return `open confirm-traffic-increase of ${what} at ${weight}% (revision ${revision}): Flagger raises the canary's weight by one step at its next check; the next increase needs its own approval.`;
    case 'confirm-promotion':
      return `open confirm-promotion of ${what} (revision ${revision}): Flagger promotes the canary at its next check.`;
    default:
      return `ask Flagger to roll back ${what} (revision ${revision}): the rollback webhook answers yes, and Flagger routes all traffic back to the primary at its next check.`;
  }
}

function alreadyText(
  gate: FlaggerGate,
  what: string,
  weight: number | undefined,
): string {
  if (gate === 'rollback') {
    return `A rollback of ${what} is already asked for this revision`;
  }
  if (gate === 'confirm-traffic-increase') {
    return `confirm-traffic-increase of ${what} is already open at ${weight}%`;
  }
  return `${gate} of ${what} is already open for this revision`;
}

function openText(gate: FlaggerGate): string {
  return gate === 'rollback'
    ? 'rollback asked in Backstage'
    : 'approved in Backstage';
}

function closedText(gate: FlaggerGate): string {
  return gate === 'rollback'
    ? 'no rollback asked in Backstage'
    : 'waiting for approval in Backstage';
}

/** Flagger's payload, or why it is not one. */
function readPayload(body: unknown): WebhookPayload | string {
  if (!body || typeof body !== 'object' || Array.isArray(body)) {
    return 'expected a JSON object (Content-Type: application/json)';
  }
  const { name, namespace, phase, checksum, metadata } = body as Record<
    string,
    unknown
  >;
  const problems: string[] = [];
  if (typeof name !== 'string' || !NAME.test(name)) {
    problems.push('name must be a Kubernetes object name');
  }
  if (typeof namespace !== 'string' || !NAMESPACE.test(namespace)) {
    problems.push('namespace must be a Kubernetes namespace name');
  }
  if (typeof phase !== 'string' || !PHASE.test(phase)) {
    problems.push("phase must be a Canary phase, e.g. 'Progressing'");
  }
  if (typeof checksum !== 'string' || !CHECKSUM.test(checksum)) {
    problems.push('checksum must be the Canary checksum Flagger sends');
  }
  if (
    metadata !== undefined &&
    (metadata === null ||
      typeof metadata !== 'object' ||
      Array.isArray(metadata))
  ) {
    problems.push('metadata must be an object');
  }
  if (problems.length) return problems.join('; ');
  return {
    name: name as string,
    namespace: namespace as string,
    phase: phase as string,
    checksum: checksum as string,
  };
}

/**
 * The token of a webhook call: the password of a Basic Authorization
 * header (a URL with `flagger:<token>@`), else the `token` query parameter.
 */
function tokenOf(req: Request): unknown {
  const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '');
  if (basic) {
    const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return colon >= 0 ? decoded.slice(colon + 1) : undefined;
  }
  return req.query.token;
}
