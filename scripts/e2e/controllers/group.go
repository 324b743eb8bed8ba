package main

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
)

// Role kinds, read from what the role's containers run (not from its name).
const (
	KindPrefill = "prefill"
	KindDecode  = "decode"
	KindRouter  = "router"
	KindOther   = "other"
)

// Role is one role of a RoleBasedGroup as the tree declares it.
type Role struct {
	Name           string
	Replicas       int
	Deps           []string
	Kind           string
	Template       corev1.PodTemplateSpec
	ScalingAdapter bool
	// Size is the number of Pods of one instance: 1, or the leader/worker size
	// (v1alpha2 `leaderWorkerPattern.size`, v1alpha1 `leaderWorkerSet.size`).
	Size int
	// Workload is the v1alpha1 `workload` (apiVersion, kind) when the role names one.
	WorkloadAPIVersion, WorkloadKind string
}

// Pods is how many Pods the controller must make for the role: replicas x instance size.
func (r *Role) Pods() int {
	return r.Replicas * r.Size
}

// Group is a RoleBasedGroup of a tree, with its roles.
type Group struct {
	Name, Namespace string
	Roles           []*Role
	byName          map[string]*Role
}

// ParseGroup reads the roles of a v1alpha1 (`template`) or v1alpha2 (`standalonePattern` /
// `leaderWorkerPattern`) RoleBasedGroup.
func ParseGroup(u *unstructured.Unstructured, ns string) (*Group, error) {
	g := &Group{Name: u.GetName(), Namespace: ns, byName: map[string]*Role{}}
	roles, _, err := unstructured.NestedSlice(u.Object, "spec", "roles")
	if err != nil {
		return nil, err
	}
	for i, raw := range roles {
		m, ok := raw.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("spec.roles[%d] is not an object", i)
		}
		r := &Role{Replicas: 1, Size: 1}
		r.Name, _, _ = unstructured.NestedString(m, "name")
		if n, found := nestedInt(m, "replicas"); found {
			r.Replicas = n
		}
		r.Deps, _, _ = unstructured.NestedStringSlice(m, "dependencies")
		r.ScalingAdapter, _, _ = unstructured.NestedBool(m, "scalingAdapter", "enable")
		for _, path := range [][]string{{"leaderWorkerPattern", "size"}, {"leaderWorkerSet", "size"}} {
			if n, found := nestedInt(m, path...); found && n > 0 {
				r.Size = n
			}
		}
		r.WorkloadAPIVersion, _, _ = unstructured.NestedString(m, "workload", "apiVersion")
		r.WorkloadKind, _, _ = unstructured.NestedString(m, "workload", "kind")
		var tmpl map[string]any
		for _, path := range [][]string{{"standalonePattern", "template"}, {"leaderWorkerPattern", "template"}, {"template"}} {
			if t, found, _ := unstructured.NestedMap(m, path...); found {
				tmpl = t
				break
			}
		}
		if tmpl == nil {
			return nil, fmt.Errorf("role %s has no pod template", r.Name)
		}
		if err := runtime.DefaultUnstructuredConverter.FromUnstructured(tmpl, &r.Template); err != nil {
			return nil, fmt.Errorf("role %s: template: %w", r.Name, err)
		}
		r.Kind = roleKind(r.Template.Spec.Containers)
		g.Roles = append(g.Roles, r)
		g.byName[r.Name] = r
	}
	for _, r := range g.Roles {
		for _, d := range r.Deps {
			if g.byName[d] == nil {
				return nil, fmt.Errorf("role %s depends on unknown role %s", r.Name, d)
			}
		}
	}
	return g, nil
}

// nestedInt reads a whole number from an object read from the API server (int64) or decoded
// from a manifest file (float64, as JSON numbers decode).
func nestedInt(m map[string]any, path ...string) (int, bool) {
	v, found, err := unstructured.NestedFieldNoCopy(m, path...)
	if !found || err != nil {
		return 0, false
	}
	switch n := v.(type) {
	case int64:
		return int(n), true
	case float64:
		if n == float64(int(n)) {
			return int(n), true
		}
	}
	return 0, false
}

