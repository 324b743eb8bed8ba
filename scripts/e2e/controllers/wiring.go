package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
)

const bootstrapAnnotation = "sglang.ai/bootstrap-port"

// routerContainer is the container whose arguments configure the PD router.
func routerContainer(pod *corev1.Pod) (*corev1.Container, bool) {
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		if roleKind([]corev1.Container{*c}) == KindRouter {
			return c, true
		}
	}
	return nil, false
}

// containerEnv resolves the env a kubelet would give the container, as far as `$(VAR)` in
// arguments needs: literal values and the downward-API fields a Pod knows before it runs.
func containerEnv(pod *corev1.Pod, c *corev1.Container) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = ExpandVars(e.Value, env)
		case e.ValueFrom.FieldRef != nil:
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.namespace":
				env[e.Name] = pod.Namespace
			case "metadata.name":
				env[e.Name] = pod.Name
			case "spec.serviceAccountName":
				env[e.Name] = pod.Spec.ServiceAccountName
			case "status.podIP":
				env[e.Name] = pod.Status.PodIP
			default:
				// metadata.labels['key'] and metadata.annotations['key'], as the controllers use
				// them for the instance name and the worker index of a leader/worker Pod.
				for prefix, m := range map[string]map[string]string{"metadata.labels": pod.Labels, "metadata.annotations": pod.Annotations} {
					path := e.ValueFrom.FieldRef.FieldPath
					if strings.HasPrefix(path, prefix+"['") && strings.HasSuffix(path, "']") {
						env[e.Name] = m[strings.TrimSuffix(strings.TrimPrefix(path, prefix+"['"), "']")]
					}
				}
			}
		}
	}
	return env
}

func (h *Harness) checkRouter(ctx context.Context, st *groupState, router *corev1.Pod, res *Results) {
	cur, err := h.P.Kube.CoreV1().Pods(router.Namespace).Get(ctx, router.Name, metav1.GetOptions{})
	if err != nil {
		res.Fail("router", errDetail(err), "read router Pod %s", router.Name)
		return
	}
	c, ok := routerContainer(cur)
	if !ok {
		res.Fail("router", nil, "router Pod %s has a container running the PD router", cur.Name)
		return
	}
	env := containerEnv(cur, c)
	args := make([]string, 0, len(c.Args))
	for _, a := range append(append([]string{}, c.Command...), c.Args...) {
		args = append(args, ExpandVars(a, env))
	}
	cfg := ParseRouterArgs(args)
	if !res.Add(cfg.PD, "router", nil, "router Pod %s runs with --pd-disaggregation", cur.Name) {
		return
	}
	byKind := map[string][]*corev1.Pod{}
	for _, r := range st.g.Roles {
		var pods []*corev1.Pod
		for _, p := range st.pods[r.Name] {
			fresh, err := h.P.Kube.CoreV1().Pods(p.Namespace).Get(ctx, p.Name, metav1.GetOptions{})
			if err == nil {
				p = fresh
			}
			pods = append(pods, p)
		}
		// Only the leaders of a multi-node role serve the API: the router must name them alone.
		byKind[r.Kind] = append(byKind[r.Kind], servingPods(r, pods)...)
	}
	if len(cfg.Prefill)+len(cfg.Decode) > 0 {
		h.checkStatic(ctx, cur, cfg, byKind, res)
	}
	if cfg.Discovery {
		h.checkDiscovery(ctx, cur, cfg, byKind, res)
	}
	if len(cfg.Prefill)+len(cfg.Decode) == 0 && !cfg.Discovery {
		res.Fail("router", []string{strings.Join(args, " ")}, "router Pod %s names its workers (static URLs or --service-discovery)", cur.Name)
	}
}

