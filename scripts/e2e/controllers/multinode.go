package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Launch is what one SGLang server Pod is told about its multi-node instance, read from its
// arguments after the kubelet's `$(VAR)` expansion with the env the controller injected.
type Launch struct {
	DistInitAddr string // `--dist-init-addr` value, "" when absent
	NNodes       string // `--nnodes`
	NodeRank     string // `--node-rank`
	Args         []string
}

// launchOf reads the server container's multi-node flags from a Pod.
func launchOf(pod *corev1.Pod) (Launch, bool) {
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if k := roleKind([]corev1.Container{*c}); k != KindPrefill && k != KindDecode {
			continue
		}
		env := containerEnv(pod, c)
		var l Launch
		for _, a := range append(append([]string{}, c.Command...), c.Args...) {
			l.Args = append(l.Args, ExpandVars(a, env))
		}
		for j := 0; j+1 < len(l.Args); j++ {
			switch l.Args[j] {
			case "--dist-init-addr":
				l.DistInitAddr = l.Args[j+1]
			case "--nnodes":
				l.NNodes = l.Args[j+1]
			case "--node-rank":
				l.NodeRank = l.Args[j+1]
			}
		}
		return l, true
	}
	return Launch{}, false
}

// unexercisable says why a tree cannot be reconciled on this control plane, if it cannot: a
// role whose workload API is not served (v0.4 runs leader/worker roles as LeaderWorkerSets,
// whose CRD and controller, LWS, are not part of this e2e), or gang scheduling, for which the
// controllers make a PodGroup of a scheduler (scheduler-plugins or Volcano) whose CRD is not
// here either (the controller then makes no workload: "scheduling plugin ... not ready"). Such
// a tree says so instead of passing.
func (h *Harness) unexercisable(t *Tree) []string {
	var out []string
	for _, u := range t.Groups {
		if gvk, ok := podGroupOf(u); ok {
			if _, err := h.P.mapping(gvk); err != nil {
				out = append(out, fmt.Sprintf("group %s asks for gang scheduling, for which the controller makes a %s (%s), which this control plane does not serve", u.GetName(), gvk.Kind, gvk.GroupVersion()))
			}
		}
		g, err := ParseGroup(u, "")
		if err != nil {
			continue
		}
		for _, r := range g.Roles {
			if r.WorkloadKind == "" {
				continue
			}
			gv, err := schema.ParseGroupVersion(r.WorkloadAPIVersion)
			if err != nil {
				continue
			}
			if _, err := h.P.mapping(gv.WithKind(r.WorkloadKind)); err != nil {
				out = append(out, fmt.Sprintf("role %s of %s runs as a %s (%s), which this control plane does not serve", r.Name, g.Name, r.WorkloadKind, r.WorkloadAPIVersion))
			}
		}
	}
	return out
}

// podGroupOf is the PodGroup kind the controller makes for a gang-scheduled group: v0.7's
// annotation (with the controller's default --scheduler-name, scheduler-plugins), or v1alpha1's
// spec.podGroupPolicy (kubeScheduling: scheduler-plugins, volcanoScheduling: Volcano).
func podGroupOf(u *unstructured.Unstructured) (schema.GroupVersionKind, bool) {
	plugins := schema.GroupVersionKind{Group: "scheduling.x-k8s.io", Version: "v1alpha1", Kind: "PodGroup"}
	if u.GetAnnotations()["rbg.workloads.x-k8s.io/group-gang-scheduling"] == "true" {
		return plugins, true
	}
	if _, found, _ := unstructured.NestedMap(u.Object, "spec", "podGroupPolicy", "volcanoScheduling"); found {
		return schema.GroupVersionKind{Group: "scheduling.volcano.sh", Version: "v1beta1", Kind: "PodGroup"}, true
	}
	if _, found, _ := unstructured.NestedMap(u.Object, "spec", "podGroupPolicy"); found {
		return plugins, true
	}
	return schema.GroupVersionKind{}, false
}

// instance is one multi-node instance as the Pods see it: the leader address they were given
// and the Pods by rank.
type instance struct {
	addr   string
	byRank map[int][]*corev1.Pod
	pods   []*corev1.Pod
}

// instancesOf groups a role's Pods by the `--dist-init-addr` they were given.
func instancesOf(pods []*corev1.Pod) (map[string]*instance, []string) {
	out := map[string]*instance{}
	var problems []string
	for _, p := range pods {
		l, ok := launchOf(p)
		if !ok {
			problems = append(problems, "Pod "+p.Name+": no SGLang server container")
			continue
		}
		in := out[l.DistInitAddr]
		if in == nil {
			in = &instance{addr: l.DistInitAddr, byRank: map[int][]*corev1.Pod{}}
			out[l.DistInitAddr] = in
		}
		in.pods = append(in.pods, p)
		rank, err := strconv.Atoi(l.NodeRank)
		if err != nil {
			problems = append(problems, fmt.Sprintf("Pod %s: --node-rank %q is not a number", p.Name, l.NodeRank))
			continue
		}
		in.byRank[rank] = append(in.byRank[rank], p)
	}
	return out, problems
}

