package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// SelfTest runs a deliberately broken tree through the same checks and passes only when the
// checks it names fail: proof that the suite can fail, against the real controller.
type SelfTest struct {
	Name   string
	Base   *Tree
	Mutate func(*Tree) error // nil: the tree is applied as it is (to the wrong release)
	Expect []string          // check identifiers that must fail
	// Control, instead of Expect: the tree is correct, nothing may fail, and every check in
	// MustPass ran (proof that the broken variant fails for its break alone).
	Control  bool
	MustPass []string
	// Timeout replaces the harness's wait when the expected failure is that something never
	// appears (a shorter wait cannot turn a caught mismatch into a missed one).
	Timeout time.Duration
}

func (h *Harness) RunSelfTest(ctx context.Context, st SelfTest) Result {
	t := st.Base.Copy(st.Base.Name + " (" + st.Name + ")")
	if st.Mutate != nil {
		if err := st.Mutate(t); err != nil {
			return Result{OK: false, Check: "self-test", Msg: "self-test " + st.Name + ": prepare the broken tree", Detail: errDetail(err)}
		}
	}
	if st.Timeout > 0 {
		saved := h.Timeout
		h.Timeout = st.Timeout
		defer func() { h.Timeout = saved }()
	}
	res := h.RunTree(ctx, t)
	failed := res.Failed()
	if st.Control {
		ran := map[string]bool{}
		for _, x := range res.list {
			ran[x.Check] = ran[x.Check] || x.OK
		}
		var missing []string
		for _, c := range st.MustPass {
			if !ran[c] {
				missing = append(missing, c)
			}
		}
		ok := len(failed) == 0 && len(missing) == 0
		r := Result{OK: ok, Check: "self-test", Msg: fmt.Sprintf("self-test %s: %s passes all %d checks, including %s", st.Name, t.Name, len(res.list), strings.Join(st.MustPass, ", "))}
		if !ok {
			r.Detail = append(r.Detail, fmt.Sprintf("failed: [%s], never passed: [%s]", strings.Join(failed, ", "), strings.Join(missing, ", ")))
			for _, x := range res.list {
				if !x.OK {
					r.Detail = append(r.Detail, "  FAIL  "+x.Msg)
					r.Detail = append(r.Detail, x.Detail...)
				}
			}
		}
		return r
	}
	has := map[string]bool{}
	for _, f := range failed {
		has[f] = true
	}
	var missing []string
	for _, e := range st.Expect {
		if !has[e] {
			missing = append(missing, e)
		}
	}
	nFailed, first := 0, ""
	for _, x := range res.list {
		if !x.OK {
			nFailed++
			if first == "" && x.Check == st.Expect[0] {
				first = x.Msg
			}
		}
	}
	msg := fmt.Sprintf("self-test %s: %s is caught: %d of %d checks failed (%s), as expected %s; first: %q",
		st.Name, t.Name, nFailed, len(res.list), strings.Join(failed, ", "), strings.Join(st.Expect, ", "), first)
	if len(missing) == 0 {
		return Result{OK: true, Check: "self-test", Msg: msg}
	}
	detail := []string{fmt.Sprintf("expected check(s) %s to fail; failed: [%s]. The run:", strings.Join(missing, ", "), strings.Join(failed, ", "))}
	for _, x := range res.list {
		tag := "ok   "
		if !x.OK {
			tag = "FAIL "
		}
		detail = append(detail, "  "+tag+" "+x.Msg)
	}
	return Result{OK: false, Check: "self-test", Msg: fmt.Sprintf("self-test %s: %s is caught by check(s) %s", st.Name, st.Base.Name, strings.Join(st.Expect, ", ")), Detail: detail}
}

// routerMode tells whether a tree's router uses static URLs ("static") or Kubernetes
// discovery ("kubernetes").
func routerMode(t *Tree) string {
	for _, g := range t.Groups {
		grp, err := ParseGroup(g, "")
		if err != nil {
			continue
		}
		for _, r := range grp.Roles {
			if r.Kind != KindRouter {
				continue
			}
			for _, c := range r.Template.Spec.Containers {
				for _, a := range c.Args {
					if a == "--service-discovery" {
						return "kubernetes"
					}
				}
			}
			return "static"
		}
	}
	return ""
}

// editRouterRole applies f to the router role (as a map) of every group of the tree.
func editRouterRole(t *Tree, f func(role map[string]any, containers []any) error) error {
	return editRoles(t, "router", func(args []string) bool { return strings.Contains(strings.Join(args, " "), "--pd-disaggregation") }, f)
}

