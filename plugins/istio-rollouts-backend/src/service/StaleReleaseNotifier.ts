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
import { HumanDuration, durationToMilliseconds } from '@backstage/types';
import { Config, readDurationFromConfig } from '@backstage/config';
import { NotificationService } from '@backstage/plugin-notifications-node';
import { ReleaseInFlight } from '@istio-rollouts/plugin-istio-rollouts-common';
import { ReleasesInFlightService } from './ReleasesInFlightService';

/** `istioRollouts.releasesInFlight`, with its defaults. */
export interface ReleasesInFlightConfig {
  /** Routes in their state longer than this are stale (default 7 days). */
  staleAfterMs: number;
  /** Owners of stale releases are told every `frequency`, when enabled. */
  notifyOwners?: { frequency: HumanDuration };
}

/** Reads `istioRollouts.releasesInFlight`; rejects a non-positive threshold. */
export function readReleasesInFlightConfig(
  config: Config,
): ReleasesInFlightConfig {
  const key = 'istioRollouts.releasesInFlight';
  const staleAfterMs = config.has(`${key}.staleAfter`)
    ? durationToMilliseconds(
        readDurationFromConfig(config, { key: `${key}.staleAfter` }),
      )
    : 7 * 24 * 60 * 60 * 1000;
  if (!(staleAfterMs > 0)) {
    throw new Error(`${key}.staleAfter must be a positive duration`);
  }
  const enabled =
    config.getOptionalBoolean(`${key}.notifyOwners.enabled`) ?? false;
  return {
    staleAfterMs,
    ...(enabled && {
      notifyOwners: {
        frequency: config.has(`${key}.notifyOwners.frequency`)
          ? readDurationFromConfig(config, {
              key: `${key}.notifyOwners.frequency`,
            })
          : { days: 1 },
      },
    }),
  };
}

// A notification lists this many routes; the page has the rest.
const LISTED = 5;

/**
 * Tells the owners of stale releases, one notification per owning team,
 * replaced at each run (its scope), so a team sees today's list, not a
 * pile of old ones.
 */
export class StaleReleaseNotifier {
  constructor(
    private readonly options: {
      releases: ReleasesInFlightService;
      notifications: NotificationService;
      logger: LoggerService;
      /** The page's path in the app. */
      pageLink: string;
    },
  ) {}

  /** One run; returns how many owners were told about how many routes. */
  async notifyOnce(): Promise<{ owners: number; releases: number }> {
    const { releases, notifications, logger, pageLink } = this.options;
    const byOwner = await releases.staleByOwner();
    const days = Math.round(releases.staleAfterMs / 86_400_000);
    let told = 0;
    let routes = 0;
    for (const [owner, stale] of byOwner) {
      try {
        await notifications.send({
          recipients: { type: 'entity', entityRef: owner },
          payload: {
            title: `${stale.length} release${
              stale.length === 1 ? '' : 's'
            } in flight for more than ${days} day${days === 1 ? '' : 's'}`,
            description: describe(stale),
            link: pageLink,
            severity: 'normal',
            topic: 'istio-rollouts',
            scope: `istio-rollouts:stale-releases:${owner}`,
          },
        });
        told += 1;
        routes += stale.length;
      } catch (error) {
        logger.warn(`could not notify ${owner} about stale releases: ${error}`);
      }
    }
    return { owners: told, releases: routes };
  }
}

function describe(stale: ReleaseInFlight[]): string {
  const lines = stale
    .slice(0, LISTED)
    .map(
      r =>
        `${r.entity?.ref ?? 'unbound'}: ${r.strategy} on ${r.cluster} ${
          r.kind
        } ${r.namespace}/${r.name} since ${r.since.slice(0, 10)}`,
    );
  if (stale.length > LISTED) lines.push(`and ${stale.length - LISTED} more`);
  return lines.join('; ');
}
