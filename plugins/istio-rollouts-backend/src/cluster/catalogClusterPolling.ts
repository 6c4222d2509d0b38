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
import { Config } from '@backstage/config';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { CatalogClusterLocator } from './CatalogClusterLocator';
import { ClusterDetails } from './ClusterDetails';
import { readClustersFromConfig } from './ConfigClusters';

const DEFAULT_REFRESH_SECONDS = 30;

/** Follows the clusters of a `catalog` locator. */
export interface CatalogClusterFollower {
  /**
   * Calls `onClusters` with the catalog's clusters now and after every
   * change (polled), until the returned stop is called. A failed lookup
   * keeps the clusters known (logged): a catalog hiccup must not drop them.
   */
  follow(onClusters: (clusters: ClusterDetails[]) => void): () => void;
}

/**
 * The catalog locator when `kubernetes.clusterLocatorMethods` has an entry
 * of `type: catalog`, else undefined. Looked up every
 * `istioRollouts.catalogClusterRefreshSeconds` (default 30); a catalog
 * cluster named like a configured one is left out (configuration wins).
 */
export function readCatalogClusterLocator(
  config: Config,
  deps: { catalog: CatalogService; auth: AuthService; logger: LoggerService },
): CatalogClusterFollower | undefined {
  const methods =
    config.getOptionalConfigArray('kubernetes.clusterLocatorMethods') ?? [];
  if (!methods.some(m => m.getString('type') === 'catalog')) return undefined;
  const refreshMs =
    (config.getOptionalNumber('istioRollouts.catalogClusterRefreshSeconds') ??
      DEFAULT_REFRESH_SECONDS) * 1000;
  const configured = new Set(readClustersFromConfig(config).map(c => c.name));
  const locator = new CatalogClusterLocator({
    ...deps,
    allowInsecureLoopback:
      config.getOptionalBoolean(
        'istioRollouts.allowInsecureLoopbackClusters',
      ) ?? false,
    serviceAccountTokenFile: config.getOptionalString(
      'istioRollouts.catalogClusters.serviceAccountTokenFile',
    ),
    allowedUrls: config.getOptionalStringArray(
      'istioRollouts.catalogClusters.allowedUrls',
    ),
    allowSkipTLSVerify:
      config.getOptionalBoolean(
        'istioRollouts.catalogClusters.allowSkipTLSVerify',
      ) ?? false,
  });
  const { logger } = deps;
  return {
    follow(onClusters) {
      let last: string | undefined;
      let timer: NodeJS.Timeout | undefined;
      let stopped = false;
      const shadowed = new Set<string>();
      const poll = async () => {
        try {
          const found = (await locator.list()).filter(c => {
            if (!configured.has(c.name)) return true;
            if (!shadowed.has(c.name)) {
              shadowed.add(c.name);
              logger.warn(
                `cluster '${c.name}' from the catalog is also configured in kubernetes.clusterLocatorMethods; the configured one is used`,
              );
            }
            return false;
          });
          const key = JSON.stringify(found);
          if (key !== last && !stopped) {
            last = key;
            onClusters(found);
          }
        } catch (error) {
          logger.warn(
            `could not look up clusters in the catalog; keeping the ones known: ${error}`,
          );
        } finally {
          if (!stopped) timer = setTimeout(poll, refreshMs);
        }
      };
      void poll();
      return () => {
        stopped = true;
        clearTimeout(timer);
      };
    },
  };
}
