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

// The Kubernetes and Istio name rules a request's names are checked
// against, here once for the backend's request schemas and this package's
// own readers.

// RFC 1123 label (namespaces, Istio subsets) and subdomain (object names),
// as Kubernetes validates them.
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/**
 * Whether `value` is a valid Kubernetes namespace name (an RFC 1123 label).
 *
 * @public
 */
export function isValidNamespaceName(value: string): boolean {
  return DNS_LABEL.test(value);
}

/**
 * Whether `value` is a valid Kubernetes object name (an RFC 1123 subdomain).
 *
 * @public
 */
export function isValidObjectName(value: string): boolean {
  return DNS_SUBDOMAIN.test(value);
}

/**
 * Whether `value` is a valid subset name of a DestinationRule: Istio
 * rejects any that is not an RFC 1123 label.
 *
 * @public
 */
export function isValidSubsetName(value: string): boolean {
  return DNS_LABEL.test(value);
}
