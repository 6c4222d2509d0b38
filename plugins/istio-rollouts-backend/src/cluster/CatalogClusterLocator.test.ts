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

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mockCredentials, mockServices } from '@backstage/backend-test-utils';
import { Entity } from '@backstage/catalog-model';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { clusterConfig } from '@internal/test-cluster';
import {
  CatalogClusterLocator,
  clusterFromResourceEntity,
} from './CatalogClusterLocator';
import { ClusterDetails } from './ClusterDetails';
import { KubeApi, KubeApiError } from './KubeApi';

const CA = Buffer.from('-----BEGIN CERTIFICATE-----\n').toString('base64');

function clusterEntity(
  name: string,
  annotations: Record<string, string> | undefined,
  extra: { namespace?: string; kind?: string; type?: unknown } = {},
): Entity {
  return {
    apiVersion: 'backstage.io/v1alpha1',
    kind: extra.kind ?? 'Resource',
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      ...(annotations ? { annotations } : {}),
    },
    spec: {
      type: 'type' in extra ? extra.type : 'kubernetes-cluster',
      owner: 'team-a',
    },
  } as Entity;
}

// The three annotations Backstage requires, with a provider.
function required(url: string, provider = 'serviceAccount') {
  return {
    'kubernetes.io/api-server': url,
    'kubernetes.io/api-server-certificate-authority': CA,
    'kubernetes.io/auth-provider': provider,
  };
}

// Every URL the tests name may receive a credential, unless a test says
// otherwise (allowedUrls has its own tests).
const ALLOWED = [
  'http:// URLs',
  'http://0.0.0.0',
  'http://10.0.0.1:8001',
  'http://127.0.0.1:8001',
  'http://127.1.2.3',
  'http://[::1]:8001',
  'http://c.example',
  'http://kube.example',
  'http://localhost:8001/',
  'https://127.0.0.1',
  'https://alpha.example',
  'https://attacker.example',
  'https://beta.example',
  'https://c.example',
  'https://component.example',
  'https://db.example',
  'https://prod.example',
  'https://prod.example:6443',
  'https://prod.example:6443/',
  'https://sa.example',
  'https://staging.example',
  'https://u:p@c.example',
  'https://viewer.example',
];

const strict = { allowInsecureLoopback: false, allowedUrls: ALLOWED };

function skipReason(
  entity: Entity,
  options: Parameters<typeof clusterFromResourceEntity>[1] = strict,
): string {
  const result = clusterFromResourceEntity(entity, options);
  if (!('skipped' in result)) {
    throw new Error(`expected a skip, got ${JSON.stringify(result.cluster)}`);
  }
  return result.skipped;
}

function located(
  entity: Entity,
  options: Parameters<typeof clusterFromResourceEntity>[1] = strict,
): ClusterDetails {
  const result = clusterFromResourceEntity(entity, options);
  if (!('cluster' in result)) {
    throw new Error(`expected a cluster, skipped: ${result.skipped}`);
  }
  return result.cluster;
}

