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

// xds-client: dials an xds:/// target through gRPC's proxyless xDS client
// (bootstrap from GRPC_XDS_BOOTSTRAP) and counts which version answers.
//
//	-n N            send N requests, print counts per version, exit
//	-watch D        send one request every -every for D, print the counts of
//	                each -bucket (UTC start time) so a weight change can be timed
//	-header k=v     add gRPC metadata to every request (repeatable via commas)
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"
	"sort"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	_ "google.golang.org/grpc/xds" // registers the xds resolver and balancers
)

func fmtCounts(c map[string]int) string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	total := 0
	for _, k := range keys {
		total += c[k]
	}
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%d (%.1f%%) ", k, c[k], 100*float64(c[k])/float64(total))
	}
	return strings.TrimSpace(b.String())
}

func main() {
	target := flag.String("target", "xds:///echo.dp.svc.cluster.local:7070", "dial target")
	n := flag.Int("n", 100, "requests (one-shot mode)")
	watch := flag.Duration("watch", 0, "watch mode duration")
	every := flag.Duration("every", 5*time.Millisecond, "interval in watch mode")
	bucket := flag.Duration("bucket", 250*time.Millisecond, "watch mode: print the counts of each bucket of this length")
	header := flag.String("header", "", "metadata k=v[,k=v]")
	timeout := flag.Duration("timeout", 20*time.Second, "time to wait for the first answer")
	flag.Parse()

	start := time.Now()
	conn, err := grpc.NewClient(*target, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatalf("NewClient: %v", err)
	}
	defer conn.Close()
	c := testpb.NewTestServiceClient(conn)
	ctx := context.Background()
	if *header != "" {
		for _, kv := range strings.Split(*header, ",") {
			k, v, _ := strings.Cut(kv, "=")
			ctx = metadata.AppendToOutgoingContext(ctx, k, v)
		}
	}
	call := func(d time.Duration) (string, error) {
		cctx, cancel := context.WithTimeout(ctx, d)
		defer cancel()
		r, err := c.UnaryCall(cctx, &testpb.SimpleRequest{}, grpc.WaitForReady(true))
		if err != nil {
			return "", err
		}
		return r.GetServerId(), nil
	}
	// first call: includes xDS resolution (LDS/RDS/CDS/EDS)
	v, err := call(*timeout)
	if err != nil {
		log.Fatalf("first call after %v: %v", time.Since(start), err)
	}
	fmt.Printf("first answer from %s after %v\n", v, time.Since(start).Round(time.Millisecond))

	if *watch == 0 {
		counts := map[string]int{v: 1}
		errs := 0
		for i := 1; i < *n; i++ {
			v, err := call(5 * time.Second)
			if err != nil {
				errs++
				fmt.Fprintf(os.Stderr, "error: %v\n", err)
				continue
			}
			counts[v]++
		}
		fmt.Printf("n=%d errors=%d %s\n", *n, errs, fmtCounts(counts))
		return
	}
	end := time.Now().Add(*watch)
	b := time.Now().Truncate(*bucket)
	counts := map[string]int{}
	for time.Now().Before(end) {
		v, err := call(5 * time.Second)
		if err != nil {
			v = "ERR"
			fmt.Fprintf(os.Stderr, "%s error: %v\n", time.Now().UTC().Format("15:04:05.000"), err)
		}
		if nb := time.Now().Truncate(*bucket); !nb.Equal(b) {
			fmt.Printf("%s %s\n", b.UTC().Format("15:04:05.000"), fmtCounts(counts))
			b, counts = nb, map[string]int{}
		}
		counts[v]++
		time.Sleep(*every)
	}
	fmt.Printf("%s %s\n", b.UTC().Format("15:04:05.000"), fmtCounts(counts))
}
