package main

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/util/retry"
)

// Harness runs trees against one Plane. It plays the kubelet: Pods never run; their status
// (Running, Ready, a pod IP from 127.0.0.0/8) is written through the status subresource.
type Harness struct {
	P       *Plane
	Timeout time.Duration
	ips     map[types.UID]string
	nextIP  int
	owners  map[types.UID]string // owner chain of a pod, as printed, once known to reach the group
}

func NewHarness(p *Plane, timeout time.Duration) *Harness {
	return &Harness{P: p, Timeout: timeout, ips: map[types.UID]string{}, owners: map[types.UID]string{}}
}

// RunTree applies a tree, drives every group through its roles and checks the wiring, then
// deletes it again.
func (h *Harness) RunTree(ctx context.Context, t *Tree) *Results {
	res := &Results{}
	if why := h.unexercisable(t); len(why) > 0 {
		res.Skip("not-exercised", why, "%s: not exercised by this release's controller here (counted neither as passed nor as failed)", t.Name)
		return res
	}
	created, err := h.P.Apply(ctx, t)
	if !res.Add(err == nil, "apply", errDetail(err), "apply %d objects server-side", len(t.Objects)) {
		h.cleanup(ctx, t, created, res)
		return res
	}
	for _, g := range t.Groups {
		ns, _, _ := h.P.namespaceOf(g)
		h.runGroup(ctx, t, g, ns, res)
		if err := h.P.CheckAlive(); err != nil {
			res.Fail("controllers", errDetail(err), "controllers still running")
		}
	}
	h.cleanup(ctx, t, created, res)
	return res
}

func (h *Harness) cleanup(ctx context.Context, t *Tree, created []string, res *Results) {
	if err := h.P.Cleanup(ctx, t, created); err != nil {
		res.Fail("cleanup", errDetail(err), "delete the tree and everything the controllers made for it")
	}
}

type groupState struct {
	g        *Group
	uid      types.UID
	obj      *unstructured.Unstructured
	pods     map[string][]*corev1.Pod // role name -> its Pods, as last seen
	ready    map[string]int           // role name -> Pods marked Ready
	readyUID map[string]bool          // UIDs of the Pods marked Ready
	kindOf   map[string]string
}

