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
import { Entity, stringifyEntityRef } from '@backstage/catalog-model';
import { CatalogService } from '@backstage/plugin-catalog-node';
import { ClusterAuthProvider, ClusterDetails } from './ClusterDetails';
import { assertInsecureAllowed } from './ConfigClusters';
import { IN_POD_TOKEN_FILE } from './credentials';

// The annotations of a `kubernetes-cluster` Resource, as Backstage's
// Kubernetes plugin reads them. @backstage/plugin-kubernetes-common is not a
// dependency of this plugin, so they are spelled out here, each named after
// its constant there.

/** ANNOTATION_KUBERNETES_API_SERVER */
export const ANNOTATION_API_SERVER = 'kubernetes.io/api-server';
/** ANNOTATION_KUBERNETES_API_SERVER_CA */
export const ANNOTATION_API_SERVER_CA =
  'kubernetes.io/api-server-certificate-authority';
/** ANNOTATION_KUBERNETES_AUTH_PROVIDER */
export const ANNOTATION_AUTH_PROVIDER = 'kubernetes.io/auth-provider';
/** ANNOTATION_KUBERNETES_SKIP_TLS_VERIFY */
export const ANNOTATION_SKIP_TLS_VERIFY = 'kubernetes.io/skip-tls-verify';

// What Backstage's CatalogClusterLocator passes on as authMetadata: every
// `kubernetes.io/` annotation but these (filterCatalogClusterAuthMetadata).
const AUTH_METADATA_PREFIX = 'kubernetes.io/';
const BLOCKED_AUTH_METADATA_KEYS = new Set(['serviceAccountToken']);

// The providers a catalog cluster may name. The plugin acts with its own
// identity, so Backstage's per-user providers (oidc, google, aks, …) cannot
// be used; clientCertificate needs a certificate and key, which an entity
// cannot carry.
const CATALOG_AUTH_PROVIDERS: ReadonlyArray<ClusterAuthProvider> = [
  'serviceAccount',
  'localKubectlProxy',
  'aws',
  'azure',
  'googleServiceAccount',
];

export interface CatalogClusterOptions {
  /**
   * Allows `http://` API servers on a loopback host
   * (`istioRollouts.allowInsecureLoopbackClusters`), as for config clusters.
   */
  allowInsecureLoopback: boolean;
  /**
   * The token file a `serviceAccount` cluster uses (a catalog entity holds no
   * token): `istioRollouts.catalogClusters.serviceAccountTokenFile`, default
   * the token of the pod the backend runs in.
   */
  serviceAccountTokenFile?: string;
  /**
   * Honour `kubernetes.io/skip-tls-verify: 'true'`; otherwise TLS is always
   * verified, as Backstage does unless its catalog locator sets
   * `dangerouslyAllowSkipTLSVerify`. Default false.
   */
  allowSkipTLSVerify?: boolean;
  /**
   * The API server URLs a catalog cluster may name when its provider sends
   * a credential (`serviceAccount`, `aws`, `azure`, `googleServiceAccount`):
   * `istioRollouts.catalogClusters.allowedUrls`. Anyone who can register an
   * entity could otherwise point the backend's token at a server of their
   * own. `localKubectlProxy` sends none and needs no entry.
   */
  allowedUrls?: string[];
}

/**
 * The cluster a `kubernetes-cluster` Resource entity describes, read as
 * Backstage's catalog cluster locator reads it: name from `metadata.name`,
 * URL from `kubernetes.io/api-server`, CA (base64 PEM) from
 * `kubernetes.io/api-server-certificate-authority`, provider from
 * `kubernetes.io/auth-provider` — the three are required, as Backstage's
 * catalog query requires them — and every `kubernetes.io/` annotation as
 * `authMetadata`. Or why the entity is not a usable cluster.
 *
 * Unlike Backstage's, `serviceAccount` is accepted: the plugin then uses the
 * token file of `options.serviceAccountTokenFile`. An `http://` URL follows
 * the rule of config clusters (loopback only, and only when allowed).
 */