// checkStatic: every URL names exactly one Pod of the right kind through headless DNS.
func (h *Harness) checkStatic(ctx context.Context, router *corev1.Pod, cfg RouterConfig, byKind map[string][]*corev1.Pod, res *Results) {
	named := map[string][]string{} // kind -> pod names referenced
	for _, e := range append(append([]Endpoint{}, cfg.Prefill...), cfg.Decode...) {
		want := KindDecode
		if e.Flag == "--prefill" {
			want = KindPrefill
		}
		if e.Err != nil {
			res.Fail("static-url", errDetail(e.Err), "%s %s names a Pod", e.Flag, e.URL)
			continue
		}
		ns := e.Namespace
		if ns == "" {
			ns = router.Namespace
		}
		pod, detail := h.podByHostname(ctx, ns, e.Host, e.Subdomain)
		if pod == nil {
			res.Fail("static-url", detail, "%s %s names a Pod (hostname %s, subdomain %s)", e.Flag, e.URL, e.Host, e.Subdomain)
			continue
		}
		isWanted := false
		for _, p := range byKind[want] {
			isWanted = isWanted || p.UID == pod.UID
		}
		named[want] = append(named[want], pod.Name)
		if !res.Add(isWanted, "static-url", []string{"it is not one of the " + want + " Pods the controller made that serve requests (every Pod, or the rank-0 Pod of each multi-node instance): " + strings.Join(podNames(byKind[want]), ", ")},
			"%s %s names Pod %s (hostname %s, subdomain %s), a %s Pod of the group", e.Flag, e.URL, pod.Name, e.Host, e.Subdomain, want) {
			continue
		}

		h.checkHeadlessDNS(ctx, e.URL, ns, e.Subdomain, e.Host, pod, res)

		httpPort, ok := namedPort(pod, "http")
		res.Add(ok && httpPort == e.Port, "port-http", []string{fmt.Sprintf("Pod %s: container port named http = %d (found: %v)", pod.Name, httpPort, ok)},
			"%s: port %d is Pod %s's container port named http", e.URL, e.Port, pod.Name)

		if want == KindPrefill {
			bp, ok := namedPort(pod, "bootstrap")
			n, err := strconv.Atoi(e.Bootstrap)
			res.Add(ok && err == nil && n == bp, "bootstrap-port", []string{fmt.Sprintf("URL bootstrap %q, Pod %s container port named bootstrap = %d (found: %v)", e.Bootstrap, pod.Name, bp, ok)},
				"%s carries bootstrap port %s, Pod %s's container port named bootstrap", e.URL, e.Bootstrap, pod.Name)
		}
	}
	// Every prefill and decode Pod is named once: none forgotten, none twice.
	for _, kind := range []string{KindPrefill, KindDecode} {
		got := append([]string{}, named[kind]...)
		sort.Strings(got)
		want := podNames(byKind[kind])
		res.Add(strings.Join(got, ",") == strings.Join(want, ","), "url-coverage", []string{fmt.Sprintf("URLs name %v, the controller made %v", got, want)},
			"the router's --%s URLs name each of the %d %s Pods exactly once", kind, len(want), kind)
	}
}

// podByHostname finds the one Pod of namespace ns with spec.hostname host and spec.subdomain
// sub (what headless-Service DNS resolves `<host>.<sub>` to); nil and the reason otherwise.
func (h *Harness) podByHostname(ctx context.Context, ns, host, sub string) (*corev1.Pod, []string) {
	pods, err := h.P.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, errDetail(err)
	}
	var match []*corev1.Pod
	var seen []string
	for i := range pods.Items {
		p := &pods.Items[i]
		if p.Spec.Hostname != "" {
			seen = append(seen, fmt.Sprintf("Pod %s: hostname %q, subdomain %q", p.Name, p.Spec.Hostname, p.Spec.Subdomain))
		}
		if p.Spec.Hostname == host && p.Spec.Subdomain == sub {
			match = append(match, p)
		}
	}
	if len(match) != 1 {
		sort.Strings(seen)
		return nil, append([]string{fmt.Sprintf("%d Pods in namespace %s have hostname %q and subdomain %q; Pods with a hostname there:", len(match), ns, host, sub)}, seen...)
	}
	return match[0], nil
}

