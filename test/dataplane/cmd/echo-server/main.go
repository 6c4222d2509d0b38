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

// echo-server: a plain gRPC server (grpc.testing.TestService, from the grpc
// module's interop/grpc_testing package) whose UnaryCall answers with its
// -version in SimpleResponse.server_id and hostname. Also serves grpc health.
package main

import (
	"context"
	"flag"
	"log"
	"net"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	testpb "google.golang.org/grpc/interop/grpc_testing"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/reflection"
)

type server struct {
	testpb.UnimplementedTestServiceServer
	version string
	addr    string
	verbose bool
}

func (s *server) UnaryCall(ctx context.Context, req *testpb.SimpleRequest) (*testpb.SimpleResponse, error) {
	if s.verbose {
		md, _ := metadata.FromIncomingContext(ctx)
		log.Printf("UnaryCall md=%v", md)
	}
	return &testpb.SimpleResponse{ServerId: s.version, Hostname: s.addr}, nil
}

func (s *server) EmptyCall(ctx context.Context, _ *testpb.Empty) (*testpb.Empty, error) {
	return &testpb.Empty{}, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:50051", "listen address")
	version := flag.String("version", "v1", "version to answer with")
	verbose := flag.Bool("v", false, "log each call's metadata")
	flag.Parse()
	lis, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatalf("listen %s: %v", *addr, err)
	}
	s := grpc.NewServer()
	testpb.RegisterTestServiceServer(s, &server{version: *version, addr: *addr, verbose: *verbose})
	h := health.NewServer()
	healthpb.RegisterHealthServer(s, h)
	reflection.Register(s)
	log.Printf("echo-server %s listening on %s", *version, lis.Addr())
	if err := s.Serve(lis); err != nil {
		log.Fatal(err)
	}
}
