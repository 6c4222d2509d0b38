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

import { MatchRuleView } from '../types';
import {
  asNumber,
  asRecord,
  asString,
  asStringList,
  asStringMap,
  isRecord,
} from '../kube/guards';

// Istio's HTTPMatchRequest flattened into rules a person can read. The
// outer list is OR, each inner list AND, as in Istio.

const STRING_MATCH_KINDS = ['uri', 'scheme', 'method', 'authority'] as const;
const MAP_MATCH_KINDS = [
  ['headers', 'header'],
  ['withoutHeaders', 'withoutHeader'],
  ['queryParams', 'queryParam'],
] as const;

// The cookie form Istio's docs and Flagger use, `^(.*?;)?(user=jason)(;.*)?$`,
// and the one this plugin writes, which also allows the space browsers put
// after `;`: `^(.*?;\s*)?(user=jason)(;.*)?$`.
const COOKIE_REGEX =
  /^\^?\(\.\*\?;(?:\\s\*)?\)\?\(([\w.-]+)=([\w.-]+)\)\(;\.\*\)\?\$?$/;

function stringMatch(
  raw: unknown,
): { operator: string; value: string } | undefined {
  if (!isRecord(raw)) {
    return undefined;
  }
  for (const operator of ['exact', 'prefix', 'regex']) {
    const value = raw[operator];
    if (typeof value === 'string') {
      return { operator, value };
    }
  }
  // `{}` matches any value: the header only has to be present.
  return Object.keys(raw).length === 0
    ? { operator: 'present', value: '' }
    : undefined;
}

function mapRules(
  raw: unknown,
  kind: 'header' | 'withoutHeader' | 'queryParam',
): MatchRuleView[] {
  const rules: MatchRuleView[] = [];
  for (const [name, value] of Object.entries(asRecord(raw))) {
    const match = stringMatch(value);
    if (!match) {
      continue;
    }
    const cookie =
      kind === 'header' && name.toLowerCase() === 'cookie'
        ? COOKIE_REGEX.exec(match.value)
        : null;
    if (cookie && match.operator === 'regex') {
      rules.push({
        kind: 'cookie',
        name: cookie[1],
        operator: 'exact',
        value: cookie[2],
      });
    } else if (kind === 'header' && name.toLowerCase() === 'cookie') {
      rules.push({ kind: 'cookie', ...match });
    } else {
      rules.push({ kind, name, ...match });
    }
  }
  return rules;
}

/**
 * Flattens `match` of an http route. Unknown or malformed conditions are
 * skipped, never thrown on.
 *
 * @public
 */
export function flattenMatch(match: unknown): MatchRuleView[][] {
  const entries = Array.isArray(match) ? match : [];
  return entries.filter(isRecord).map(entry => {
    const rules: MatchRuleView[] = [];
    for (const kind of STRING_MATCH_KINDS) {
      const m = stringMatch(entry[kind]);
      if (m) {
        rules.push({ kind, ...m });
      }
    }
    for (const [field, kind] of MAP_MATCH_KINDS) {
      rules.push(...mapRules(entry[field], kind));
    }
    const port = asNumber(entry.port);
    if (port !== undefined) {
      rules.push({ kind: 'port', operator: 'exact', value: String(port) });
    }
    for (const [name, value] of Object.entries(
      asStringMap(entry.sourceLabels),
    )) {
      rules.push({ kind: 'sourceLabels', name, operator: 'exact', value });
    }
    const sourceNamespace = asString(entry.sourceNamespace);
    if (sourceNamespace) {
      rules.push({
        kind: 'sourceNamespace',
        operator: 'exact',
        value: sourceNamespace,
      });
    }
    for (const gateway of asStringList(entry.gateways)) {
      rules.push({ kind: 'gateway', operator: 'exact', value: gateway });
    }
    return rules;
  });
}

/**
 * Whether the match picks requests by who sends them (headers, cookies,
 * query parameters), which is what makes a route "targeted" rather than
 * path-based routing.
 *
 * @public
 */
export function selectsUsers(match: MatchRuleView[][]): boolean {
  return match.some(entry =>
    entry.some(r =>
      ['header', 'withoutHeader', 'cookie', 'queryParam'].includes(r.kind),
    ),
  );
}

function describeValue(rule: MatchRuleView): string {
  switch (rule.operator) {
    case 'exact':
      return `= ${rule.value}`;
    case 'prefix':
      return `starting with ${rule.value}`;
    case 'regex':
      return `matching ${rule.value}`;
    default:
      return 'present';
  }
}

function describeRule(rule: MatchRuleView): string {
  const named = rule.name ? `${rule.name} ` : '';
  switch (rule.kind) {
    case 'header':
    case 'cookie':
      return `${rule.kind} ${named}${describeValue(rule)}`;
    case 'withoutHeader':
      return `no header ${named}${describeValue(rule)}`;
    case 'queryParam':
      return `query parameter ${named}${describeValue(rule)}`;
    case 'uri':
      return `path ${
        rule.operator === 'exact' ? rule.value : describeValue(rule)
      }`;
    case 'sourceLabels':
      return `from pods labelled ${rule.name}=${rule.value}`;
    case 'sourceNamespace':
      return `from namespace ${rule.value}`;
    case 'gateway':
      return `through gateway ${rule.value}`;
    default:
      return `${rule.kind} ${describeValue(rule)}`;
  }
}

/**
 * One phrase for a match, e.g. `header end-user = jason`, or
 * `path starting with /api or cookie user = dev-123`.
 *
 * @public
 */
export function describeMatch(match: MatchRuleView[][]): string {
  return match
    .filter(entry => entry.length > 0)
    .map(entry => entry.map(describeRule).join(' and '))
    .join(' or ');
}