// checkHeadlessDNS: the headless Service <sub> selects the Pod, and its EndpointSlices carry a
// ready endpoint with hostname <host> for it (what cluster DNS answers for <host>.<sub>).
func (h *Harness) checkHeadlessDNS(ctx context.Context, what, ns, sub, host string, pod *corev1.Pod, res *Results) {
	svc, err := h.P.Kube.CoreV1().Services(ns).Get(ctx, sub, metav1.GetOptions{})
	if err != nil {
		svc = nil
	}
	var detail []string
	switch {
	case err != nil:
		detail = append(detail, err.Error())
	default:
		if svc.Spec.ClusterIP != corev1.ClusterIPNone {
			detail = append(detail, fmt.Sprintf("Service %s is not headless (clusterIP %q)", svc.Name, svc.Spec.ClusterIP))
		}
		if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
			detail = append(detail, fmt.Sprintf("its selector %v does not select Pod %s (labels %v)", svc.Spec.Selector, pod.Name, pod.Labels))
		}
	}
	res.Add(len(detail) == 0, "headless-service", detail, "%s: headless Service %s/%s selects Pod %s", what, ns, sub, pod.Name)
	if svc == nil {
		return
	}
	record, detail := "", []string(nil)
	slices, err := h.computeSlices(ctx, svc)
	if err != nil {
		detail = append(detail, err.Error())
	}
	for _, s := range slices {
		for _, ep := range s.Endpoints {
			if ep.TargetRef != nil && ep.TargetRef.UID == pod.UID && ep.Hostname != nil && *ep.Hostname == host && len(ep.Addresses) > 0 && (ep.Conditions.Ready == nil || *ep.Conditions.Ready) {
				record = ep.Addresses[0]
			}
		}
	}
	if record == "" {
		detail = append(detail, "endpoints: "+describeSlices(slices))
	}
	res.Add(record != "", "dns-record", detail,
		"%s resolves: the EndpointSlice of Service %s has a ready endpoint with hostname %s -> Pod %s (%s)", what, sub, host, pod.Name, record)
}

// checkDiscovery: the selectors find exactly the Pods the controller made, the port and the
// bootstrap annotation are right, and the router may watch the Pods.
func (h *Harness) checkDiscovery(ctx context.Context, router *corev1.Pod, cfg RouterConfig, byKind map[string][]*corev1.Pod, res *Results) {
	ns := cfg.DiscoveryNamespace
	if !res.Add(!strings.Contains(ns, "$("), "discovery-namespace", []string{"unresolved variable in " + ns},
		"--service-discovery-namespace %q resolves in Pod %s", ns, router.Name) {
		return
	}
	for _, side := range []struct {
		kind, flag string
		has        bool
		sel        []string
	}{{KindPrefill, "--prefill-selector", cfg.HasPrefillSelector, cfg.PrefillSelector}, {KindDecode, "--decode-selector", cfg.HasDecodeSelector, cfg.DecodeSelector}} {
		check := side.kind + "-selector"
		if !side.has || len(side.sel) == 0 {
			res.Fail(check, nil, "router has %s", side.flag)
			continue
		}
		set := labels.Set{}
		var bad []string
		for _, kv := range side.sel {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				bad = append(bad, kv)
				continue
			}
			set[k] = v
		}
		if len(bad) > 0 {
			res.Fail(check, bad, "%s values are key=value", side.flag)
			continue
		}
		list, err := h.P.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: labels.SelectorFromSet(set).String()})
		if err != nil {
			res.Fail(check, errDetail(err), "list Pods with %s", side.flag)
			continue
		}
		var got []*corev1.Pod
		for i := range list.Items {
			got = append(got, &list.Items[i])
		}
		want := podNames(byKind[side.kind])
		gotNames := podNames(got)
		where := ns
		if where == "" {
			where = "all namespaces"
		}
		res.Add(strings.Join(gotNames, ",") == strings.Join(want, ","), check, []string{fmt.Sprintf("selector matches %v, the controller made the %s Pods %v", gotNames, side.kind, want)},
			"%s %s matches exactly the %d %s Pods the controller made in %s (%s)", side.flag, strings.Join(side.sel, " "), len(want), side.kind, where, strings.Join(want, ", "))
	}

	var detail []string
	for _, kind := range []string{KindPrefill, KindDecode} {
		for _, p := range byKind[kind] {
			if port, ok := namedPort(p, "http"); !ok || strconv.Itoa(port) != cfg.DiscoveryPort {
				detail = append(detail, fmt.Sprintf("Pod %s: container port named http %d (found: %v)", p.Name, port, ok))
			}
		}
	}
	res.Add(len(detail) == 0, "discovery-port", detail, "--service-discovery-port %s is the http container port of every prefill and decode Pod", cfg.DiscoveryPort)

	detail = nil
	for _, p := range byKind[KindPrefill] {
		bp, ok := namedPort(p, "bootstrap")
		if got := p.Annotations[bootstrapAnnotation]; !ok || got != strconv.Itoa(bp) {
			detail = append(detail, fmt.Sprintf("Pod %s: annotation %q, container port named bootstrap %d (found: %v)", p.Name, got, bp, ok))
		}
	}
	res.Add(len(detail) == 0 && len(byKind[KindPrefill]) > 0, "bootstrap-annotation", detail, "annotation %s on every prefill Pod equals its bootstrap container port", bootstrapAnnotation)

	sa := router.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	user := fmt.Sprintf("system:serviceaccount:%s:%s", router.Namespace, sa)
	detail = nil
	for _, verb := range []string{"get", "list", "watch"} {
		args := []string{"auth", "can-i", verb, "pods", "--as=" + user}
		if ns == "" {
			args = append(args, "--all-namespaces")
		} else {
			args = append(args, "-n", ns)
		}
		out, err := h.P.Kubectl(ctx, args...)
		if out != "yes" {
			detail = append(detail, fmt.Sprintf("kubectl %s: %s (%v)", strings.Join(args, " "), out, err))
		}
	}
	res.Add(len(detail) == 0, "rbac", detail, "kubectl auth can-i get/list/watch pods --as=%s in %s: yes", user, ns)
}