// editRoles applies f to every role (as a map) of every group whose containers' arguments
// satisfy is; what names the roles in the error when there is none.
func editRoles(t *Tree, what string, is func(args []string) bool, f func(role map[string]any, containers []any) error) error {
	edited := 0
	for _, g := range t.Groups {
		roles, _, err := unstructured.NestedSlice(g.Object, "spec", "roles")
		if err != nil {
			return err
		}
		for i, raw := range roles {
			role, _ := raw.(map[string]any)
			var path []string
			for _, p := range [][]string{{"standalonePattern", "template", "spec", "containers"}, {"leaderWorkerPattern", "template", "spec", "containers"}, {"template", "spec", "containers"}} {
				if _, found, _ := unstructured.NestedSlice(role, p...); found {
					path = p
					break
				}
			}
			if path == nil {
				continue
			}
			containers, _, _ := unstructured.NestedSlice(role, path...)
			matches := false
			for _, c := range containers {
				if m, ok := c.(map[string]any); ok {
					args, _, _ := unstructured.NestedStringSlice(m, "args")
					matches = matches || is(args)
				}
			}
			if !matches {
				continue
			}
			if err := f(role, containers); err != nil {
				return err
			}
			if err := unstructured.SetNestedSlice(role, containers, path...); err != nil {
				return err
			}
			roles[i] = role
			edited++
		}
		if err := unstructured.SetNestedSlice(g.Object, roles, "spec", "roles"); err != nil {
			return err
		}
	}
	if edited == 0 {
		return fmt.Errorf("no %s role found", what)
	}
	return nil
}

// typoPrefillSelector drops the last letter of the last `--prefill-selector` value
// (role-name=prefill becomes role-name=prefil).
func typoPrefillSelector(t *Tree) error {
	done := false
	err := editRouterRole(t, func(_ map[string]any, containers []any) error {
		for _, c := range containers {
			m, _ := c.(map[string]any)
			args, _, _ := unstructured.NestedStringSlice(m, "args")
			last := -1
			for i := 0; i < len(args); i++ {
				if args[i] == "--prefill-selector" {
					for j := i + 1; j < len(args) && !strings.HasPrefix(args[j], "--"); j++ {
						last = j
					}
				}
			}
			if last < 0 {
				continue
			}
			args[last] = args[last][:len(args[last])-1]
			if err := unstructured.SetNestedStringSlice(m, args, "args"); err != nil {
				return err
			}
			done = true
		}
		return nil
	})
	if err == nil && !done {
		err = fmt.Errorf("no --prefill-selector in the router's arguments")
	}
	return err
}