describe('clusterFromResourceEntity', () => {
  it('reads every annotation as Backstage does', () => {
    const annotations = {
      ...required('https://prod.example:6443/', 'aws'),
      'kubernetes.io/skip-tls-verify': 'true',
      'kubernetes.io/aws-assume-role': 'arn:aws:iam::1:role/r',
      'kubernetes.io/x-k8s-aws-id': 'prod-eks',
      'kubernetes.io/skip-metrics-lookup': 'true',
      'backstage.io/managed-by-location': 'url:https://example/catalog.yaml',
      serviceAccountToken: 'never-passed-on',
    };
    expect(
      located(clusterEntity('prod', annotations), {
        allowInsecureLoopback: false,
        allowedUrls: ALLOWED,
        allowSkipTLSVerify: true,
        serviceAccountTokenFile: '/not/used/by/aws',
      }),
    ).toEqual({
      name: 'prod',
      url: 'https://prod.example:6443',
      authProvider: 'aws',
      caData: CA,
      skipTLSVerify: true,
      authMetadata: {
        'kubernetes.io/api-server': 'https://prod.example:6443/',
        'kubernetes.io/api-server-certificate-authority': CA,
        'kubernetes.io/auth-provider': 'aws',
        'kubernetes.io/skip-tls-verify': 'true',
        'kubernetes.io/aws-assume-role': 'arn:aws:iam::1:role/r',
        'kubernetes.io/x-k8s-aws-id': 'prod-eks',
        'kubernetes.io/skip-metrics-lookup': 'true',
      },
      source: 'catalog',
    });
  });

  it("gives a serviceAccount cluster the pod's token file, or the configured one", () => {
    const entity = clusterEntity('sa', required('https://sa.example'));
    expect(located(entity)).toMatchObject({
      authProvider: 'serviceAccount',
      serviceAccountTokenFile:
        '/var/run/secrets/kubernetes.io/serviceaccount/token',
    });
    expect(located(entity).serviceAccountToken).toBeUndefined();
    expect(
      located(entity, {
        allowInsecureLoopback: false,
        allowedUrls: ALLOWED,
        serviceAccountTokenFile: '/etc/istio-rollouts/token',
      }).serviceAccountTokenFile,
    ).toBe('/etc/istio-rollouts/token');
  });

  it.each(['localKubectlProxy', 'aws', 'azure', 'googleServiceAccount'])(
    'accepts %s, without a token file',
    provider => {
      const cluster = located(
        clusterEntity('c', required('https://c.example', provider)),
        {
          allowInsecureLoopback: false,
          allowedUrls: ALLOWED,
          serviceAccountTokenFile: '/t',
        },
      );
      expect(cluster.authProvider).toBe(provider);
      expect(cluster).not.toHaveProperty('serviceAccountTokenFile');
    },
  );

  it('skips TLS verification only when allowed and annotated "true"', () => {
    const withSkip = (value: string) =>
      clusterEntity('c', {
        ...required('https://c.example'),
        'kubernetes.io/skip-tls-verify': value,
      });
    const allow = {
      allowInsecureLoopback: false,
      allowedUrls: ALLOWED,
      allowSkipTLSVerify: true,
    };
    expect(located(withSkip('true'), allow).skipTLSVerify).toBe(true);
    expect(located(withSkip('true')).skipTLSVerify).toBe(false);
    expect(located(withSkip('false'), allow).skipTLSVerify).toBe(false);
    expect(located(withSkip('yes'), allow).skipTLSVerify).toBe(false);
    expect(
      located(clusterEntity('c', required('https://c.example')), allow)
        .skipTLSVerify,
    ).toBe(false);
  });

  it('matches kind and type case-insensitively, as catalog filters do', () => {
    const entity = clusterEntity('c', required('https://c.example'), {
      kind: 'resource',
      type: 'Kubernetes-Cluster',
    });
    expect(located(entity).name).toBe('c');
  });

  it('skips what is not a kubernetes-cluster Resource', () => {
    const annotations = required('https://c.example');
    expect(
      skipReason(clusterEntity('c', annotations, { kind: 'Component' })),
    ).toBe('kind Component is not Resource');
    expect(
      skipReason(clusterEntity('c', annotations, { type: 'database' })),
    ).toBe('spec.type database is not kubernetes-cluster');
    expect(
      skipReason(clusterEntity('c', annotations, { type: undefined })),
    ).toBe('spec.type undefined is not kubernetes-cluster');
  });

  it('skips an entity without any of the three required annotations', () => {
    expect(skipReason(clusterEntity('c', undefined))).toBe(
      'it has no kubernetes.io/api-server, kubernetes.io/api-server-certificate-authority, kubernetes.io/auth-provider annotation',
    );
    for (const key of Object.keys(required('https://c.example'))) {
      const annotations: Record<string, string> = {
        ...required('https://c.example'),
      };
      delete annotations[key];
      expect(skipReason(clusterEntity('c', annotations))).toBe(
        `it has no ${key} annotation`,
      );
    }
  });

  it.each(['oidc', 'google', 'aks', 'clientCertificate', 'ServiceAccount'])(
    'skips the unsupported provider %s, naming it',
    provider => {
      expect(
        skipReason(clusterEntity('c', required('https://c.example', provider))),
      ).toBe(
        `kubernetes.io/auth-provider '${provider}' is not supported by istio-rollouts for catalog clusters (supported: serviceAccount, localKubectlProxy, aws, azure, googleServiceAccount)`,
      );
    },
  );

  it('skips a URL that is not an http(s) URL, or carries credentials', () => {
    expect(skipReason(clusterEntity('c', required('prod.example')))).toBe(
      "kubernetes.io/api-server 'prod.example' is not a URL",
    );
    expect(skipReason(clusterEntity('c', required('ftp://c.example')))).toBe(
      "kubernetes.io/api-server 'ftp://c.example' must start with https:// or http://",
    );
    expect(
      skipReason(clusterEntity('c', required('https://u:p@c.example'))),
    ).toBe('kubernetes.io/api-server must not contain credentials');
  });

  describe('http:// URLs', () => {
    const allow = { allowInsecureLoopback: true, allowedUrls: ALLOWED };

    it.each([
      'http://127.0.0.1:8001',
      'http://127.1.2.3',
      'http://localhost:8001/',
      'http://[::1]:8001',
    ])('accepts the loopback %s when allowed', url => {
      expect(located(clusterEntity('c', required(url)), allow).url).toBe(
        url.replace(/\/$/, ''),
      );
    });

    it('refuses a loopback host when not allowed', () => {
      expect(
        skipReason(clusterEntity('local', required('http://127.0.0.1:8001'))),
      ).toBe(
        "kubernetes cluster 'local': url 'http://127.0.0.1:8001' is plain http: its service account token would travel in clear; use https://, or, for an API server on this host only, set istioRollouts.allowInsecureLoopbackClusters: true",
      );
    });

    it.each(['http://10.0.0.1:8001', 'http://kube.example', 'http://0.0.0.0'])(
      'refuses the non-loopback %s even when allowed',
      url => {
        expect(skipReason(clusterEntity('c', required(url)), allow)).toContain(
          'its host is not a loopback address',
        );
      },
    );

    it('does not restrict https:// to loopback', () => {
      expect(
        located(clusterEntity('c', required('https://127.0.0.1'))).url,
      ).toBe('https://127.0.0.1');
    });
  });
});