func (h *Harness) runGroup(ctx context.Context, t *Tree, u *unstructured.Unstructured, ns string, res *Results) {
	live, err := h.getGroup(ctx, u, ns)
	if !res.Add(err == nil, "group", errDetail(err), "RoleBasedGroup %s/%s stored", ns, u.GetName()) {
		return
	}
	g, err := ParseGroup(live, ns)
	if !res.Add(err == nil, "group", errDetail(err), "RoleBasedGroup %s: %d roles read", g.nameOr(u), len(g.rolesOrNil())) {
		return
	}
	levels, err := g.Levels()
	if !res.Add(err == nil, "dependencies", errDetail(err), "role order from dependencies") {
		return
	}
	st := &groupState{g: g, uid: live.GetUID(), obj: live, pods: map[string][]*corev1.Pod{}, ready: map[string]int{}, readyUID: map[string]bool{}}

	for li, level := range levels {
		ok := true
		for _, r := range level {
			timeout := h.Timeout
			if !ok {
				timeout = 0 // one role already timed out: look once, do not wait again
			}
			pods, err := h.waitRolePods(ctx, st, r, timeout)
			st.pods[r.Name] = pods
			detail := errDetail(err)
			msg := fmt.Sprintf("role %s (%s): %d/%d Pods created by the controller", r.Name, r.Kind, len(pods), r.Pods())
			if r.Size > 1 {
				msg += fmt.Sprintf(" (%d instances of %d Pods)", r.Replicas, r.Size)
			}
			if gate := g.Gate(r); len(gate) > 0 && err == nil {
				wl := h.roleWorkloads(ctx, st, r)
				msg += fmt.Sprintf(", after %s were Ready (workload %s)", strings.Join(gate, ", "), strings.Join(wl, ", "))
			}
			if err == nil && len(pods) > 0 {
				msg += " [" + h.owners[pods[0].UID] + "]"
			}
			ok = res.Add(err == nil, "pods", detail, "%s", msg) && ok
		}
		if !ok {
			return
		}
		var all []*corev1.Pod
		for _, r := range level {
			all = append(all, st.pods[r.Name]...)
		}
		var later []*Role
		for _, next := range levels[li+1:] {
			later = append(later, next...)
		}
		if len(later) > 0 && len(all) > 0 {
			// Hold one Pod back (with the rest of its instance when the role spans nodes: the
			// controller gates the readiness of an instance's Pods on the whole instance): the
			// gated roles must not exist while it is not Ready.
			others, held := holdBack(st.g, all)
			if !h.markAll(ctx, st, others, res) {
				return
			}
			h.checkGate(ctx, st, later, held[len(held)-1], res)
			if !h.markAll(ctx, st, held, res) {
				return
			}
		} else if !h.markAll(ctx, st, all, res) {
			return
		}
	}

	// All Pods Ready: the group must say so.
	err = wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, h.Timeout, true, func(ctx context.Context) (bool, error) {
		obj, err := h.getGroup(ctx, u, ns)
		if err != nil {
			return false, nil
		}
		st.obj = obj
		return conditionTrue(obj, "Ready"), nil
	})
	res.Add(err == nil, "group-ready", []string{"status: " + statusSummary(st.obj)}, "RoleBasedGroup %s reports Ready once all %d Pods are Ready", g.Name, countPods(st.pods))

	var routers []*corev1.Pod
	for _, r := range g.Roles {
		if r.Kind == KindRouter {
			routers = append(routers, st.pods[r.Name]...)
		}
	}
	if len(routers) == 0 {
		res.Fail("router", nil, "group %s has a router role with Pods", g.Name)
		return
	}
	h.checkMultiNode(ctx, st, res)
	h.checkRouter(ctx, st, routers[0], res)
	h.checkClientServices(ctx, t, st, routers, res)
	h.checkScaling(ctx, t, st, res)
}

func (g *Group) nameOr(u *unstructured.Unstructured) string {
	if g != nil {
		return g.Name
	}
	return u.GetName()
}

func (g *Group) rolesOrNil() []*Role {
	if g == nil {
		return nil
	}
	return g.Roles
}

func countPods(m map[string][]*corev1.Pod) int {
	n := 0
	for _, p := range m {
		n += len(p)
	}
	return n
}

func (h *Harness) getGroup(ctx context.Context, u *unstructured.Unstructured, ns string) (*unstructured.Unstructured, error) {
	m, err := h.P.mapping(u.GroupVersionKind())
	if err != nil {
		return nil, err
	}
	return h.P.Dyn.Resource(m.Resource).Namespace(ns).Get(ctx, u.GetName(), metav1.GetOptions{})
}

