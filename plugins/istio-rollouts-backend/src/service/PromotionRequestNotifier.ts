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

import { LoggerService } from '@backstage/backend-plugin-api';
import { CompoundEntityRef, parseEntityRef } from '@backstage/catalog-model';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { SignalsService } from '@backstage/plugin-signals-node';
import {
  PromotionRequest,
  ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  RequestNotice,
  decisionNotice,
  requestedNotice,
} from './promotionRequestMessages';
import { SignalTopics } from './signalTopics';

/**
 * Who is told what about promotion requests: the entity's owners when one
 * is made, its requester when it is decided, and every open tab on each
 * change (a signal, so request lists refetch). Telling never fails the
 * request itself: a notification or signal that cannot be sent is logged.
 */
export class PromotionRequestNotifier {
  constructor(
    private readonly options: {
      notifications?: NotificationService;
      signals?: SignalsService;
      /** Turns entities into the opaque topics of request signals. */
      topics: SignalTopics;
      /** The frontend path of an entity's tab, for notification links. */
      entityLink?: (entityRef: CompoundEntityRef) => string;
      logger: LoggerService;
    },
  ) {}

  /**
   * The topic of the entity's request signals: its request lists carry it,
   * as only those who may read them should recognise the entity's signals.
   */
  signalTopic(entityRef: CompoundEntityRef | string): string {
    return this.options.topics.request(entityRef);
  }

  /**
   * A request was made: the entity's owners hear of it (the notifications
   * service resolves the entity to its owners), but not the requester, who
   * may be one of them.
   */
  async requested(request: PromotionRequest, entityName: string) {
    await this.notify({
      recipients: request.entityRef,
      exclude: request.requestedBy,
      request,
      notice: requestedNotice(request, entityName),
    });
    await this.signal(request);
  }

  /** A request was decided: the requester hears of it but of their own cancel. */
  async decided(request: PromotionRequest) {
    const notice = decisionNotice(request);
    if (notice) {
      await this.notify({ recipients: request.requestedBy, request, notice });
    }
    await this.signal(request);
  }

  private async notify(args: {
    recipients: string;
    exclude?: string;
    request: PromotionRequest;
    notice: RequestNotice;
  }) {
    const { notifications, entityLink, logger } = this.options;
    if (!notifications) return;
    const entity = parseEntityRef(args.request.entityRef);
    try {
      await notifications.send({
        recipients: {
          type: 'entity',
          entityRef: args.recipients,
          ...(args.exclude ? { excludeEntityRef: args.exclude } : {}),
        },
        payload: {
          title: args.notice.title,
          description: args.notice.description,
          link: entityLink?.(entity),
          severity: 'normal',
          topic: 'istio-rollouts',
          // One notification per request, updated as it moves on.
          scope: `istio-rollouts:request:${args.request.id}:${args.recipients}`,
        },
      });
    } catch (error) {
      logger.warn(
        `could not notify ${args.recipients} about request ${args.request.id}: ${error}`,
      );
    }
  }

  private async signal(request: PromotionRequest) {
    try {
      await this.options.signals?.publish({
        recipients: { type: 'broadcast' },
        channel: ISTIO_ROLLOUTS_REQUESTS_SIGNAL_CHANNEL,
        // Broadcast: the entity's opaque topic, never its name or the status.
        message: { topic: this.signalTopic(request.entityRef) },
      });
    } catch (error) {
      this.options.logger.warn(`could not publish request signal: ${error}`);
    }
  }
}
