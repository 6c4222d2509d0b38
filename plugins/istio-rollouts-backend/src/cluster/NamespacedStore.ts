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

// One counter for every store, so a store made by a re-list numbers its
// namespaces above anything the store it replaces ever said.
let lastRevision = 0;

/**
 * Objects of one kind keyed by namespace and name, indexed by namespace so
 * that a page view reads only the namespaces it concerns (one entity's
 * objects, not the whole cluster's).
 */
export class NamespacedStore {
  private readonly byNamespace = new Map<string, Map<string, any>>();
  private readonly revisions = new Map<string, number>();
  private count = 0;

  static from(objects: Iterable<any>): NamespacedStore {
    const store = new NamespacedStore();
    for (const object of objects) store.set(object);
    return store;
  }

  get size(): number {
    return this.count;
  }

  get(namespace: string, name: string): any | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  set(object: any) {
    const namespace = object.metadata?.namespace ?? '';
    let names = this.byNamespace.get(namespace);
    if (!names) {
      names = new Map();
      this.byNamespace.set(namespace, names);
    }
    if (!names.has(object.metadata?.name)) this.count += 1;
    names.set(object.metadata?.name, object);
    this.revisions.set(namespace, ++lastRevision);
  }

  delete(object: any) {
    const namespace = object.metadata?.namespace ?? '';
    const names = this.byNamespace.get(namespace);
    if (names?.delete(object.metadata?.name)) {
      this.count -= 1;
      this.revisions.set(namespace, ++lastRevision);
      if (names.size === 0) this.byNamespace.delete(namespace);
    }
  }

  *values(): IterableIterator<any> {
    for (const names of this.byNamespace.values()) yield* names.values();
  }

  inNamespace(namespace: string): IterableIterator<any> {
    return (this.byNamespace.get(namespace) ?? new Map()).values();
  }

  /**
   * Changes whenever an object of the namespace is set or deleted (0 for a
   * namespace never seen): what is computed from a namespace's objects can
   * be kept until its revision moves.
   */
  revision(namespace: string): number {
    return this.revisions.get(namespace) ?? 0;
  }

  namespaces(): IterableIterator<string> {
    return this.byNamespace.keys();
  }
}
