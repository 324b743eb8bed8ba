// Command rbg-e2e is the controller layer of the end-to-end tests: for each RoleBasedGroup
// controller release it starts a private control plane (etcd + kube-apiserver through
// controller-runtime's envtest, kube-controller-manager, the release's rbgs controller), applies
// every tree that targets the release, plays the kubelet role by role and checks that what the
// controller created matches what the router was told. See scripts/e2e/README.md.
//
//	rbg-e2e -assets BIN_DIR -state DIR \
//	    -release v0.4=RBGS_BINARY,CRD_DIR [-release ...] \
//	    -tree DIR [-tree DIR ...]
//
// It prints `ok`/`FAIL` lines, one summary line per release and last
// `RESULT passed=N failed=M`; the exit code is 1 when M > 0.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"
)

type releaseFlag struct {
	name, rbgs, crds string
}

type releaseList []releaseFlag

func (l *releaseList) String() string { return fmt.Sprint(*l) }
func (l *releaseList) Set(v string) error {
	name, rest, ok := strings.Cut(v, "=")
	bin, crds, ok2 := strings.Cut(rest, ",")
	if !ok || !ok2 || name == "" || bin == "" || crds == "" {
		return fmt.Errorf("want NAME=RBGS_BINARY,CRD_DIR, got %q", v)
	}
	*l = append(*l, releaseFlag{name, bin, crds})
	return nil
}

type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// rbgsOptions: how each release runs without certificates (no admission or conversion
// webhooks), as measured against a local API server.
func rbgsOptions(release string) (args, env []string) {
	switch release {
	case "v0.4", "v0.6":
		return nil, []string{"ENABLE_WEBHOOKS=false"}
	default:
		return []string{"--enable-webhooks=none"}, nil
	}
}

func main() {
	assets := flag.String("assets", os.Getenv("KUBEBUILDER_ASSETS"), "directory with etcd, kube-apiserver, kube-controller-manager and kubectl (default $KUBEBUILDER_ASSETS)")
	state := flag.String("state", "", "state directory (logs, certificates, kubectl cache); required")
	root := flag.String("root", "", "tree names are printed relative to this directory")
	timeout := flag.Duration("timeout", 60*time.Second, "how long to wait for each thing the controllers should do")
	selfTest := flag.Bool("self-test", true, "run the self-tests (broken trees that must be caught)")
	var releases releaseList
	var trees stringList
	flag.Var(&releases, "release", "NAME=RBGS_BINARY,CRD_DIR, e.g. v0.7=/cache/rbgs,/src/config/crd/bases (repeatable)")
	flag.Var(&trees, "tree", "manifest directory, or NAME=DIR to print it as NAME (repeatable)")
	flag.Parse()
	if *assets == "" || *state == "" || len(releases) == 0 || len(trees) == 0 {
		flag.Usage()
		os.Exit(2)
	}
	// envtest logs through controller-runtime's logger; the processes' own logs are in -state.
	ctrllog.SetLogger(logr.Discard())
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	rep := NewReport(os.Stdout)
	rep.Section("trees")
	var loaded []*Tree
	for _, d := range trees {
		name := d
		if n, dir, ok := strings.Cut(d, "="); ok {
			name, d = n, dir
		} else if *root != "" {
			if rel, err := filepath.Rel(*root, d); err == nil && !strings.HasPrefix(rel, "..") {
				name = rel
			}
		}
		t, err := LoadTree(d, name)
		if err != nil {
			rep.One("", Result{Check: "load", Msg: "read tree " + name, Detail: errDetail(err)})
			continue
		}
		known := false
		for _, r := range releases {
			known = known || r.name == t.Target
		}
		rep.One("", Result{OK: known, Check: "load", Msg: fmt.Sprintf("%s: %d objects, RoleBasedGroup target %s, router %s", name, len(t.Objects), t.Target, routerMode(t)),
			Detail: []string{"no controller release " + t.Target + " is under test"}})
		loaded = append(loaded, t)
	}

	for i, rel := range releases {
		rep.Section(rel.name)
		runRelease(ctx, rep, i, rel, loaded, *assets, *state, *timeout, *selfTest)
		if ctx.Err() != nil {
			rep.One("", Result{Check: "interrupted", Msg: "interrupted"})
			break
		}
	}
	rep.Summary()
	if _, failed := rep.Totals(); failed > 0 {
		os.Exit(1)
	}
}

// runRelease runs every tree of one release, then its self-tests, on a plane of its own that
// is stopped on return (a panic included).
func runRelease(ctx context.Context, rep *Report, i int, rel releaseFlag, loaded []*Tree, assets, state string, timeout time.Duration, selfTest bool) {
	var mine []*Tree
	for _, t := range loaded {
		if t.Target == rel.name {
			mine = append(mine, t)
		}
	}
	if len(mine) == 0 {
		rep.One("", Result{Check: "trees", Msg: "at least one tree targets " + rel.name})
		return
	}
	start := time.Now()
	args, env := rbgsOptions(rel.name)
	p, err := StartPlane(ctx, rel.name, assets, filepath.Join(state, fmt.Sprintf("%d-%s", i, rel.name)), rel.crds, rel.rbgs, args, env)
	if err != nil {
		rep.One("", Result{Check: "plane", Msg: "start control plane, kube-controller-manager and RoleBasedGroup controller " + rel.name, Detail: errDetail(err)})
		return
	}
	defer func() {
		p.Stop()
		rep.Log("%s: %.1fs in all", rel.name, time.Since(start).Seconds())
	}()
	rep.One("", Result{OK: true, Check: "plane", Msg: fmt.Sprintf("control plane, kube-controller-manager and RoleBasedGroup controller %s running (%.1fs; CRDs from %s)", rel.name, time.Since(start).Seconds(), rel.crds)})
	h := NewHarness(p, timeout)
	for _, t := range mine {
		t0 := time.Now()
		res := h.RunTree(ctx, t)
		rep.Emit(t.Name, res)
		rep.Log("%s %s: %.1fs", rel.name, t.Name, time.Since(t0).Seconds())
		if ctx.Err() != nil {
			return
		}
	}
	if !selfTest {
		return
	}
	tests, missing := SelfTests(rel.name, loaded)
	for _, m := range missing {
		rep.One("", Result{Check: "self-test", Msg: "self-test input: " + m})
	}
	for _, st := range tests {
		t0 := time.Now()
		rep.One("", h.RunSelfTest(ctx, st))
		rep.Log("%s self-test %s: %.1fs", rel.name, st.Name, time.Since(t0).Seconds())
		if ctx.Err() != nil {
			return
		}
	}
}