// groupPods lists the Pods of the namespace that run a role of the group and were made by
// the controller for it (their owner chain ends at the group).
func (h *Harness) groupPods(ctx context.Context, st *groupState, r *Role) ([]*corev1.Pod, error) {
	list, err := h.P.Kube.CoreV1().Pods(st.g.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, err
	}
	var out []*corev1.Pod
	for i := range list.Items {
		p := &list.Items[i]
		if p.DeletionTimestamp != nil || !r.Matches(p.Spec.Containers) {
			continue
		}
		if _, ok := h.owners[p.UID]; !ok {
			chain, ok := h.ownerChain(ctx, st.g.Namespace, "Pod "+p.Name, p.OwnerReferences, st.uid, 0)
			if !ok {
				continue
			}
			h.owners[p.UID] = chain
		}
		out = append(out, p)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// ownerChain follows controller owner references up to the group: "Pod x ← StatefulSet y ← RoleBasedGroup z".
func (h *Harness) ownerChain(ctx context.Context, ns, self string, refs []metav1.OwnerReference, uid types.UID, depth int) (string, bool) {
	for _, ref := range refs {
		if ref.UID == uid {
			return self + " ← " + ref.Kind + " " + ref.Name, true
		}
		if depth >= 4 {
			continue
		}
		gv, err := schema.ParseGroupVersion(ref.APIVersion)
		if err != nil {
			continue
		}
		m, err := h.P.mapping(gv.WithKind(ref.Kind))
		if err != nil {
			continue
		}
		obj, err := h.P.Dyn.Resource(m.Resource).Namespace(ns).Get(ctx, ref.Name, metav1.GetOptions{})
		if err != nil || obj.GetUID() != ref.UID {
			continue
		}
		if chain, ok := h.ownerChain(ctx, ns, ref.Kind+" "+ref.Name, obj.GetOwnerReferences(), uid, depth+1); ok {
			return self + " ← " + chain, true
		}
	}
	return "", false
}

// waitRolePods waits until the controller has made every Pod of a role.
func (h *Harness) waitRolePods(ctx context.Context, st *groupState, r *Role, timeout time.Duration) ([]*corev1.Pod, error) {
	var pods []*corev1.Pod
	var kubeletErr error
	found := func(ctx context.Context) (bool, error) {
		var err error
		pods, err = h.groupPods(ctx, st, r)
		if err == nil && r.Size > 1 && len(pods) < r.Pods() {
			// An InstanceSet (v0.6) creates instance i+1 only once instance i is Ready: play the
			// kubelet for the instances made so far. The last instance, which holds the Pod a
			// gate check holds back, appears only after them.
			if kubeletErr = h.markPods(ctx, st, completeInstances(r, pods)); kubeletErr != nil {
				return false, kubeletErr
			}
		}
		return err == nil && len(pods) >= r.Pods(), nil
	}
	var err error
	if timeout > 0 {
		err = wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, timeout, true, found)
	} else if ok, _ := found(ctx); !ok {
		err = fmt.Errorf("not there")
	}
	if kubeletErr != nil {
		return pods, kubeletErr
	}
	if err != nil {
		return pods, fmt.Errorf("after %s: %d of %d Pods of role %s; controller log: %s", timeout, len(pods), r.Pods(), r.Name, h.P.procLog("rbgs"))
	}
	if len(pods) != r.Pods() {
		return pods, fmt.Errorf("%d Pods for %d replicas of %d Pods: %s", len(pods), r.Replicas, r.Size, strings.Join(podNames(pods), ", "))
	}
	return pods, nil
}

// roleWorkloads lists the group's direct children (any kind in apps or workloads.x-k8s.io)
// whose pod template runs the role's containers, as "Kind name".
func (h *Harness) roleWorkloads(ctx context.Context, st *groupState, r *Role) []string {
	var out []string
	for _, w := range h.roleWorkloadObjects(ctx, st, r) {
		out = append(out, w.GetKind()+" "+w.GetName())
	}
	sort.Strings(out)
	return out
}

func (h *Harness) roleWorkloadObjects(ctx context.Context, st *groupState, r *Role) []unstructured.Unstructured {
	lists, err := h.P.Kube.Discovery().ServerPreferredNamespacedResources()
	if err != nil && len(lists) == 0 {
		return nil
	}
	var out []unstructured.Unstructured
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil || (gv.Group != "apps" && gv.Group != rbgGroup && gv.Group != "leaderworkerset.x-k8s.io") {
			continue
		}
		for _, res := range l.APIResources {
			// ControllerRevisions are history (the group's own revision embeds every role), not workloads.
			if strings.Contains(res.Name, "/") || !hasVerb(res.Verbs, "list") || res.Kind == "ControllerRevision" {
				continue
			}
			items, err := h.P.Dyn.Resource(gv.WithResource(res.Name)).Namespace(st.g.Namespace).List(ctx, metav1.ListOptions{})
			if err != nil {
				continue
			}
			for _, it := range items.Items {
				owned := false
				for _, ref := range it.GetOwnerReferences() {
					owned = owned || ref.UID == st.uid
				}
				if !owned {
					continue
				}
				for _, cs := range embeddedContainers(it.Object) {
					if r.Matches(cs) {
						out = append(out, it)
						break
					}
				}
			}
		}
	}
	return out
}