describe('CatalogClusterLocator', () => {
  const auth = mockServices.auth({ pluginId: 'istio-rollouts' });

  it('lists the kubernetes-cluster Resources with its own credentials, and logs a skipped one once', async () => {
    const catalog = catalogServiceMock({
      entities: [
        clusterEntity('alpha', required('https://alpha.example')),
        clusterEntity('beta', required('https://beta.example', 'azure'), {
          namespace: 'platform',
        }),
        clusterEntity('service', required('https://component.example'), {
          kind: 'Component',
        }),
        clusterEntity('db', required('https://db.example'), {
          type: 'database',
        }),
        clusterEntity('viewer', required('https://viewer.example', 'oidc')),
      ],
    });
    const getEntities = jest.spyOn(catalog, 'getEntities');
    const logger = mockServices.logger.mock();
    const locator = new CatalogClusterLocator({
      catalog,
      auth,
      logger,
      allowInsecureLoopback: false,
      allowedUrls: ALLOWED,
      serviceAccountTokenFile: '/tokens/plugin',
    });

    const clusters = await locator.list();
    expect(
      clusters.map(c => ({
        name: c.name,
        url: c.url,
        authProvider: c.authProvider,
        serviceAccountTokenFile: c.serviceAccountTokenFile,
        caData: c.caData,
        source: c.source,
      })),
    ).toEqual([
      {
        name: 'alpha',
        url: 'https://alpha.example',
        authProvider: 'serviceAccount',
        serviceAccountTokenFile: '/tokens/plugin',
        caData: CA,
        source: 'catalog',
      },
      {
        name: 'beta',
        url: 'https://beta.example',
        authProvider: 'azure',
        serviceAccountTokenFile: undefined,
        caData: CA,
        source: 'catalog',
      },
    ]);
    expect(getEntities).toHaveBeenCalledWith(expect.anything(), {
      credentials: mockCredentials.service('plugin:istio-rollouts'),
    });
    // The Component and the other Resource are not clusters at all: the
    // query leaves them out, so nothing is said about them.
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Ignoring kubernetes-cluster Resource resource:default\/viewer: kubernetes.io\/auth-provider 'oidc' is not supported/,
      ),
    );

    expect((await locator.list()).map(c => c.name)).toEqual(['alpha', 'beta']);
    expect(getEntities).toHaveBeenCalledTimes(2);
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('logs a skipped entity again when its reason changes, or after it was fixed', async () => {
    let entities: Entity[] = [];
    const catalog = catalogServiceMock.mock({
      getEntities: jest.fn(async () => ({ items: entities })),
    });
    const logger = mockServices.logger.mock();
    const locator = new CatalogClusterLocator({
      catalog,
      auth,
      logger,
      allowInsecureLoopback: false,
      allowedUrls: ALLOWED,
    });
    const warnings = () =>
      (logger.warn as jest.Mock).mock.calls.map(([message]) => message);

    entities = [clusterEntity('c', required('https://c.example', 'oidc'))];
    await locator.list();
    await locator.list();
    expect(warnings()).toHaveLength(1);

    entities = [clusterEntity('c', required('http://c.example'))];
    expect(await locator.list()).toEqual([]);
    expect(warnings()).toHaveLength(2);
    expect(warnings()[1]).toContain('plain http');

    entities = [clusterEntity('c', required('https://c.example'))];
    expect((await locator.list()).map(c => c.name)).toEqual(['c']);
    expect(warnings()).toHaveLength(2);

    entities = [clusterEntity('c', required('http://c.example'))];
    await locator.list();
    expect(warnings()).toHaveLength(3);
    expect(warnings()[2]).toBe(warnings()[1]);
  });

  it('uses neither of two entities that name the same cluster', async () => {
    const catalog = catalogServiceMock({
      entities: [
        clusterEntity('prod', required('https://prod.example')),
        clusterEntity('prod', required('https://attacker.example'), {
          namespace: 'team-x',
        }),
        clusterEntity('staging', required('https://staging.example')),
      ],
    });
    const logger = mockServices.logger.mock();
    const locator = new CatalogClusterLocator({
      catalog,
      auth,
      logger,
      allowInsecureLoopback: false,
      allowedUrls: ALLOWED,
    });
    expect((await locator.list()).map(c => c.name)).toEqual(['staging']);
    expect(logger.warn).toHaveBeenCalledWith(
      "Ignoring kubernetes-cluster Resource resource:default/prod: cluster name 'prod' is also used by resource:team-x/prod",
    );
    expect(logger.warn).toHaveBeenCalledWith(
      "Ignoring kubernetes-cluster Resource resource:team-x/prod: cluster name 'prod' is also used by resource:default/prod",
    );
  });

  it('rejects when the catalog fails', async () => {
    const catalog = catalogServiceMock.mock({
      getEntities: jest.fn(async () => {
        throw new Error('catalog down');
      }),
    });
    const locator = new CatalogClusterLocator({
      catalog,
      auth,
      logger: mockServices.logger.mock(),
      allowInsecureLoopback: false,
      allowedUrls: ALLOWED,
    });
    await expect(locator.list()).rejects.toThrow('catalog down');
  });

  describe('against the local kube-apiserver', () => {
    let dir: string;
    const apis: KubeApi[] = [];

    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'catalog-cluster-'));
    });
    afterAll(() => {
      apis.forEach(api => api.close());
      fs.rmSync(dir, { recursive: true, force: true });
    });

    // The test cluster as a catalog entity whose serviceAccount credential
    // is a token file holding `token`.
    async function locate(token: string): Promise<KubeApi> {
      const local = clusterConfig('plugin');
      const tokenFile = path.join(dir, `token-${apis.length}`);
      fs.writeFileSync(tokenFile, `${token}\n`);
      const locator = new CatalogClusterLocator({
        catalog: catalogServiceMock({
          entities: [
            clusterEntity('local-from-catalog', {
              'kubernetes.io/api-server': local.url,
              'kubernetes.io/api-server-certificate-authority': local.caData,
              'kubernetes.io/auth-provider': 'serviceAccount',
            }),
          ],
        }),
        auth,
        logger: mockServices.logger.mock(),
        allowInsecureLoopback: false,
        allowedUrls: [local.url],
        serviceAccountTokenFile: tokenFile,
      });
      const [cluster, ...rest] = await locator.list();
      expect(rest).toEqual([]);
      expect(cluster).toMatchObject({
        name: 'local-from-catalog',
        serviceAccountTokenFile: tokenFile,
      });
      const api = new KubeApi({ cluster });
      apis.push(api);
      return api;
    }

    it('reaches it with the token of the token file', async () => {
      const api = await locate(clusterConfig('plugin').serviceAccountToken);
      const versions = await api.get<{ kind: string; versions: string[] }>(
        '/api',
      );
      expect(versions.kind).toBe('APIVersions');
      expect(versions.versions).toContain('v1');
      // The premise: /api is not open to anonymous requests, so the
      // success above took the token.
      const local = clusterConfig('plugin');
      const anonymous = new KubeApi({
        cluster: {
          name: 'anonymous',
          url: local.url,
          caData: local.caData,
          skipTLSVerify: false,
        },
      });
      apis.push(anonymous);
      const error = await anonymous.get('/api').catch(e => e);
      expect(error).toBeInstanceOf(KubeApiError);
      expect([401, 403]).toContain((error as KubeApiError).statusCode);
    });

    it('is refused with another token in the file (the file is what is sent)', async () => {
      const api = await locate('not-a-token-of-this-cluster');
      const error = await api.get('/api').catch(e => e);
      expect(error).toBeInstanceOf(KubeApiError);
      expect((error as KubeApiError).statusCode).toBe(401);
    });
  });

  describe('where a credential may go', () => {
    it.each(['serviceAccount', 'aws', 'azure', 'googleServiceAccount'])(
      'skips a %s cluster whose URL istioRollouts.catalogClusters.allowedUrls does not list',
      provider => {
        const entity = clusterEntity(
          'evil',
          required('https://attacker.example', provider),
        );
        expect(
          skipReason(entity, { allowInsecureLoopback: false, allowedUrls: [] }),
        ).toMatch(
          /credential would go to https:\/\/attacker\.example, which istioRollouts\.catalogClusters\.allowedUrls does not list/,
        );
        expect(
          skipReason(entity, {
            allowInsecureLoopback: false,
            allowedUrls: ['https://attacker.example.evil'],
          }),
        ).toMatch(/does not list/);
        expect(
          located(entity, {
            allowInsecureLoopback: false,
            allowedUrls: ['https://attacker.example/'],
          }).url,
        ).toBe('https://attacker.example');
      },
    );

    it('needs no entry for kubectl proxy, which sends no credential', () => {
      expect(
        located(
          clusterEntity(
            'proxy',
            required('http://127.0.0.1:8001', 'localKubectlProxy'),
          ),
          { allowInsecureLoopback: true, allowedUrls: [] },
        ).url,
      ).toBe('http://127.0.0.1:8001');
    });
  });
});