export function clusterFromResourceEntity(
  entity: Entity,
  options: CatalogClusterOptions,
): { cluster: ClusterDetails } | { skipped: string } {
  const name = entity.metadata.name;
  // Catalog filters match case-insensitively; so does this.
  if (entity.kind.toLocaleLowerCase('en-US') !== 'resource') {
    return { skipped: `kind ${entity.kind} is not Resource` };
  }
  const type = entity.spec?.type;
  if (
    typeof type !== 'string' ||
    type.toLocaleLowerCase('en-US') !== 'kubernetes-cluster'
  ) {
    return { skipped: `spec.type ${String(type)} is not kubernetes-cluster` };
  }
  const annotations = entity.metadata.annotations ?? {};
  const missing = [
    ANNOTATION_API_SERVER,
    ANNOTATION_API_SERVER_CA,
    ANNOTATION_AUTH_PROVIDER,
  ].filter(key => typeof annotations[key] !== 'string');
  if (missing.length > 0) {
    return { skipped: `it has no ${missing.join(', ')} annotation` };
  }

  const provider = annotations[ANNOTATION_AUTH_PROVIDER];
  const authProvider = CATALOG_AUTH_PROVIDERS.find(p => p === provider);
  if (!authProvider) {
    return {
      skipped: `${ANNOTATION_AUTH_PROVIDER} '${provider}' is not supported by istio-rollouts for catalog clusters (supported: ${CATALOG_AUTH_PROVIDERS.join(
        ', ',
      )})`,
    };
  }

  const rawUrl = annotations[ANNOTATION_API_SERVER];
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { skipped: `${ANNOTATION_API_SERVER} '${rawUrl}' is not a URL` };
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return {
      skipped: `${ANNOTATION_API_SERVER} '${rawUrl}' must start with https:// or http://`,
    };
  }
  if (url.username || url.password) {
    return {
      skipped: `${ANNOTATION_API_SERVER} must not contain credentials`,
    };
  }
  if (url.protocol === 'http:') {
    try {
      assertInsecureAllowed(name, rawUrl, options.allowInsecureLoopback);
    } catch (error) {
      return { skipped: (error as Error).message };
    }
  }

  const normalized = rawUrl.replace(/\/+$/, '');
  if (
    authProvider !== 'localKubectlProxy' &&
    !(options.allowedUrls ?? []).some(
      allowed => allowed.replace(/\/+$/, '') === normalized,
    )
  ) {
    return {
      skipped: `its ${authProvider} credential would go to ${normalized}, which istioRollouts.catalogClusters.allowedUrls does not list (a catalog entity, which anyone who registers entities can write, must not choose where the backend sends its credential)`,
    };
  }

  const authMetadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(annotations)) {
    if (
      key.startsWith(AUTH_METADATA_PREFIX) &&
      !BLOCKED_AUTH_METADATA_KEYS.has(key)
    ) {
      authMetadata[key] = value;
    }
  }

  const cluster: ClusterDetails = {
    name,
    url: normalized,
    authProvider,
    caData: annotations[ANNOTATION_API_SERVER_CA] || undefined,
    authMetadata,
    skipTLSVerify:
      (options.allowSkipTLSVerify ?? false) &&
      annotations[ANNOTATION_SKIP_TLS_VERIFY] === 'true',
    source: 'catalog',
  };
  if (authProvider === 'serviceAccount') {
    cluster.serviceAccountTokenFile =
      options.serviceAccountTokenFile ?? IN_POD_TOKEN_FILE;
  }
  return { cluster };
}

/**
 * Finds clusters in the catalog: Resource entities of type
 * `kubernetes-cluster`, as Backstage's Kubernetes plugin does with
 * `kubernetes.clusterLocatorMethods: [{ type: catalog }]`. Each `list()`
 * asks the catalog again (a caller polls it); an entity that is not a
 * usable cluster is logged once, not on every poll (again if its reason
 * changes). A catalog failure rejects `list()`.
 *
 */
export class CatalogClusterLocator {
  // entity ref → why it was skipped, as last logged
  private readonly reported = new Map<string, string>();

  constructor(
    private readonly options: CatalogClusterOptions & {
      catalog: CatalogService;
      auth: AuthService;
      logger: LoggerService;
    },
  ) {}

  async list(): Promise<ClusterDetails[]> {
    const { catalog, auth } = this.options;
    const { items } = await catalog.getEntities(
      {
        filter: { kind: 'Resource', 'spec.type': 'kubernetes-cluster' },
        fields: [
          'kind',
          'metadata.namespace',
          'metadata.name',
          'metadata.annotations',
          'spec.type',
        ],
      },
      { credentials: await auth.getOwnServiceCredentials() },
    );

    const skipped = new Map<string, string>();
    const found: { ref: string; cluster: ClusterDetails }[] = [];
    for (const entity of items) {
      const ref = stringifyEntityRef(entity);
      const result = clusterFromResourceEntity(entity, this.options);
      if ('skipped' in result) {
        skipped.set(ref, result.skipped);
      } else {
        found.push({ ref, cluster: result.cluster });
      }
    }

    // Entities in two namespaces may share a name. The name is the
    // cluster's identity everywhere in the plugin (entity pins, caches), so
    // neither is used: picking one would let an entity in any namespace
    // take over another's cluster.
    const clusters: ClusterDetails[] = [];
    for (const { ref, cluster } of found) {
      const others = found
        .filter(f => f.ref !== ref && f.cluster.name === cluster.name)
        .map(f => f.ref);
      if (others.length > 0) {
        skipped.set(
          ref,
          `cluster name '${cluster.name}' is also used by ${others.join(', ')}`,
        );
      } else {
        clusters.push(cluster);
      }
    }

    for (const [ref, reason] of skipped) {
      if (this.reported.get(ref) !== reason) {
        this.options.logger.warn(
          `Ignoring kubernetes-cluster Resource ${ref}: ${reason}`,
        );
        this.reported.set(ref, reason);
      }
    }
    // Fixed or deleted entities are forgotten: a new problem is logged.
    for (const ref of [...this.reported.keys()]) {
      if (!skipped.has(ref)) this.reported.delete(ref);
    }
    return clusters;
  }
}
