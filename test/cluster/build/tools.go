//go:build tools

// Package tools only exists so that `go mod tidy` keeps the packages behind
// the binaries we build (main packages cannot be imported, so we import the
// libraries those mains are thin wrappers around).
package tools

import (
	_ "go.etcd.io/etcd/server/v3/etcdmain"
	_ "k8s.io/kubernetes/cmd/kube-apiserver/app"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager/app"
	_ "k8s.io/kubernetes/cmd/kube-scheduler/app"
	_ "k8s.io/kubectl/pkg/cmd"
)
