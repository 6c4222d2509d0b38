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

/**
 * One requirement of a Kubernetes label selector.
 *
 * @public
 */
export type LabelRequirement =
  | { key: string; operator: 'in' | 'notin'; values: string[] }
  | { key: string; operator: 'exists' | 'doesnotexist' };

/**
 * Whether `labels` contain every key and value of `selector`. An empty
 * selector selects nothing here, unlike in Kubernetes, because a missing
 * selector must never pull in every pod of a namespace.
 *
 * @public
 */
export function labelsInclude(
  labels: Record<string, string>,
  selector: Record<string, string>,
): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

const KEY = String.raw`[A-Za-z0-9](?:[-A-Za-z0-9_./]*[A-Za-z0-9])?`;
const VALUE = String.raw`(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?`;
const EQUALITY = new RegExp(`^(${KEY})\\s*(==|=|!=)\\s*(${VALUE})$`);
const SET = new RegExp(`^(${KEY})\\s+(in|notin)\\s*\\(([^()]*)\\)$`);
const EXISTS = new RegExp(`^(!?)\\s*(${KEY})$`);

// Splits on commas outside parentheses: `app in (a,b),tier=web`.
function splitRequirements(raw: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const char of raw) {
    if (char === '(') depth++;
    if (char === ')') depth--;
    if (char === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else {
      current += char;
    }
  }
  parts.push(current.trim());
  return parts;
}

/**
 * Parses a label selector as `kubectl -l` takes it: `k=v`, `k==v`, `k!=v`,
 * `k in (a,b)`, `k notin (a,b)`, `k` and `!k`, joined by commas.
 *
 * @public
 */
export function parseLabelSelector(
  raw: string,
): { requirements: LabelRequirement[] } | { error: string } {
  const requirements: LabelRequirement[] = [];
  for (const part of splitRequirements(raw)) {
    const equality = EQUALITY.exec(part);
    const set = SET.exec(part);
    const exists = EXISTS.exec(part);
    if (equality) {
      const [, key, op, value] = equality;
      requirements.push({
        key,
        operator: op === '!=' ? 'notin' : 'in',
        values: [value],
      });
    } else if (set) {
      const values = set[3].split(',').map(v => v.trim());
      if (values.some(v => !new RegExp(`^${VALUE}$`).test(v))) {
        return { error: `'${part}' has an invalid value` };
      }
      requirements.push({
        key: set[1],
        operator: set[2] as 'in' | 'notin',
        values,
      });
    } else if (exists) {
      requirements.push({
        key: exists[2],
        operator: exists[1] ? 'doesnotexist' : 'exists',
      });
    } else {
      return { error: `'${part}' is not a label selector requirement` };
    }
  }
  return { requirements };
}

/**
 * Whether `labels` satisfy every requirement (as Kubernetes evaluates them).
 * No requirements select nothing, for the same reason as {@link labelsInclude}.
 *
 * @public
 */
export function matchesLabelSelector(
  labels: Record<string, string>,
  requirements: readonly LabelRequirement[],
): boolean {
  return (
    requirements.length > 0 &&
    requirements.every(req => {
      const has = Object.prototype.hasOwnProperty.call(labels, req.key);
      switch (req.operator) {
        case 'in':
          return has && req.values.includes(labels[req.key]);
        case 'notin':
          return !has || !req.values.includes(labels[req.key]);
        case 'exists':
          return has;
        default:
          return !has;
      }
    })
  );
}