// typoDistInitAddr gives the prefill Pods a leader address that names no Pod: `$(VAR):port`
// becomes `$(VAR)x:port` in `--dist-init-addr`.
func typoDistInitAddr(t *Tree) error {
	isPrefill := func(args []string) bool {
		return strings.Contains(strings.Join(args, " "), "--disaggregation-mode prefill")
	}
	done := false
	err := editRoles(t, "prefill", isPrefill, func(_ map[string]any, containers []any) error {
		for _, c := range containers {
			m, _ := c.(map[string]any)
			args, _, _ := unstructured.NestedStringSlice(m, "args")
			for i := 0; i+1 < len(args); i++ {
				if args[i] == "--dist-init-addr" && strings.Contains(args[i+1], "):") {
					args[i+1] = strings.Replace(args[i+1], "):", ")x:", 1)
					done = true
				}
			}
			if err := unstructured.SetNestedStringSlice(m, args, "args"); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil && !done {
		err = fmt.Errorf("no --dist-init-addr $(VAR):port in the prefill arguments")
	}
	return err
}

// dropCoordination removes `spec.coordination` from every group (the tree may have none).
func dropCoordination(t *Tree) error {
	for _, g := range t.Groups {
		unstructured.RemoveNestedField(g.Object, "spec", "coordination")
	}
	return nil
}

// multiNode tells whether a tree has a leader/worker role.
func multiNode(t *Tree) bool {
	for _, g := range t.Groups {
		grp, err := ParseGroup(g, "")
		if err != nil {
			continue
		}
		for _, r := range grp.Roles {
			if r.Size > 1 {
				return true
			}
		}
	}
	return false
}

// dropRouterDependencies removes the router role's `dependencies`.
func dropRouterDependencies(t *Tree) error {
	return editRouterRole(t, func(role map[string]any, _ []any) error {
		if _, ok := role["dependencies"]; !ok {
			return fmt.Errorf("the router role has no dependencies to drop")
		}
		delete(role, "dependencies")
		return nil
	})
}

// withScalingAdapter enables the scaling adapter of the decode role and adds a
// HorizontalPodAutoscaler targeting the adapter `<group>-<role>` (+ suffix), as a tree using
// autoscaling would.
func withScalingAdapter(suffix string) func(*Tree) error {
	return func(t *Tree) error {
		for _, g := range t.Groups {
			grp, err := ParseGroup(g, "")
			if err != nil {
				return err
			}
			roles, _, _ := unstructured.NestedSlice(g.Object, "spec", "roles")
			target := ""
			for i, r := range grp.Roles {
				if r.Kind != KindDecode {
					continue
				}
				m := roles[i].(map[string]any)
				m["scalingAdapter"] = map[string]any{"enable": true}
				target = r.Name
			}
			if target == "" {
				return fmt.Errorf("group %s has no decode role", g.GetName())
			}
			if err := unstructured.SetNestedSlice(g.Object, roles, "spec", "roles"); err != nil {
				return err
			}
			hpa := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "autoscaling/v2",
				"kind":       "HorizontalPodAutoscaler",
				"metadata":   map[string]any{"name": g.GetName() + "-" + target},
				"spec": map[string]any{
					"scaleTargetRef": map[string]any{"apiVersion": g.GetAPIVersion(), "kind": "RoleBasedGroupScalingAdapter", "name": g.GetName() + "-" + target + suffix},
					"minReplicas":    int64(1),
					"maxReplicas":    int64(4),
					"metrics": []any{map[string]any{"type": "Resource", "resource": map[string]any{
						"name": "cpu", "target": map[string]any{"type": "Utilization", "averageUtilization": int64(80)}}}},
				},
			}}
			if ns := g.GetNamespace(); ns != "" {
				hpa.SetNamespace(ns)
			}
			t.Objects = append(t.Objects, hpa)
		}
		return nil
	}
}

// SelfTests for one release, built from the trees at hand.
func SelfTests(release string, trees []*Tree) ([]SelfTest, []string) {
	find := func(target, mode string, multi bool) *Tree {
		for _, t := range trees {
			if t.Target == target && routerMode(t) == mode && multiNode(t) == multi {
				return t
			}
		}
		return nil
	}
	// A group written for another release: v0.4 and v0.6 accept each other's v1alpha1 but name
	// the headless Services differently, so the static URLs must not resolve; v0.7 cannot turn a
	// v1alpha1 group into workloads at all without its conversion webhook, so no Pod appears.
	other := map[string]string{"v0.4": "v0.6", "v0.6": "v0.4", "v0.7": "v0.4"}[release]
	var out []SelfTest
	var missing []string
	if t := find(other, "static", false); t != nil {
		switch release {
		case "v0.7":
			out = append(out, SelfTest{Name: "wrong-release", Base: t, Expect: []string{"pods"}, Timeout: 20 * time.Second})
		case "v0.4":
			// v0.4's CRD has no spec.coordination (lockstep rollout of a v0.6 tree): without it the
			// tree applies, and only the Service naming differs.
			out = append(out, SelfTest{Name: "wrong-release", Base: t, Mutate: dropCoordination, Expect: []string{"static-url"}})
		default:
			out = append(out, SelfTest{Name: "wrong-release", Base: t, Expect: []string{"static-url"}})
		}
	} else {
		missing = append(missing, fmt.Sprintf("a static-router tree targeting %s (to apply to the %s controller)", other, release))
	}
	if t := find(release, "kubernetes", false); t != nil {
		out = append(out, SelfTest{Name: "selector-typo", Base: t, Mutate: typoPrefillSelector, Expect: []string{"prefill-selector"}})
	} else {
		missing = append(missing, "a Kubernetes-discovery tree targeting "+release)
	}
	if t := find(release, "static", false); t != nil {
		out = append(out,
			SelfTest{Name: "no-dependencies", Base: t, Mutate: dropRouterDependencies, Expect: []string{"gate"}},
			SelfTest{Name: "scaling-adapter", Base: t, Mutate: withScalingAdapter(""), Control: true, MustPass: []string{"scaling-adapter"}},
			SelfTest{Name: "scaling-adapter-typo", Base: t, Mutate: withScalingAdapter("x"), Expect: []string{"scaling-adapter"}},
		)
	} else {
		missing = append(missing, "a static-router tree targeting "+release)
	}
	// The leader address must name the instance's rank-0 Pod (v0.4 runs no leader/worker role here).
	if release != "v0.4" {
		if t := find(release, "static", true); t != nil {
			out = append(out, SelfTest{Name: "dist-init-typo", Base: t, Mutate: typoDistInitAddr, Expect: []string{"dist-init-addr"}})
		} else {
			missing = append(missing, "a multi-node static-router tree targeting "+release)
		}
	}
	return out, missing
}
