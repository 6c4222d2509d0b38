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

/*
 * Seeds the demo namespace: applies the manifests in seed/ with server-side
 * apply, then plays the part of the controllers this harness does not run
 * (deployment, replicaset, kubelet, Argo Rollouts, Flagger):
 *   - a ReplicaSet per Deployment/Rollout revision, owned by it,
 *   - Pods owned by those ReplicaSets, with a Running/Ready status,
 *   - Deployment/ReplicaSet/Rollout/Canary status via the status subresource,
 *   - Flagger's ownerReferences and Argo Rollouts' Service selector hashes.
 * Everything is deterministic and written with server-side apply or merge
 * patches, so seeding twice gives the same objects (idempotent).
 *
 * Used by `cluster.js seed` and `cluster.start({ seed: true })` / `cluster.seed()`.
 *
 * With `controllers: true` (a cluster started with controllers) it writes
 * only specs and lets the real controllers do the rest; see seedSpecs below.
 */
'use strict';

const crypto = require('node:crypto');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { execFile } = require('node:child_process');

const NAMESPACE = 'demo';
const FIELD_MANAGER = 'istio-rollouts-seed';
const SEED_DIR = path.join(__dirname, 'seed');

function kubectlRun(kubectl, args) {
  return new Promise((resolve, reject) => {
    execFile(
      kubectl,
      args,
      { maxBuffer: 64 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err)
          reject(
            new Error(
              `kubectl ${args.join(' ')} failed: ${stderr || err.message}`,
            ),
          );
        else resolve(stdout);
      },
    );
  });
}

/**
 * Turn any kubeconfig into connection options for Node's https, letting
 * kubectl do the YAML parsing and file resolution (--raw --flatten inlines
 * certificate files as *-data).
 */
async function connectionFromKubeconfig(kubectl, kubeconfig) {
  const cfg = JSON.parse(
    await kubectlRun(kubectl, [
      '--kubeconfig',
      kubeconfig,
      'config',
      'view',
      '--raw',
      '--minify',
      '--flatten',
      '-o',
      'json',
    ]),
  );
  const cluster = cfg.clusters[0].cluster;
  const user = cfg.users?.[0]?.user || {};
  const b64 = s => (s ? Buffer.from(s, 'base64').toString('utf8') : undefined);
  if (!user.token && !user['client-certificate-data']) {
    throw new Error(
      'seed: kubeconfig user needs a token or a client certificate (exec/auth-provider plugins are not supported here)',
    );
  }
  return {
    server: cluster.server.replace(/\/$/, ''),
    ca: b64(cluster['certificate-authority-data']),
    insecure: Boolean(cluster['insecure-skip-tls-verify']),
    token: user.token,
    cert: b64(user['client-certificate-data']),
    key: b64(user['client-key-data']),
  };
}

/** A 10-character, DNS-label-safe hash in the same alphabet Kubernetes uses for pod-template-hash. */
function shortHash(value, length = 10) {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
  const digest = crypto
    .createHash('sha256')
    .update(JSON.stringify(value))
    .digest();
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[digest[i] % alphabet.length];
  return out;
}

async function pool(items, limit, fn) {
  const results = [];
  let next = 0;
  const workers = Array.from(
    { length: Math.min(limit, items.length) },
    async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    },
  );
  await Promise.all(workers);
  return results;
}

