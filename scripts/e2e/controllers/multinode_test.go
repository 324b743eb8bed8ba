package main

import (
	"bytes"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// A group read from a manifest file (numbers decode as float64) keeps its replicas and its
// leader/worker size, in both API versions.
func TestParseGroupLeaderWorkerSizeFromFile(t *testing.T) {
	for _, doc := range []string{
		"apiVersion: workloads.x-k8s.io/v1alpha2\nkind: RoleBasedGroup\nmetadata: {name: g}\nspec:\n  roles:\n  - name: prefill\n    replicas: 2\n    leaderWorkerPattern:\n      size: 3\n      template: {spec: {containers: [{name: s, image: i}]}}\n",
		"apiVersion: workloads.x-k8s.io/v1alpha1\nkind: RoleBasedGroup\nmetadata: {name: g}\nspec:\n  roles:\n  - name: prefill\n    replicas: 2\n    workload: {apiVersion: workloads.x-k8s.io/v1alpha1, kind: InstanceSet}\n    leaderWorkerSet: {size: 3}\n    template: {spec: {containers: [{name: s, image: i}]}}\n",
	} {
		var m map[string]any
		if err := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader([]byte(doc)), 4096).Decode(&m); err != nil {
			t.Fatal(err)
		}
		g, err := ParseGroup(&unstructured.Unstructured{Object: m}, "ns")
		if err != nil {
			t.Fatal(err)
		}
		r := g.Roles[0]
		if r.Replicas != 2 || r.Size != 3 || r.Pods() != 6 {
			t.Errorf("replicas %d, size %d, pods %d; want 2, 3, 6", r.Replicas, r.Size, r.Pods())
		}
	}
}

// The leader address the controller injects (a literal that refers to a label-backed env var)
// expands in the server's arguments as the kubelet expands it.
func TestLaunchOfExpandsInjectedEnv(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "g-prefill-0-1", Labels: map[string]string{"instance": "g-prefill-0", "index": "1"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name: "sglang",
			Env: []corev1.EnvVar{
				{Name: "INSTANCE_NAME", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['instance']"}}},
				{Name: "LEADER", Value: "$(INSTANCE_NAME)-0.s-g-prefill.llm"},
				{Name: "RANK", ValueFrom: &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels['index']"}}},
			},
			Args: []string{"--disaggregation-mode", "prefill", "--dist-init-addr", "$(LEADER):20000", "--nnodes", "2", "--node-rank", "$(RANK)"},
		}}},
	}
	l, ok := launchOf(pod)
	if !ok || l.DistInitAddr != "g-prefill-0-0.s-g-prefill.llm:20000" || l.NNodes != "2" || l.NodeRank != "1" {
		t.Errorf("launch %+v (found %v)", l, ok)
	}
	e := ParseEndpoint("--dist-init-addr", "http://"+l.DistInitAddr)
	if e.Err != nil || e.Host != "g-prefill-0-0" || e.Subdomain != "s-g-prefill" || e.Namespace != "llm" || e.Port != 20000 {
		t.Errorf("endpoint %+v", e)
	}
}