func roleKind(cs []corev1.Container) string {
	for _, c := range cs {
		words := append(append([]string{}, c.Command...), c.Args...)
		for i, w := range words {
			if strings.Contains(w, "sglang_router") || w == "--pd-disaggregation" {
				return KindRouter
			}
			if w == "--disaggregation-mode" && i+1 < len(words) {
				switch words[i+1] {
				case "prefill":
					return KindPrefill
				case "decode":
					return KindDecode
				}
			}
		}
	}
	return KindOther
}

// Gate is the set of roles that must be fully Ready before role r may exist: its declared
// dependencies plus, for a router, every prefill and decode role (the router must not start
// before its workers: that is the wiring under test, whatever the tree declares).
func (g *Group) Gate(r *Role) []string {
	set := map[string]bool{}
	for _, d := range r.Deps {
		set[d] = true
	}
	if r.Kind == KindRouter {
		for _, o := range g.Roles {
			if o.Kind == KindPrefill || o.Kind == KindDecode {
				set[o.Name] = true
			}
		}
	}
	var out []string
	for _, o := range g.Roles { // keep spec order
		if set[o.Name] {
			out = append(out, o.Name)
		}
	}
	return out
}

// Levels orders the roles: level 0 has no gate, level n+1 is gated only on levels ≤ n.
func (g *Group) Levels() ([][]*Role, error) {
	level := map[string]int{}
	var visit func(r *Role, stack map[string]bool) (int, error)
	visit = func(r *Role, stack map[string]bool) (int, error) {
		if l, ok := level[r.Name]; ok {
			return l, nil
		}
		if stack[r.Name] {
			return 0, fmt.Errorf("dependency cycle through role %s", r.Name)
		}
		stack[r.Name] = true
		l := 0
		for _, d := range g.Gate(r) {
			dl, err := visit(g.byName[d], stack)
			if err != nil {
				return 0, err
			}
			if dl+1 > l {
				l = dl + 1
			}
		}
		delete(stack, r.Name)
		level[r.Name] = l
		return l, nil
	}
	max := 0
	for _, r := range g.Roles {
		l, err := visit(r, map[string]bool{})
		if err != nil {
			return nil, err
		}
		if l > max {
			max = l
		}
	}
	out := make([][]*Role, max+1)
	for _, r := range g.Roles {
		out[level[r.Name]] = append(out[level[r.Name]], r)
	}
	return out, nil
}

// Matches tells whether a pod (or any object's embedded container list) runs this role's
// containers: same names, images, commands and arguments. Controllers add env, labels and
// volumes, never arguments.
func (r *Role) Matches(cs []corev1.Container) bool {
	if len(cs) < len(r.Template.Spec.Containers) {
		return false
	}
	byName := map[string]corev1.Container{}
	for _, c := range cs {
		byName[c.Name] = c
	}
	for _, want := range r.Template.Spec.Containers {
		got, ok := byName[want.Name]
		if !ok || got.Image != want.Image || strings.Join(got.Command, "\x00") != strings.Join(want.Command, "\x00") || strings.Join(got.Args, "\x00") != strings.Join(want.Args, "\x00") {
			return false
		}
	}
	return true
}

// RoleOf returns the role whose containers a pod runs, or nil.
func (g *Group) RoleOf(pod *corev1.Pod) *Role {
	for _, r := range g.Roles {
		if r.Matches(pod.Spec.Containers) {
			return r
		}
	}
	return nil
}

// namedPort finds the container port of that name in a pod.
func namedPort(pod *corev1.Pod, name string) (int, bool) {
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return int(p.ContainerPort), true
			}
		}
	}
	return 0, false
}

func podNames(pods []*corev1.Pod) []string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	sort.Strings(out)
	return out
}

// embeddedContainers finds every `containers` list inside an object (a workload's pod
// template, wherever its kind keeps it).
func embeddedContainers(obj map[string]any) [][]corev1.Container {
	var out [][]corev1.Container
	var walk func(v any)
	walk = func(v any) {
		switch t := v.(type) {
		case map[string]any:
			for k, x := range t {
				if list, ok := x.([]any); ok && k == "containers" {
					var cs []corev1.Container
					for _, item := range list {
						if m, ok := item.(map[string]any); ok {
							var c corev1.Container
							if runtime.DefaultUnstructuredConverter.FromUnstructured(m, &c) == nil {
								cs = append(cs, c)
							}
						}
					}
					out = append(out, cs)
					continue
				}
				walk(x)
			}
		case []any:
			for _, x := range t {
				walk(x)
			}
		}
	}
	walk(obj)
	return out
}