// servingPods are the Pods of a role that serve HTTP and the bootstrap port: every Pod, or the
// rank-0 Pod of each instance of a multi-node role.
func servingPods(r *Role, pods []*corev1.Pod) []*corev1.Pod {
	if r.Size <= 1 {
		return pods
	}
	var out []*corev1.Pod
	for _, p := range pods {
		if l, ok := launchOf(p); ok && l.NodeRank == "0" {
			out = append(out, p)
		}
	}
	return out
}

// completeInstances are the Pods of the instances of which the controller has made every Pod.
func completeInstances(r *Role, pods []*corev1.Pod) []*corev1.Pod {
	ins, _ := instancesOf(pods)
	var out []*corev1.Pod
	for _, p := range pods {
		if l, ok := launchOf(p); ok && len(ins[l.DistInitAddr].pods) == r.Size {
			out = append(out, p)
		}
	}
	return out
}

// readyInstances counts the instances of a role whose Pods are all marked Ready.
func readyInstances(r *Role, pods []*corev1.Pod, ready map[string]bool) int {
	ins, _ := instancesOf(pods)
	n := 0
	for _, in := range ins {
		all := len(in.pods) == r.Size
		for _, p := range in.pods {
			all = all && ready[string(p.UID)]
		}
		if all {
			n++
		}
	}
	return n
}

// checkMultiNode: for each leader/worker role, every Pod gets `--dist-init-addr`, `--nnodes`
// equal to the instance size and a distinct `--node-rank`; the Pods split into `replicas`
// instances of `size` Pods with ranks 0..size-1; and each instance's address names, through
// the headless Service, exactly the rank-0 Pod of that instance.
func (h *Harness) checkMultiNode(ctx context.Context, st *groupState, res *Results) {
	for _, r := range st.g.Roles {
		if r.Size <= 1 || (r.Kind != KindPrefill && r.Kind != KindDecode) {
			continue
		}
		var pods []*corev1.Pod
		for _, p := range st.pods[r.Name] {
			if fresh, err := h.P.Kube.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{}); err == nil {
				p = fresh
			}
			pods = append(pods, p)
		}
		ins, problems := instancesOf(pods)
		for _, p := range pods {
			l, _ := launchOf(p)
			if l.DistInitAddr == "" || strings.Contains(l.DistInitAddr, "$(") {
				problems = append(problems, fmt.Sprintf("Pod %s: --dist-init-addr %q is missing or unresolved", p.Name, l.DistInitAddr))
			}
			if l.NNodes != strconv.Itoa(r.Size) {
				problems = append(problems, fmt.Sprintf("Pod %s: --nnodes %q, instance size %d", p.Name, l.NNodes, r.Size))
			}
		}
		var addrs []string
		for a, in := range ins {
			addrs = append(addrs, a)
			for rank := 0; rank < r.Size; rank++ {
				if len(in.byRank[rank]) != 1 {
					problems = append(problems, fmt.Sprintf("instance at %s: %d Pods with --node-rank %d (%s)", a, len(in.byRank[rank]), rank, strings.Join(podNames(in.pods), ", ")))
				}
			}
			if len(in.pods) != r.Size {
				problems = append(problems, fmt.Sprintf("instance at %s: %d Pods, size %d", a, len(in.pods), r.Size))
			}
		}
		sort.Strings(addrs)
		if len(ins) != r.Replicas {
			problems = append(problems, fmt.Sprintf("%d distinct --dist-init-addr values for %d replicas: %s", len(ins), r.Replicas, strings.Join(addrs, ", ")))
		}
		res.Add(len(problems) == 0, "multi-node-args", problems, "role %s: %d Pods form %d instances of %d, each Pod with --dist-init-addr, --nnodes %d and its own --node-rank 0..%d",
			r.Name, len(pods), len(ins), r.Size, r.Size, r.Size-1)

		for _, a := range addrs {
			in := ins[a]
			e := ParseEndpoint("--dist-init-addr", "http://"+a)
			if e.Err != nil {
				res.Fail("dist-init-addr", errDetail(e.Err), "role %s: --dist-init-addr %s names a Pod", r.Name, a)
				continue
			}
			ns := e.Namespace
			if ns == "" {
				ns = st.g.Namespace
			}
			pod, detail := h.podByHostname(ctx, ns, e.Host, e.Subdomain)
			leader := in.byRank[0]
			ok := pod != nil && len(leader) == 1 && leader[0].UID == pod.UID
			if pod != nil && !ok {
				detail = append(detail, fmt.Sprintf("it names Pod %s, but the rank-0 Pod of the instance is %s", pod.Name, strings.Join(podNames(leader), ", ")))
			}
			if !res.Add(ok, "dist-init-addr", detail, "role %s: --dist-init-addr %s of Pods %s names the instance's rank-0 Pod %s (hostname %s, subdomain %s)",
				r.Name, a, strings.Join(podNames(in.pods), ", "), podNameOr(pod), e.Host, e.Subdomain) {
				continue
			}
			h.checkHeadlessDNS(ctx, "--dist-init-addr "+a, ns, e.Subdomain, e.Host, pod, res)
		}
	}
}

func podNameOr(p *corev1.Pod) string {
	if p == nil {
		return "(none)"
	}
	return p.Name
}
