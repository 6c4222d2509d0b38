// Copyright 2026 The Istio Rollouts for Backstage Authors
//
// Licensed under the Apache License, Version 2.0 (the "License");
// you may not use this file except in compliance with the License.
// You may obtain a copy of the License at
//
//     http://www.apache.org/licenses/LICENSE-2.0
//
// Unless required by applicable law or agreed to in writing, software
// distributed under the License is distributed on an "AS IS" BASIS,
// WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
// See the License for the specific language governing permissions and
// limitations under the License.

// Package usermix decides, call by call, which kind of user a load
// generator impersonates, so that a VirtualService's header and cookie
// matches see a known share of the traffic.
package usermix

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

// Well-known class names. Any other name W sends `end-user: W`.
const (
	Anonymous = "anonymous"
	Cookie    = "cookie"
)

// CanaryCookie is the cookie the "cookie" class sends; a route that matches
// `canary=always` in the cookie header selects it.
const CanaryCookie = "session=traffic-generator; canary=always"

// Class is one kind of caller and the metadata its calls carry.
type Class struct {
	Name     string
	Percent  float64
	Metadata []string // key, value, key, value…
}

// Mix hands out classes in the proportions of their percentages.
type Mix struct {
	mu      sync.Mutex
	classes []Class
	credit  []float64
}

var className = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]*[a-z0-9])?$`)

// metadataFor is what a class's calls carry.
func metadataFor(name string) []string {
	switch name {
	case Anonymous:
		return nil
	case Cookie:
		return []string{"cookie", CanaryCookie}
	default:
		return []string{"end-user", name}
	}
}

// Parse reads `name:percent[,name:percent…]`. The percentages must add up
// to 100, so that a typo cannot silently change the share of a class.
func Parse(spec string) (*Mix, error) {
	m := &Mix{}
	seen := map[string]bool{}
	sum := 0.0
	for _, part := range strings.Split(spec, ",") {
		part = strings.TrimSpace(part)
		name, pct, ok := strings.Cut(part, ":")
		if !ok {
			return nil, fmt.Errorf("mix entry %q: want name:percent", part)
		}
		name = strings.TrimSpace(name)
		if !className.MatchString(name) {
			return nil, fmt.Errorf("mix entry %q: name must be lower-case letters, digits, '.', '_' or '-'", part)
		}
		if seen[name] {
			return nil, fmt.Errorf("mix entry %q: %s given twice", part, name)
		}
		seen[name] = true
		p, err := strconv.ParseFloat(strings.TrimSpace(pct), 64)
		if err != nil || math.IsNaN(p) || p < 0 || p > 100 {
			return nil, fmt.Errorf("mix entry %q: percent must be a number from 0 to 100", part)
		}
		sum += p
		m.classes = append(m.classes, Class{Name: name, Percent: p, Metadata: metadataFor(name)})
	}
	if math.Abs(sum-100) > 1e-6 {
		return nil, fmt.Errorf("mix %q: percentages add up to %g, not 100", spec, sum)
	}
	m.credit = make([]float64, len(m.classes))
	return m, nil
}

// Classes lists the classes in the order given.
func (m *Mix) Classes() []Class { return m.classes }

// Next picks the class of the next call. It interleaves the classes
// (smooth weighted round robin) instead of drawing at random, so every run
// of 100 calls holds each class's exact percentage when those are whole
// numbers, and a short window still sees every class.
func (m *Mix) Next() Class {
	m.mu.Lock()
	defer m.mu.Unlock()
	best := -1
	for i, c := range m.classes {
		m.credit[i] += c.Percent
		if c.Percent > 0 && (best < 0 || m.credit[i] > m.credit[best]) {
			best = i
		}
	}
	m.credit[best] -= 100
	return m.classes[best]
}

// ParseHeaders reads `k=v[,k=v…]` into gRPC metadata pairs. Keys are
// lower-cased, as gRPC requires; pseudo-headers and grpc- keys are refused
// because gRPC owns them.
func ParseHeaders(spec string) ([]string, error) {
	var md []string
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	for _, kv := range strings.Split(spec, ",") {
		k, v, ok := strings.Cut(kv, "=")
		k = strings.ToLower(strings.TrimSpace(k))
		if !ok || k == "" {
			return nil, fmt.Errorf("header %q: want key=value", kv)
		}
		if strings.HasPrefix(k, ":") || strings.HasPrefix(k, "grpc-") || strings.ContainsAny(k, " \t\r\n") {
			return nil, fmt.Errorf("header %q: key %q cannot be sent as gRPC metadata", kv, k)
		}
		md = append(md, k, strings.TrimSpace(v))
	}
	return md, nil
}
