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

package usermix

import (
	"slices"
	"strings"
	"testing"
)

func TestParseAndProportions(t *testing.T) {
	m, err := Parse("jason:10, cookie:5,anonymous:85")
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	var seq []string
	for range 1000 {
		c := m.Next()
		counts[c.Name]++
		seq = append(seq, c.Name)
	}
	if counts["jason"] != 100 || counts["cookie"] != 50 || counts["anonymous"] != 850 {
		t.Fatalf("1000 calls gave %v, want jason 100 cookie 50 anonymous 850", counts)
	}
	// Each block of 100 holds the exact shares, not just the total.
	for b := 0; b < 1000; b += 100 {
		block := map[string]int{}
		for _, n := range seq[b : b+100] {
			block[n]++
		}
		if block["jason"] != 10 || block["cookie"] != 5 {
			t.Errorf("calls %d-%d: %v", b, b+99, block)
		}
	}
	// Interleaved: jason never twice in a row, and every 20 calls have two.
	for i := 1; i < len(seq); i++ {
		if seq[i] == "jason" && seq[i-1] == "jason" {
			t.Fatalf("jason twice in a row at %d", i)
		}
	}
	for b := 0; b+20 <= 1000; b += 20 {
		if n := strings.Count(strings.Join(seq[b:b+20], " ")+" ", "jason "); n != 2 {
			t.Errorf("calls %d-%d have %d jason calls, want 2", b, b+19, n)
		}
	}
}

func TestMetadataPerClass(t *testing.T) {
	m, err := Parse("jason:25,cookie:25,anonymous:25,bob:25")
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{
		"jason":     {"end-user", "jason"},
		"cookie":    {"cookie", CanaryCookie},
		"anonymous": nil,
		"bob":       {"end-user", "bob"},
	}
	for _, c := range m.Classes() {
		if !slices.Equal(c.Metadata, want[c.Name]) {
			t.Errorf("%s sends %v, want %v", c.Name, c.Metadata, want[c.Name])
		}
	}
	if !strings.Contains(CanaryCookie, "canary=always") || !strings.HasPrefix(CanaryCookie, "session=") {
		t.Errorf("cookie %q", CanaryCookie)
	}
}

func TestZeroPercentNeverPicked(t *testing.T) {
	m, err := Parse("jason:0,anonymous:100")
	if err != nil {
		t.Fatal(err)
	}
	for range 300 {
		if c := m.Next(); c.Name != "anonymous" {
			t.Fatalf("picked %s", c.Name)
		}
	}
}

func TestFractionalPercent(t *testing.T) {
	m, err := Parse("jason:0.5,anonymous:99.5")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for range 2000 {
		if m.Next().Name == "jason" {
			n++
		}
	}
	if n != 10 {
		t.Errorf("jason %d of 2000, want 10", n)
	}
}

func TestParseErrors(t *testing.T) {
	for _, spec := range []string{
		"", "jason", "jason:10,anonymous:80", "jason:50,jason:50", "jason:-1,anonymous:101",
		"Jason:100", "jason:x", "jason:NaN", "end user:100", "jason:10,anonymous:85,cookie:6",
	} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("Parse(%q) accepted", spec)
		}
	}
}

func TestParseHeaders(t *testing.T) {
	md, err := ParseHeaders("End-User=jason, x-env = canary")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"end-user", "jason", "x-env", "canary"}; !slices.Equal(md, want) {
		t.Errorf("got %v, want %v", md, want)
	}
	if md, err := ParseHeaders(""); err != nil || md != nil {
		t.Errorf("empty spec: %v %v", md, err)
	}
	if md, err := ParseHeaders("cookie=a=b"); err != nil || !slices.Equal(md, []string{"cookie", "a=b"}) {
		t.Errorf("value with '=': %v %v", md, err)
	}
	for _, bad := range []string{"novalue", "=x", ":authority=x", "grpc-timeout=1S", "a b=c"} {
		if _, err := ParseHeaders(bad); err == nil {
			t.Errorf("ParseHeaders(%q) accepted", bad)
		}
	}
}