func hasVerb(verbs []string, v string) bool {
	for _, x := range verbs {
		if x == v {
			return true
		}
	}
	return false
}

// checkGate: with every Pod of the earlier roles Ready but one, and the controller having
// seen that, no later role may have a workload or a Pod, and the group is not Ready.
func (h *Harness) checkGate(ctx context.Context, st *groupState, later []*Role, hold *corev1.Pod, res *Results) {
	seen := h.waitStatusReflects(ctx, st)
	holdRole := st.g.RoleOf(hold)
	for _, r := range later {
		gate := st.g.Gate(r)
		blocked := false
		for _, d := range gate {
			blocked = blocked || (holdRole != nil && d == holdRole.Name)
		}
		if !blocked {
			continue
		}
		wl := h.roleWorkloads(ctx, st, r)
		pods, _ := h.groupPods(ctx, st, r)
		obj, _ := h.getGroup(ctx, st.obj, st.g.Namespace)
		groupReady := obj != nil && conditionTrue(obj, "Ready")
		var detail []string
		if len(wl) > 0 {
			detail = append(detail, "workload already exists: "+strings.Join(wl, ", "))
		}
		if len(pods) > 0 {
			detail = append(detail, "Pods already exist: "+strings.Join(podNames(pods), ", "))
		}
		if groupReady {
			detail = append(detail, "the group already reports Ready")
		}
		if seen != nil {
			detail = append(detail, "the controller never reported the Ready Pods: "+seen.Error())
		}
		res.Add(len(detail) == 0, "gate", detail, "role %s (%s): no workload, no Pod and group not Ready while Pod %s (%s) is not Ready and the rest of %s are",
			r.Name, r.Kind, hold.Name, roleName(holdRole), strings.Join(gate, ", "))
	}
}

func roleName(r *Role) string {
	if r == nil {
		return "?"
	}
	return r.Name
}

// settleGrace: how long the gate check waits after the workloads report the Ready Pods, for a
// controller that does not publish role status before a role's dependencies are met (v0.4
// returns early and requeues). Controllers react to a watched status change in milliseconds.
const settleGrace = 2 * time.Second

// waitStatusReflects waits until the controller has seen the Pods marked Ready, so that a check
// of what it did not create is made after it has reacted: either the group's
// status.roleStatuses count them, or the roles' workloads report them in status.readyReplicas
// (what the controller's dependency check reads) and settleGrace has passed since.
func (h *Harness) waitStatusReflects(ctx context.Context, st *groupState) error {
	var last string
	var workloadsSince time.Time
	err := wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		obj, err := h.getGroup(ctx, st.obj, st.g.Namespace)
		if err != nil {
			return false, nil
		}
		statuses, _, _ := unstructured.NestedSlice(obj.Object, "status", "roleStatuses")
		got := map[string]int64{}
		for _, s := range statuses {
			if m, ok := s.(map[string]any); ok {
				name, _, _ := unstructured.NestedString(m, "name")
				n, _, _ := unstructured.NestedInt64(m, "readyReplicas")
				got[name] = n
			}
		}
		wl := map[string]int64{}
		for role := range st.ready {
			wl[role] = h.workloadReady(ctx, st, st.g.byName[role])
		}
		last = fmt.Sprintf("group status.roleStatuses %v, workloads' status.readyReplicas %v", got, wl)
		groupSeen, workloadsSeen := true, true
		for role, n := range st.ready {
			// A leader/worker role counts ready instances, not Pods.
			want := int64(n)
			if r := st.g.byName[role]; r != nil && r.Size > 1 {
				want = int64(readyInstances(r, st.pods[role], st.readyUID))
			}
			groupSeen = groupSeen && got[role] == want
			workloadsSeen = workloadsSeen && wl[role] == want
		}
		if groupSeen {
			return true, nil
		}
		if !workloadsSeen {
			workloadsSince = time.Time{}
			return false, nil
		}
		if workloadsSince.IsZero() {
			workloadsSince = time.Now()
		}
		return time.Since(workloadsSince) >= settleGrace, nil
	})
	if err != nil {
		return fmt.Errorf("%s; Pods marked Ready %v", last, st.ready)
	}
	return nil
}

