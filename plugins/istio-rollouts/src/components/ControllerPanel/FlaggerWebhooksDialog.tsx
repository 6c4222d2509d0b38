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

import { useMemo } from 'react';
import {
  CodeSnippet,
  Progress,
  ResponseErrorPanel,
} from '@backstage/core-components';
import { useApi } from '@backstage/core-plugin-api';
import { getCompoundEntityRef } from '@backstage/catalog-model';
import { useEntity } from '@backstage/plugin-catalog-react';
import type {
  ControllerTarget,
  FlaggerWebhooksResponse,
} from '@istio-rollouts/plugin-istio-rollouts-common';
import {
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogTitle,
  Typography,
} from '@material-ui/core';
import useAsync from 'react-use/esm/useAsync';
import { istioRolloutsApiRef } from '../../api/IstioRolloutsApi';

// A URL as a YAML plain scalar when that reads back unchanged, else as a
// double-quoted one (JSON strings are valid YAML).
function yamlUrl(url: string): string {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[A-Za-z0-9._~:/?&=%+@-]*$/.test(url) &&
    !/: |#/.test(url)
    ? url
    : JSON.stringify(url);
}

/**
 * The `webhooks:` list of a Canary's `spec.analysis`, one entry per gate
 * the plugin serves, named as docs/flagger-gates.md names them.
 */
export function webhooksYaml(response: FlaggerWebhooksResponse): string {
  const lines = ['webhooks:'];
  for (const { gate, url } of response.webhooks) {
    lines.push(
      `  - name: backstage-${gate}`,
      `    type: ${gate}`,
      `    url: ${yamlUrl(url)}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * Shows the owners of the entity the webhook URLs (with the Canary's
 * token) of the plugin's Flagger gates, as a snippet of the Canary's
 * `spec.analysis` to paste, with a copy button. Fetched when opened.
 */
export const FlaggerWebhooksDialog = ({
  target,
  onClose,
}: {
  target: ControllerTarget;
  onClose: () => void;
}) => {
  const api = useApi(istioRolloutsApiRef);
  const { entity } = useEntity();
  const entityRef = useMemo(() => getCompoundEntityRef(entity), [entity]);
  const { cluster, namespace, name } = target;
  const answer = useAsync(async () => {
    if (!api.flaggerWebhooks) {
      throw new Error('This Istio Rollouts client cannot fetch webhook URLs');
    }
    return api.flaggerWebhooks(entityRef, { cluster, namespace, name });
  }, [api, entityRef, cluster, namespace, name]);
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth>
      <DialogTitle>
        Webhook URLs of Canary {namespace}/{name}
      </DialogTitle>
      <DialogContent>
        {answer.loading && <Progress />}
        {answer.error && <ResponseErrorPanel error={answer.error} />}
        {answer.value && (
          <>
            <Typography variant="body2" paragraph>
              Add these to the Canary's <code>spec.analysis.webhooks</code>,
              keeping only the gates people should hold. Flagger then waits at
              each of them until it is opened here.
            </Typography>
            <div data-testid="flagger-webhooks-yaml">
              <CodeSnippet
                text={webhooksYaml(answer.value)}
                language="yaml"
                showCopyCodeButton
              />
            </div>
            <Typography variant="body2" color="textSecondary" paragraph>
              The host is this backend's external URL; if Flagger reaches
              Backstage another way (its in-cluster Service, say), change the
              host and keep the path and the token. The token lets a caller only
              ask whether a gate is open, and only for this Canary; it changes
              when the backend's webhook secret does.
            </Typography>
          </>
        )}
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
};