async function seedCluster({
  kubeconfig,
  kubectl,
  log = () => {},
  seedDir = SEED_DIR,
  controllers = false,
  ...controllerOptions
}) {
  if (controllers) {
    await seedSpecs({
      kubeconfig,
      kubectl,
      log,
      seedDir,
      ...controllerOptions,
    });
    return;
  }
  // Lazy to avoid a require cycle at load time (cluster.js requires us lazily too).
  const { request } = require('./cluster.js');

  // 1. The declarative part: namespace, Services, Deployments, routes, Rollout, Canary.
  await kubectlRun(kubectl, [
    '--kubeconfig',
    kubeconfig,
    'apply',
    '--server-side',
    `--field-manager=${FIELD_MANAGER}`,
    '--force-conflicts',
    '-f',
    seedDir,
  ]);
  log(
    `applied ${
      fs.readdirSync(seedDir).filter(f => f.endsWith('.yaml')).length
    } manifest files from ${seedDir}`,
  );

  // 2. The controllers' part, straight against the API.
  const conn = await connectionFromKubeconfig(kubectl, kubeconfig);
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  const api = async (method, urlPath, body, contentType) => {
    const r = await request(`${conn.server}${urlPath}`, {
      ...conn,
      method,
      body,
      contentType,
    });
    if (r.status >= 300)
      throw new Error(
        `${method} ${urlPath}: HTTP ${r.status} ${r.text.slice(0, 500)}`,
      );
    return r.json;
  };
  // Server-side apply of a (partial) object under a given field manager.
  const apply = (urlPath, obj, manager = FIELD_MANAGER) =>
    api(
      'PATCH',
      `${urlPath}?fieldManager=${manager}&force=true`,
      obj,
      'application/apply-patch+yaml',
    );
  const patchStatus = (urlPath, status) =>
    api(
      'PATCH',
      `${urlPath}/status?fieldManager=${FIELD_MANAGER}-status`,
      { status },
      'application/merge-patch+json',
    );

  const ns = `/namespaces/${NAMESPACE}`;
  const apps = `/apis/apps/v1${ns}`;
  const core = `/api/v1${ns}`;
  const allPods = (await api('GET', `${core}/pods`)).items;

  /** Create the ReplicaSet + Pods for one revision of `owner`, all Ready. */
  async function revision({
    owner,
    template,
    selector,
    replicas,
    hashLabel,
    revisionNumber,
    images,
  }) {
    const tmpl = JSON.parse(JSON.stringify(template));
    if (images)
      tmpl.spec.containers.forEach(c => {
        c.image = images[c.name] || c.image;
      });
    const hash = shortHash(tmpl);
    tmpl.metadata.labels = { ...tmpl.metadata.labels, [hashLabel]: hash };
    const rsName = `${owner.metadata.name}-${hash}`;
    const ownerRef = (o, kind, apiVersion) => [
      {
        apiVersion,
        kind,
        name: o.metadata.name,
        uid: o.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
    const rs = await apply(`${apps}/replicasets/${rsName}`, {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: rsName,
        namespace: NAMESPACE,
        labels: tmpl.metadata.labels,
        annotations: {
          'deployment.kubernetes.io/revision': String(revisionNumber),
        },
        ownerReferences: ownerRef(owner, owner.kind, owner.apiVersion),
      },
      spec: {
        replicas,
        selector: { matchLabels: { ...selector, [hashLabel]: hash } },
        template: tmpl,
      },
    });
    await patchStatus(`${apps}/replicasets/${rsName}`, {
      replicas,
      fullyLabeledReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      observedGeneration: rs.metadata.generation,
    });
    const wanted = Array.from(
      { length: replicas },
      (_, i) => `${rsName}-${shortHash([rsName, i], 5)}`,
    );
    await pool(wanted, 8, async podName => {
      await apply(`${core}/pods/${podName}`, {
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: {
          name: podName,
          namespace: NAMESPACE,
          labels: tmpl.metadata.labels,
          ownerReferences: ownerRef(rs, 'ReplicaSet', 'apps/v1'),
        },
        spec: { ...tmpl.spec, nodeName: 'demo-node' },
      });
      await patchStatus(`${core}/pods/${podName}`, {
        phase: 'Running',
        startTime: now,
        conditions: [
          'PodScheduled',
          'Initialized',
          'ContainersReady',
          'Ready',
        ].map(type => ({
          type,
          status: 'True',
          lastTransitionTime: now,
        })),
        containerStatuses: tmpl.spec.containers.map(c => ({
          name: c.name,
          image: c.image,
          imageID: '',
          ready: true,
          started: true,
          restartCount: 0,
          state: { running: { startedAt: now } },
        })),
      });
    });
    // Scale-down after a re-seed with fewer replicas: drop pods we no longer want.
    const stale = allPods.filter(
      p =>
        p.metadata.ownerReferences?.some(o => o.uid === rs.metadata.uid) &&
        !wanted.includes(p.metadata.name),
    );
    await pool(stale, 8, p => api('DELETE', `${core}/pods/${p.metadata.name}`));
    return { rs, hash, rsName };
  }

  // Deployments -> one ReplicaSet each, status Available.
  const deployments = (await api('GET', `${apps}/deployments`)).items;
  await pool(deployments, 4, async d => {
    const replicas = d.spec.replicas ?? 1;
    const { rsName } = await revision({
      owner: { ...d, apiVersion: 'apps/v1', kind: 'Deployment' },
      template: d.spec.template,
      selector: d.spec.selector.matchLabels,
      replicas,
      hashLabel: 'pod-template-hash',
      revisionNumber: 1,
    });
    const cond = (type, reason, message) => ({
      type,
      status: 'True',
      reason,
      message,
      lastUpdateTime: now,
      lastTransitionTime: now,
    });
    await patchStatus(`${apps}/deployments/${d.metadata.name}`, {
      observedGeneration: d.metadata.generation,
      replicas,
      updatedReplicas: replicas,
      readyReplicas: replicas,
      availableReplicas: replicas,
      conditions: [
        cond(
          'Available',
          'MinimumReplicasAvailable',
          'Deployment has minimum availability.',
        ),
        cond(
          'Progressing',
          'NewReplicaSetAvailable',
          `ReplicaSet "${rsName}" has successfully progressed.`,
        ),
      ],
    });
  });
  log(
    `wrote ReplicaSets, Pods and status for ${deployments.length} Deployments`,
  );

  // Argo Rollouts: stable + canary ReplicaSets, paused at the first setWeight step.
  const rolloutsPath = `/apis/argoproj.io/v1alpha1${ns}/rollouts`;
  const rollouts = (await api('GET', rolloutsPath)).items;
  for (const r of rollouts) {
    const canary = r.spec.strategy?.canary;
    if (!canary) continue;
    const replicas = r.spec.replicas ?? 1;
    const stepIndex = Math.max(
      0,
      (canary.steps || []).findIndex(s => s.setWeight !== undefined),
    );
    const weight = canary.steps?.[stepIndex]?.setWeight ?? 0;
    const owner = { ...r, apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' };
    const stableImage =
      r.metadata.annotations?.['seed.istio-rollouts.io/stable-image'];
    const images = stableImage
      ? Object.fromEntries(
          r.spec.template.spec.containers.map(c => [c.name, stableImage]),
        )
      : undefined;
    // With trafficRouting the stable ReplicaSet stays fully scaled and the canary
    // gets ceil(weight% of replicas) pods.
    const canaryReplicas = Math.ceil((replicas * weight) / 100);
    const common = {
      owner,
      template: r.spec.template,
      selector: r.spec.selector.matchLabels,
      hashLabel: 'rollouts-pod-template-hash',
    };
    const stable = await revision({
      ...common,
      replicas,
      revisionNumber: 1,
      images,
    });
    const canaryRev = await revision({
      ...common,
      replicas: canaryReplicas,
      revisionNumber: 2,
    });
    // The controller pins the stable/canary Services to their ReplicaSets.
    // Service.spec.selector is an atomic map for server-side apply, so send
    // the whole selector (the manifest's plus the hash), not just the hash.
    for (const [svc, rev] of [
      [canary.stableService, stable],
      [canary.canaryService, canaryRev],
    ]) {
      if (!svc) continue;
      const current = await api('GET', `${core}/services/${svc}`);
      await apply(
        `${core}/services/${svc}`,
        {
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: svc, namespace: NAMESPACE },
          spec: {
            selector: {
              ...current.spec.selector,
              'rollouts-pod-template-hash': rev.hash,
            },
          },
        },
        'argo-rollouts',
      );
    }
    await patchStatus(`${rolloutsPath}/${r.metadata.name}`, {
      observedGeneration: String(r.metadata.generation),
      phase: 'Paused',
      message: 'CanaryPauseStep',
      replicas: replicas + canaryReplicas,
      updatedReplicas: canaryReplicas,
      readyReplicas: replicas + canaryReplicas,
      availableReplicas: replicas + canaryReplicas,
      currentPodHash: canaryRev.hash,
      stableRS: stable.hash,
      currentStepIndex: stepIndex + 1,
      currentStepHash: shortHash(canary.steps || []),
      controllerPause: true,
      pauseConditions: [{ reason: 'CanaryPauseStep', startTime: now }],
      selector: Object.entries(r.spec.selector.matchLabels)
        .map(([k, v]) => `${k}=${v}`)
        .join(','),
      canary: {
        weights: {
          canary: {
            weight,
            podTemplateHash: canaryRev.hash,
            serviceName: canary.canaryService,
          },
          stable: {
            weight: 100 - weight,
            podTemplateHash: stable.hash,
            serviceName: canary.stableService,
          },
        },
      },
      conditions: [
        {
          type: 'Paused',
          status: 'True',
          reason: 'RolloutPaused',
          message: 'Rollout is paused',
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
        {
          type: 'Progressing',
          status: 'True',
          reason: 'RolloutPaused',
          message: 'Rollout is paused',
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
        {
          type: 'Available',
          status: 'True',
          reason: 'AvailableReason',
          message: 'Rollout has minimum availability',
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
      ],
    });
  }
  log(`wrote ReplicaSets, Pods and status for ${rollouts.length} Rollouts`);

  // Flagger: the generated objects are owned by the Canary; status mid-analysis.
  const canariesPath = `/apis/flagger.app/v1beta1${ns}/canaries`;
  const canaries = (await api('GET', canariesPath)).items;
  for (const c of canaries) {
    const target = c.spec.targetRef.name;
    const ownerReferences = [
      {
        apiVersion: 'flagger.app/v1beta1',
        kind: 'Canary',
        name: c.metadata.name,
        uid: c.metadata.uid,
        controller: true,
        blockOwnerDeletion: true,
      },
    ];
    const istio = `/apis/networking.istio.io/v1${ns}`;
    const owned = [
      [
        `${apps}/deployments/${target}-primary`,
        'apps/v1',
        'Deployment',
        `${target}-primary`,
      ],
      [`${core}/services/${target}`, 'v1', 'Service', target],
      [
        `${core}/services/${target}-primary`,
        'v1',
        'Service',
        `${target}-primary`,
      ],
      [
        `${core}/services/${target}-canary`,
        'v1',
        'Service',
        `${target}-canary`,
      ],
      [
        `${istio}/destinationrules/${target}-primary`,
        'networking.istio.io/v1',
        'DestinationRule',
        `${target}-primary`,
      ],
      [
        `${istio}/destinationrules/${target}-canary`,
        'networking.istio.io/v1',
        'DestinationRule',
        `${target}-canary`,
      ],
      [
        `${istio}/virtualservices/${target}`,
        'networking.istio.io/v1',
        'VirtualService',
        target,
      ],
    ];
    for (const [p, apiVersion, kind, name] of owned) {
      await apply(
        p,
        {
          apiVersion,
          kind,
          metadata: { name, namespace: NAMESPACE, ownerReferences },
        },
        'flagger',
      );
    }
    // Read the current canary weight off the VirtualService, as Flagger would.
    const vs = await api('GET', `${istio}/virtualservices/${target}`);
    const canaryWeight =
      vs.spec.http?.[0]?.route?.find(
        r => r.destination.host === `${target}-canary`,
      )?.weight ?? 0;
    await patchStatus(`${canariesPath}/${c.metadata.name}`, {
      phase: 'Progressing',
      canaryWeight,
      iterations: 0,
      failedChecks: 0,
      lastAppliedSpec: shortHash(c.spec),
      lastPromotedSpec: shortHash([c.spec, 'previous']),
      lastTransitionTime: now,
      conditions: [
        {
          type: 'Promoted',
          status: 'Unknown',
          reason: 'Progressing',
          message: 'New revision detected, progressing canary analysis.',
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
      ],
    });
  }
  log(`wrote ownership and status for ${canaries.length} Flagger Canaries`);
}

// ---------------------------------------------------------------------------
// Seed for a cluster with controllers: specs only.

/** Objects from concatenated JSON documents (kubectl -o json on several files), Lists flattened. */
function parseJsonStream(text) {
  const out = [];
  for (const doc of text.trim().split(/\n(?=\{)/)) {
    if (!doc.trim()) continue;
    const o = JSON.parse(doc);
    if (o.kind === 'List') out.push(...o.items);
    else out.push(o);
  }
  return out;
}

/** Harness-only annotation: the image of the previous (stable) revision. */
const STABLE_IMAGE = 'seed.istio-rollouts.io/stable-image';

/**
 * The token in a Flagger webhook URL: the first 32 characters of
 * base64url(HMAC-SHA256(secret, "<cluster>/<namespace>/<name>")), name = the
 * Canary's. The plugin's webhook endpoint computes the same.
 */
function flaggerWebhookToken(secret, cluster, namespace, name) {
  return crypto
    .createHmac('sha256', secret)
    .update(`${cluster}/${namespace}/${name}`)
    .digest('base64url')
    .slice(0, 32);
}

/** The objects Flagger generates for a Canary (the seed must not write them). */
function flaggerGenerated(canary) {
  const t = canary.spec.targetRef.name;
  return new Set([
    `Deployment/${t}-primary`,
    `Service/${t}`,
    `Service/${t}-primary`,
    `Service/${t}-canary`,
    `DestinationRule/${t}-primary`,
    `DestinationRule/${t}-canary`,
    `VirtualService/${t}`,
  ]);
}

/**
 * Seed a cluster that runs kube-controller-manager, kube-scheduler, kwok,
 * Argo Rollouts and Flagger: write only specs, then let the controllers act.
 *
 * 1. Create what is missing from seed/ (never overwriting what exists, so a
 *    second run does not fight the controllers), leaving out what Flagger
 *    generates. Rollouts and Canary targets that carry the
 *    `seed.istio-rollouts.io/stable-image` annotation are created with that
 *    image; Canaries get a short analysis (interval 10 s, Flagger's minimum; no metrics, steps of
 *    25 up to 50) and webhooks of type confirm-promotion and rollback that
 *    point at the plugin.
 * 2. Wait until the Deployments are available, the Rollouts Healthy and the
 *    Canaries Initialized (Flagger made `<target>-primary`).
 * 3. Change their images to the manifests' (the new version): Argo starts the
 *    canary and stops at its first `pause: {}`; Flagger starts an analysis,
 *    moves the weight to 25 and 50, and waits at confirm-promotion (closed
 *    until someone opens it in Backstage).
 * 4. Wait for both to get there.
 */
async function seedSpecs({
  kubeconfig,
  kubectl,
  log = () => {},
  seedDir = SEED_DIR,
  backstageUrl = 'http://localhost:7007',
  flaggerWebhookSecret,
  clusterName = 'local',
  timeoutMs = 90000,
}) {
  const { request } = require('./cluster.js');
  const kc = ['--kubeconfig', kubeconfig];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'istio-rollouts-seed-'));
  try {
    // kubectl parses the YAML (it needs the server for the kinds' mappings).
    // It prints one JSON document per file: an object or a List.
    const all = parseJsonStream(
      await kubectlRun(kubectl, [
        ...kc,
        'create',
        '--dry-run=client',
        '-o',
        'json',
        '-f',
        seedDir,
      ]),
    );
    const key = o => `${o.kind}/${o.metadata.name}`;
    const skip = new Set(
      all
        .filter(o => o.kind === 'Canary')
        .flatMap(c => [...flaggerGenerated(c)]),
    );
    const objects = all.filter(o => !skip.has(key(o)));

    const writeList = (name, items) => {
      const file = path.join(tmp, name);
      fs.writeFileSync(
        file,
        JSON.stringify({ apiVersion: 'v1', kind: 'List', items }),
      );
      return file;
    };
    const existing = new Set(
      parseJsonStream(
        await kubectlRun(kubectl, [
          ...kc,
          'get',
          '--ignore-not-found',
          '-o',
          'json',
          '-f',
          writeList('all.json', objects),
        ]),
      ).map(o => `${o.metadata.namespace ?? ''}/${key(o)}`),
    );
    const exists = o => existing.has(`${o.metadata.namespace ?? ''}/${key(o)}`);

    if (!flaggerWebhookSecret)
      log(
        'seed: no Flagger webhook secret; the Canary webhooks get no token (every gate stays closed)',
      );
    const canaryTargets = new Set(
      all
        .filter(o => o.kind === 'Canary')
        .map(
          c => `${c.metadata.namespace}/Deployment/${c.spec.targetRef.name}`,
        ),
    );
    const stableImageOf = o => o.metadata.annotations?.[STABLE_IMAGE];
    const withImage = (o, image) => {
      const copy = JSON.parse(JSON.stringify(o));
      for (const c of copy.spec.template.spec.containers) c.image = image;
      return copy;
    };
    const toCreate = objects
      .filter(o => !exists(o))
      .map(o => {
        if (o.kind === 'Canary') {
          // The token as the URL's password, as the tab hands it out:
          // Flagger's Go client sends it as Basic auth (not logged).
          const token = flaggerWebhookSecret
            ? flaggerWebhookToken(
                flaggerWebhookSecret,
                clusterName,
                o.metadata.namespace,
                o.metadata.name,
              )
            : undefined;
          const url = gate => {
            const u = new URL(
              `${backstageUrl.replace(
                /\/$/,
                '',
              )}/api/istio-rollouts/flagger/${clusterName}/${gate}`,
            );
            if (token) {
              u.username = 'flagger';
              u.password = token;
            }
            return u.toString();
          };
          return {
            ...o,
            spec: {
              ...o.spec,
              analysis: {
                interval: '10s', // Flagger's minimum
                threshold: 5,
                stepWeight: 25,
                maxWeight: 50,
                metrics: [],
                // Flagger moves the weight by itself (25, 50), then waits
                // for the owners at confirm-promotion; rollback is theirs too.
                webhooks: ['confirm-promotion', 'rollback'].map(gate => ({
                  name: gate,
                  type: gate,
                  url: url(gate),
                  timeout: '5s',
                })),
              },
            },
          };
        }
        const stable = stableImageOf(o);
        return stable ? withImage(o, stable) : o;
      });
    if (toCreate.length > 0) {
      await kubectlRun(kubectl, [
        ...kc,
        'apply',
        '--server-side',
        `--field-manager=${FIELD_MANAGER}`,
        '-f',
        writeList('create.json', toCreate),
      ]);
    }
    log(
      `created ${toCreate.length} of ${objects.length} objects from ${seedDir} (${skip.size} left to Flagger)`,
    );

    // The controllers' part, watched through the API.
    const conn = await connectionFromKubeconfig(kubectl, kubeconfig);
    const get = async urlPath => {
      const r = await request(`${conn.server}${urlPath}`, { ...conn });
      return r.status === 200 ? r.json : undefined;
    };
    const waitUntil = async (what, fn) => {
      const deadline = Date.now() + timeoutMs;
      let last;
      while (Date.now() < deadline) {
        last = await fn();
        if (last === true) return;
        await new Promise(r => setTimeout(r, 250));
      }
      throw new Error(
        `seed: timed out waiting for ${what}${
          typeof last === 'string' ? ` (${last})` : ''
        }`,
      );
    };
    const apiPath = o => {
      const ns = `namespaces/${o.metadata.namespace}`;
      if (o.kind === 'Deployment')
        return `/apis/apps/v1/${ns}/deployments/${o.metadata.name}`;
      if (o.kind === 'Rollout')
        return `/apis/argoproj.io/v1alpha1/${ns}/rollouts/${o.metadata.name}`;
      if (o.kind === 'Canary')
        return `/apis/flagger.app/v1beta1/${ns}/canaries/${o.metadata.name}`;
      throw new Error(`no path for ${o.kind}`);
    };
    const deploymentReady = d =>
      d &&
      d.status?.observedGeneration >= d.metadata.generation &&
      (d.status?.readyReplicas ?? 0) === (d.spec.replicas ?? 1) &&
      (d.status?.updatedReplicas ?? 0) === (d.spec.replicas ?? 1);

    const deployments = objects.filter(o => o.kind === 'Deployment');
    const rollouts = objects.filter(o => o.kind === 'Rollout');
    const canaries = objects.filter(o => o.kind === 'Canary');
    const imageOf = o => o.spec.template.spec.containers.map(c => c.image);

    // 2. Everything at its stable version.
    await Promise.all([
      ...deployments
        .filter(d => !canaryTargets.has(`${d.metadata.namespace}/${key(d)}`))
        .map(d =>
          waitUntil(
            `Deployment ${d.metadata.name} available`,
            async () => deploymentReady(await get(apiPath(d))) || 'not ready',
          ),
        ),
      ...rollouts.map(r =>
        waitUntil(`Rollout ${r.metadata.name} Healthy`, async () => {
          const cur = await get(apiPath(r));
          if (!cur) return 'missing';
          const stable = stableImageOf(r);
          // Only a Rollout at its stable image must be Healthy first; one
          // already further along (a re-seed) is left as it is.
          if (stable && imageOf(cur).every(image => image === stable)) {
            return (
              cur.status?.phase === 'Healthy' || `phase ${cur.status?.phase}`
            );
          }
          return true;
        }),
      ),
      ...canaries.map(c =>
        waitUntil(`Canary ${c.metadata.name} initialized`, async () => {
          const phase = (await get(apiPath(c)))?.status?.phase;
          return (
            (phase !== undefined &&
              phase !== 'Initializing' &&
              phase !== 'Waiting') ||
            `phase ${phase}`
          );
        }),
      ),
    ]);
    log('Deployments available, Rollouts Healthy, Canaries initialized');

    // 3. The new version: the manifests' images where the stable one runs.
    const bump = async o => {
      const cur = await get(apiPath(o));
      const stable = stableImageOf(o);
      if (!cur || !stable) return false;
      const running = imageOf(cur);
      if (!running.every(image => image === stable)) return false;
      await kubectlRun(kubectl, [
        ...kc,
        '-n',
        o.metadata.namespace,
        'patch',
        o.kind === 'Rollout' ? 'rollouts.argoproj.io' : 'deployments.apps',
        o.metadata.name,
        `--field-manager=${FIELD_MANAGER}`,
        '--type=json',
        '-p',
        JSON.stringify(
          o.spec.template.spec.containers.flatMap((c, i) => [
            {
              op: 'test',
              path: `/spec/template/spec/containers/${i}/image`,
              value: stable,
            },
            {
              op: 'replace',
              path: `/spec/template/spec/containers/${i}/image`,
              value: c.image,
            },
          ]),
        ),
      ]);
      log(
        `${o.kind} ${o.metadata.name}: ${stable} -> ${imageOf(o).join(', ')}`,
      );
      return true;
    };
    const targets = canaries.map(c =>
      deployments.find(
        d =>
          d.metadata.name === c.spec.targetRef.name &&
          d.metadata.namespace === c.metadata.namespace,
      ),
    );
    await Promise.all([...rollouts, ...targets.filter(Boolean)].map(bump));

    // 4. The controllers take it from there; wait until they have.
    await Promise.all([
      ...rollouts.map(r =>
        waitUntil(`Rollout ${r.metadata.name} paused or done`, async () => {
          const st = (await get(apiPath(r)))?.status;
          return (
            st?.phase === 'Paused' ||
            st?.phase === 'Healthy' ||
            st?.phase === 'Degraded' ||
            `phase ${st?.phase} ${st?.message ?? ''}`
          );
        }),
      ),
      ...canaries.map(c =>
        waitUntil(`Canary ${c.metadata.name} progressing`, async () => {
          const phase = (await get(apiPath(c)))?.status?.phase;
          return (
            [
              'Progressing',
              'WaitingPromotion',
              'Promoting',
              'Finalising',
              'Succeeded',
              'Failed',
            ].includes(phase) || `phase ${phase}`
          );
        }),
      ),
    ]);
    log(
      `Rollouts and Canaries under way (${[...rollouts, ...canaries]
        .map(o => `${o.kind} ${o.metadata.name}`)
        .join(', ')})`,
    );
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

module.exports = {
  seedCluster,
  flaggerWebhookToken,
  NAMESPACE,
  FIELD_MANAGER,
  SEED_DIR,
  STABLE_IMAGE,
};