// describeSlices prints endpoints as "pod (hostname h, ready r)" for failure messages.
func describeSlices(slices []discoveryv1.EndpointSlice) string {
	var parts []string
	for _, s := range slices {
		for _, ep := range s.Endpoints {
			name, host, ready := "?", "", "?"
			if ep.TargetRef != nil {
				name = ep.TargetRef.Name
			}
			if ep.Hostname != nil {
				host = *ep.Hostname
			}
			if ep.Conditions.Ready != nil {
				ready = strconv.FormatBool(*ep.Conditions.Ready)
			}
			parts = append(parts, fmt.Sprintf("%s (hostname %q, ready %s, %v)", name, host, ready, ep.Addresses))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// checkClientServices: every ClusterIP Service with a selector that the tree emits is the
// clients' way in, so its EndpointSlices must list exactly the Ready router Pods, on their
// target port.
func (h *Harness) checkClientServices(ctx context.Context, t *Tree, st *groupState, routers []*corev1.Pod, res *Results) {
	found := false
	for _, o := range t.Objects {
		if o.GetKind() != "Service" || o.GetAPIVersion() != "v1" {
			continue
		}
		var svc corev1.Service
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, &svc); err != nil {
			res.Fail("client-service", errDetail(err), "read Service %s", o.GetName())
			continue
		}
		ns, _, _ := h.P.namespaceOf(o)
		if ns != st.g.Namespace || len(svc.Spec.Selector) == 0 || svc.Spec.ClusterIP == corev1.ClusterIPNone {
			continue
		}
		found = true
		live, err := h.P.Kube.CoreV1().Services(ns).Get(ctx, svc.Name, metav1.GetOptions{})
		if err != nil {
			res.Fail("client-service", errDetail(err), "read Service %s/%s", ns, svc.Name)
			continue
		}
		want := podNames(routers)
		slices, err := h.computeSlices(ctx, live)
		var got []string
		ports := map[string]int32{}
		for _, s := range slices {
			for _, ep := range s.Endpoints {
				if ep.TargetRef != nil && (ep.Conditions.Ready == nil || *ep.Conditions.Ready) {
					got = append(got, ep.TargetRef.Name)
				}
			}
			for _, p := range s.Ports {
				if p.Port != nil {
					name := ""
					if p.Name != nil {
						name = *p.Name
					}
					ports[name] = *p.Port
				}
			}
		}
		sort.Strings(got)
		detail := []string{fmt.Sprintf("ready endpoints %v, router Pods %v; endpoints: %s", got, want, describeSlices(slices))}
		if err != nil {
			detail = append(detail, err.Error())
		}
		if !res.Add(err == nil && strings.Join(got, ",") == strings.Join(want, ","), "client-service", detail,
			"Service %s: its EndpointSlices list exactly the Ready router Pods (%s)", svc.Name, strings.Join(want, ", ")) {
			continue
		}
		svc = *live
		detail = nil
		for _, sp := range svc.Spec.Ports {
			target := targetPort(routers[0], sp.TargetPort, sp.Port)
			if got, ok := ports[sp.Name]; !ok || got != target {
				detail = append(detail, fmt.Sprintf("port %q: EndpointSlice port %d (present: %v), router Pod container port %d", sp.Name, got, ok, target))
			}
		}
		res.Add(len(detail) == 0, "client-service-port", detail, "Service %s: every port reaches the router Pods' container port", svc.Name)
	}
	if !found {
		res.Fail("client-service", nil, "the tree has a ClusterIP Service with a selector for clients of group %s", st.g.Name)
	}
}

func targetPort(pod *corev1.Pod, tp intstr.IntOrString, port int32) int32 {
	switch {
	case tp.Type == intstr.String && tp.StrVal != "":
		p, _ := namedPort(pod, tp.StrVal)
		return int32(p)
	case tp.IntVal != 0:
		return tp.IntVal
	default:
		return port
	}
}

// checkScaling: for every HorizontalPodAutoscaler of the tree that targets a
// RoleBasedGroupScalingAdapter, the controller has made an adapter of that name for a role of
// this group; and every role that enables an adapter gets one.
func (h *Harness) checkScaling(ctx context.Context, t *Tree, st *groupState, res *Results) {
	adapterGVK := st.obj.GroupVersionKind()
	adapterGVK.Kind = "RoleBasedGroupScalingAdapter"
	m, err := h.P.mapping(adapterGVK)
	if err != nil {
		m = nil
	}
	list := func(ctx context.Context) []unstructured.Unstructured {
		if m == nil {
			return nil
		}
		l, err := h.P.Dyn.Resource(m.Resource).Namespace(st.g.Namespace).List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil
		}
		return l.Items
	}
	adapterFor := func(items []unstructured.Unstructured, role string) string {
		for _, it := range items {
			g, _, _ := unstructured.NestedString(it.Object, "spec", "scaleTargetRef", "name")
			r, _, _ := unstructured.NestedString(it.Object, "spec", "scaleTargetRef", "role")
			if g == st.g.Name && r == role {
				return it.GetName()
			}
		}
		return ""
	}
	for _, r := range st.g.Roles {
		if !r.ScalingAdapter {
			continue
		}
		var name string
		_ = wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, h.Timeout, true, func(ctx context.Context) (bool, error) {
			name = adapterFor(list(ctx), r.Name)
			return name != "", nil
		})
		res.Add(name != "", "scaling-adapter", nil, "role %s: the controller made RoleBasedGroupScalingAdapter %s", r.Name, name)
	}
	for _, o := range t.Objects {
		if o.GetKind() != "HorizontalPodAutoscaler" {
			continue
		}
		kind, _, _ := unstructured.NestedString(o.Object, "spec", "scaleTargetRef", "kind")
		name, _, _ := unstructured.NestedString(o.Object, "spec", "scaleTargetRef", "name")
		if kind != "RoleBasedGroupScalingAdapter" {
			continue
		}
		var found *unstructured.Unstructured
		lookup := func(ctx context.Context) (bool, error) {
			for _, it := range list(ctx) {
				if it.GetName() == name {
					found = it.DeepCopy()
					return true, nil
				}
			}
			return false, nil
		}
		// Once the controller has made the adapters of the roles that enable one (waited for
		// above), the name is either there or not; otherwise give it the usual time.
		if len(list(ctx)) > 0 {
			_, _ = lookup(ctx)
		} else {
			_ = wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, h.Timeout, true, lookup)
		}
		var names []string
		for _, it := range list(ctx) {
			names = append(names, it.GetName())
		}
		res.Add(found != nil, "scaling-adapter", []string{"adapters made by the controller: " + strings.Join(names, ", ")},
			"HorizontalPodAutoscaler %s targets RoleBasedGroupScalingAdapter %s, which the controller made", o.GetName(), name)
	}
}