// workloadReady sums status.readyReplicas over the group's workloads of a role (-1: none).
func (h *Harness) workloadReady(ctx context.Context, st *groupState, r *Role) int64 {
	if r == nil {
		return -1
	}
	total, found := int64(0), false
	for _, w := range h.roleWorkloadObjects(ctx, st, r) {
		if n, ok, _ := unstructured.NestedInt64(w.Object, "status", "readyReplicas"); ok {
			total += n
			found = true
		}
	}
	if !found {
		return -1
	}
	return total
}

func (h *Harness) markAll(ctx context.Context, st *groupState, pods []*corev1.Pod, res *Results) bool {
	if err := h.markPods(ctx, st, pods); err != nil {
		return res.Fail("kubelet", errDetail(err), "write Ready status")
	}
	return true
}

// holdBack splits a level's Pods into those marked Ready before the gate check and those held
// back: the last Pod, with the other Pods of its instance when its role spans nodes.
func holdBack(g *Group, all []*corev1.Pod) (others, held []*corev1.Pod) {
	last := all[len(all)-1]
	r := g.RoleOf(last)
	lastLaunch, _ := launchOf(last)
	for _, p := range all {
		l, _ := launchOf(p)
		if p.UID == last.UID || (r != nil && r.Size > 1 && g.RoleOf(p) == r && l.DistInitAddr == lastLaunch.DistInitAddr) {
			held = append(held, p)
		} else {
			others = append(others, p)
		}
	}
	return others, held
}

// markPods writes Ready status for each Pod not marked yet and counts it for its role: first
// the status of every Pod (the controller may gate a Pod's readiness on its whole instance),
// then it waits for each to be Ready.
func (h *Harness) markPods(ctx context.Context, st *groupState, pods []*corev1.Pod) error {
	for _, p := range pods {
		if !st.readyUID[string(p.UID)] {
			if err := h.markReady(ctx, p, false); err != nil {
				return fmt.Errorf("write status of Pod %s: %w", p.Name, err)
			}
		}
	}
	for _, p := range pods {
		if st.readyUID[string(p.UID)] {
			continue
		}
		if err := h.markReady(ctx, p, true); err != nil {
			return fmt.Errorf("write Ready status of Pod %s: %w", p.Name, err)
		}
		if r := st.g.RoleOf(p); r != nil {
			st.ready[r.Name]++
		}
		st.readyUID[string(p.UID)] = true
	}
	return nil
}

// ipFor gives each Pod its own loopback address 127.0.1.1, 127.0.1.2, ...
func (h *Harness) ipFor(uid types.UID) string {
	if ip, ok := h.ips[uid]; ok {
		return ip
	}
	n := h.nextIP
	h.nextIP++
	ip := fmt.Sprintf("127.0.%d.%d", 1+n/250, 1+n%250)
	h.ips[uid] = ip
	return ip
}

