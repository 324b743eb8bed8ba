package main

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/kubernetes/fake"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/record"
	"k8s.io/endpointslice"
	endpointsliceutil "k8s.io/endpointslice/util"
)

// Why EndpointSlices are computed here and not read from the API server:
//
// The Pods may only have loopback addresses (nothing may be sent anywhere else), and the API
// server refuses loopback addresses in EndpointSlices ("may not be in the loopback range",
// ValidateEndpointIP in k8s.io/kubernetes/pkg/apis/discovery/validation). So
// kube-controller-manager's EndpointSlice controller cannot store what it computes for these
// Pods. Instead the same reconciler it runs (k8s.io/endpointslice, at the version of the
// Kubernetes module the API server is built from) is run here against the live Service, Pods
// and Node, writing into an in-memory clientset: selection by the Service's selector (as the
// controller lists Pods), readiness, the endpoint hostname that headless-Service DNS serves,
// and the named target ports are the upstream code's, only the final write differs.

// computeSlices returns the EndpointSlices kube-controller-manager's EndpointSlice controller
// would write for svc right now.
func (h *Harness) computeSlices(ctx context.Context, svc *corev1.Service) ([]discoveryv1.EndpointSlice, error) {
	if svc.Spec.Selector == nil {
		return nil, nil // the controller leaves selector-less Services alone
	}
	// As the controller lists them: the Service's namespace, its selector.
	list, err := h.P.Kube.CoreV1().Pods(svc.Namespace).List(ctx, metav1.ListOptions{LabelSelector: labels.Set(svc.Spec.Selector).AsSelectorPreValidated().String()})
	if err != nil {
		return nil, err
	}
	pods := make([]*corev1.Pod, 0, len(list.Items))
	for i := range list.Items {
		pods = append(pods, &list.Items[i])
	}
	nodes, err := h.P.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	indexer := cache.NewIndexer(cache.MetaNamespaceKeyFunc, cache.Indexers{})
	for i := range nodes.Items {
		if err := indexer.Add(&nodes.Items[i]); err != nil {
			return nil, err
		}
	}
	client := fake.NewClientset()
	r := endpointslice.NewReconciler(client, corelisters.NewNodeLister(indexer), 100,
		endpointsliceutil.NewEndpointSliceTracker(), nil, record.NewFakeRecorder(100), "endpointslice-controller.k8s.io")
	if err := r.Reconcile(logr.Discard(), svc, pods, nil, time.Now()); err != nil {
		return nil, fmt.Errorf("EndpointSlice reconciler: %w", err)
	}
	out, err := client.DiscoveryV1().EndpointSlices(svc.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	return out.Items, nil
}
