package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

const rbgGroup = "workloads.x-k8s.io"

// Tree is one synthesized manifest directory (dist/, dist/examples/<name>/, a generated tree).
type Tree struct {
	Dir     string
	Name    string // as printed
	Objects []*unstructured.Unstructured
	Groups  []*unstructured.Unstructured // the RoleBasedGroups among Objects
	Target  string                       // value of the `.../rbg-target` annotation: v0.4, v0.6, v0.7
}

// LoadTree reads every .yaml/.yml/.json file of dir (not recursively), all documents.
func LoadTree(dir, name string) (*Tree, error) {
	t := &Tree{Dir: dir, Name: name}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, e := range entries {
		if ext := filepath.Ext(e.Name()); !e.IsDir() && (ext == ".yaml" || ext == ".yml" || ext == ".json") {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(files)
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(b), 4096)
		for {
			var m map[string]any
			if err := dec.Decode(&m); err != nil {
				if errors.Is(err, io.EOF) {
					break
				}
				return nil, fmt.Errorf("%s: %w", f, err)
			}
			if len(m) == 0 {
				continue
			}
			u := &unstructured.Unstructured{Object: m}
			t.Objects = append(t.Objects, u)
			if u.GroupVersionKind().Group == rbgGroup && u.GetKind() == "RoleBasedGroup" {
				t.Groups = append(t.Groups, u)
			}
		}
	}
	if len(t.Objects) == 0 {
		return nil, fmt.Errorf("%s: no manifests", dir)
	}
	if len(t.Groups) == 0 {
		return nil, fmt.Errorf("%s: no RoleBasedGroup", dir)
	}
	for _, g := range t.Groups {
		target := ""
		for k, v := range g.GetAnnotations() {
			if strings.HasSuffix(k, "/rbg-target") {
				target = v
			}
		}
		if target == "" {
			return nil, fmt.Errorf("%s: RoleBasedGroup %s has no .../rbg-target annotation", dir, g.GetName())
		}
		if t.Target != "" && t.Target != target {
			return nil, fmt.Errorf("%s: RoleBasedGroups target both %s and %s", dir, t.Target, target)
		}
		t.Target = target
	}
	return t, nil
}

// Copy returns a deep copy (the self-tests mutate trees).
func (t *Tree) Copy(name string) *Tree {
	c := &Tree{Dir: t.Dir, Name: name, Target: t.Target}
	for _, o := range t.Objects {
		d := o.DeepCopy()
		c.Objects = append(c.Objects, d)
		if d.GroupVersionKind().Group == rbgGroup && d.GetKind() == "RoleBasedGroup" {
			c.Groups = append(c.Groups, d)
		}
	}
	return c
}

// mapping resolves an object's resource, refreshing discovery once for new kinds.
func (p *Plane) mapping(gvk schema.GroupVersionKind) (*meta.RESTMapping, error) {
	m, err := p.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil && meta.IsNoMatchError(err) {
		p.Mapper.Reset()
		m, err = p.Mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	return m, err
}

// namespaceOf is the namespace an object lands in (as `kubectl apply` without -n would put it).
func (p *Plane) namespaceOf(o *unstructured.Unstructured) (string, bool, error) {
	m, err := p.mapping(o.GroupVersionKind())
	if err != nil {
		return "", false, err
	}
	if m.Scope.Name() != meta.RESTScopeNameNamespace {
		return "", false, nil
	}
	ns := o.GetNamespace()
	if ns == "" {
		ns = "default"
	}
	return ns, true, nil
}

// Apply creates the tree's namespaces (waiting for their default ServiceAccount) and applies
// every object server-side, in file order, as `kubectl apply --server-side` would.
func (p *Plane) Apply(ctx context.Context, t *Tree) (created []string, err error) {
	seen := map[string]bool{}
	for _, o := range t.Objects {
		ns, namespaced, err := p.namespaceOf(o)
		if err != nil {
			return created, fmt.Errorf("%s %s: %w", o.GetKind(), o.GetName(), err)
		}
		if !namespaced || seen[ns] {
			continue
		}
		seen[ns] = true
		_, err = p.Kube.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}, metav1.CreateOptions{})
		if err == nil {
			created = append(created, ns)
		} else if !apierrors.IsAlreadyExists(err) {
			return created, fmt.Errorf("namespace %s: %w", ns, err)
		}
		if err := p.WaitServiceAccount(ctx, ns); err != nil {
			return created, err
		}
	}
	for _, o := range t.Objects {
		m, err := p.mapping(o.GroupVersionKind())
		if err != nil {
			return created, err
		}
		ns, _, _ := p.namespaceOf(o)
		obj := o.DeepCopy()
		if ns != "" {
			obj.SetNamespace(ns)
		}
		_, err = p.Dyn.Resource(m.Resource).Namespace(ns).Apply(ctx, obj.GetName(), obj, metav1.ApplyOptions{FieldManager: "cdk8s-sglang-pd-e2e", Force: true})
		if err != nil {
			return created, fmt.Errorf("apply %s %s/%s: %w", o.GetKind(), ns, o.GetName(), err)
		}
	}
	return created, nil
}