// markReady plays the scheduler (binds the Pod to the Node) and then writes what a kubelet
// would once the containers run and pass their readiness probes: phase Running, a loopback
// pod IP, running container statuses, and the Ready condition (true only when every readiness
// gate's condition is true, as the kubelet computes it).
func (h *Harness) markReady(ctx context.Context, pod *corev1.Pod, untilReady bool) error {
	pods := h.P.Kube.CoreV1().Pods(pod.Namespace)
	if pod.Spec.NodeName == "" {
		err := pods.Bind(ctx, &corev1.Binding{
			ObjectMeta: metav1.ObjectMeta{Name: pod.Name, Namespace: pod.Namespace, UID: pod.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: NodeName},
		}, metav1.CreateOptions{})
		if err != nil && !apierrors.IsConflict(err) {
			return fmt.Errorf("bind Pod %s to Node %s: %w", pod.Name, NodeName, err)
		}
	}
	write := func(ctx context.Context) (bool, error) {
		ready := false
		err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
			cur, err := pods.Get(ctx, pod.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if cur.UID != pod.UID {
				return fmt.Errorf("Pod %s was replaced", pod.Name)
			}
			ip := h.ipFor(cur.UID)
			now := metav1.Now()
			s := cur.Status.DeepCopy()
			s.Phase = corev1.PodRunning
			s.PodIP = ip
			s.PodIPs = []corev1.PodIP{{IP: ip}}
			s.HostIP = "127.0.0.1"
			s.HostIPs = []corev1.HostIP{{IP: "127.0.0.1"}}
			if s.StartTime == nil {
				s.StartTime = &now
			}
			setCondition(s, corev1.PodScheduled, true, now)
			setCondition(s, corev1.PodInitialized, true, now)
			setCondition(s, corev1.ContainersReady, true, now)
			gates := true
			for _, g := range cur.Spec.ReadinessGates {
				gates = gates && hasCondition(s, g.ConditionType)
			}
			setCondition(s, corev1.PodReady, gates, now)
			started := true
			s.ContainerStatuses = nil
			for _, c := range cur.Spec.Containers {
				s.ContainerStatuses = append(s.ContainerStatuses, corev1.ContainerStatus{
					Name: c.Name, Image: c.Image, ImageID: "", Ready: true, Started: &started,
					ContainerID: "e2e://" + cur.Name + "/" + c.Name,
					State:       corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
				})
			}
			cur.Status = *s
			_, err = pods.UpdateStatus(ctx, cur, metav1.UpdateOptions{})
			ready = err == nil && gates
			return err
		})
		if err != nil && !apierrors.IsConflict(err) {
			return false, err
		}
		return ready, nil
	}
	if !untilReady {
		_, err := write(ctx)
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, h.Timeout, true, write)
}

func setCondition(s *corev1.PodStatus, t corev1.PodConditionType, v bool, now metav1.Time) {
	status := corev1.ConditionFalse
	if v {
		status = corev1.ConditionTrue
	}
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			if s.Conditions[i].Status != status {
				s.Conditions[i].Status = status
				s.Conditions[i].LastTransitionTime = now
			}
			return
		}
	}
	s.Conditions = append(s.Conditions, corev1.PodCondition{Type: t, Status: status, LastTransitionTime: now})
}

func hasCondition(s *corev1.PodStatus, t corev1.PodConditionType) bool {
	for _, c := range s.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func conditionTrue(u *unstructured.Unstructured, t string) bool {
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok && m["type"] == t && m["status"] == "True" {
			return true
		}
	}
	return false
}

func statusSummary(u *unstructured.Unstructured) string {
	if u == nil {
		return "(none)"
	}
	var parts []string
	conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
	for _, c := range conds {
		if m, ok := c.(map[string]any); ok {
			parts = append(parts, fmt.Sprintf("%v=%v (%v)", m["type"], m["status"], m["reason"]))
		}
	}
	rs, _, _ := unstructured.NestedSlice(u.Object, "status", "roleStatuses")
	for _, s := range rs {
		if m, ok := s.(map[string]any); ok {
			parts = append(parts, fmt.Sprintf("%v %v/%v ready", m["name"], m["readyReplicas"], m["replicas"]))
		}
	}
	return strings.Join(parts, "; ")
}

func errDetail(err error) []string {
	if err == nil {
		return nil
	}
	return []string{err.Error()}
}