// finishDeletions plays the kubelet's part of deleting a Pod bound to a node: once the Pod is
// marked for deletion and its (never started) containers are gone, remove it for good.
func (p *Plane) finishDeletions(ctx context.Context, ns string) {
	pods, err := p.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return
	}
	zero := int64(0)
	for _, pod := range pods.Items {
		if pod.DeletionTimestamp != nil && pod.Spec.NodeName != "" {
			_ = p.Kube.CoreV1().Pods(ns).Delete(ctx, pod.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID}})
		}
	}
}

// Cleanup deletes the tree's objects and the namespaces Apply created, and waits until what
// the controllers made for it is gone too, so that the next tree (often the same group name
// in the same namespace) starts from nothing.
func (p *Plane) Cleanup(ctx context.Context, t *Tree, createdNamespaces []string) error {
	var errs []error
	bg := metav1.DeletePropagationBackground
	namespaces := map[string]bool{}
	for _, o := range t.Objects {
		m, err := p.mapping(o.GroupVersionKind())
		if err != nil {
			continue
		}
		ns, _, _ := p.namespaceOf(o)
		if ns != "" {
			namespaces[ns] = true
		}
		r := p.Dyn.Resource(m.Resource).Namespace(ns)
		if err := r.Delete(ctx, o.GetName(), metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
		// No kubelet ever releases a volume here; the protection controllers may lag.
		if o.GetKind() == "PersistentVolumeClaim" || o.GetKind() == "PersistentVolume" {
			_, _ = r.Patch(ctx, o.GetName(), types.MergePatchType, []byte(`{"metadata":{"finalizers":null}}`), metav1.PatchOptions{})
		}
	}
	for _, ns := range createdNamespaces {
		if err := p.Kube.CoreV1().Namespaces().Delete(ctx, ns, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, err)
		}
	}
	created := map[string]bool{}
	for _, ns := range createdNamespaces {
		created[ns] = true
	}
	err := wait.PollUntilContextTimeout(ctx, 300*time.Millisecond, 90*time.Second, true, func(ctx context.Context) (bool, error) {
		for ns := range namespaces {
			if created[ns] {
				if _, err := p.Kube.CoreV1().Namespaces().Get(ctx, ns, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
					p.finishDeletions(ctx, ns)
					return false, nil
				}
				continue
			}
			pods, err := p.Kube.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
			if err != nil || len(pods.Items) > 0 {
				p.finishDeletions(ctx, ns)
				return false, nil
			}
			sts, err := p.Kube.AppsV1().StatefulSets(ns).List(ctx, metav1.ListOptions{})
			if err != nil || len(sts.Items) > 0 {
				return false, nil
			}
			svcs, err := p.Kube.CoreV1().Services(ns).List(ctx, metav1.ListOptions{})
			if err != nil {
				return false, nil
			}
			for _, s := range svcs.Items {
				if !(ns == "default" && s.Name == "kubernetes") {
					return false, nil
				}
			}
		}
		for _, o := range t.Objects {
			m, err := p.mapping(o.GroupVersionKind())
			if err != nil {
				continue
			}
			ns, _, _ := p.namespaceOf(o)
			if _, err := p.Dyn.Resource(m.Resource).Namespace(ns).Get(ctx, o.GetName(), metav1.GetOptions{}); !apierrors.IsNotFound(err) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		errs = append(errs, fmt.Errorf("objects of %s still present after 90s", t.Name))
	}
	return errors.Join(errs...)
}
