package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
)

// Plane is one private control plane on 127.0.0.1 for one controller release: etcd and
// kube-apiserver started by controller-runtime's envtest from the locally built binaries,
// the release's CRDs, kube-controller-manager (the controllers that make Pods and their
// DNS records appear: StatefulSet, EndpointSlice, ServiceAccount, garbage collector,
// namespace, PV/PVC protection) and the release's RoleBasedGroup controller.
type Plane struct {
	Release    string
	Dir        string
	env        *envtest.Environment
	Config     *rest.Config
	Kube       kubernetes.Interface
	Dyn        dynamic.Interface
	Mapper     *restmapper.DeferredDiscoveryRESTMapper
	Kubeconfig string
	kubectl    string
	procs      []*Proc
}

// kcmControllers are the kube-controller-manager controllers the tests rely on. The rest
// (node lifecycle, cloud, certificates, ...) have nothing to do without kubelets. The
// EndpointSlice controller is not among them: the API server refuses the loopback pod IPs in
// EndpointSlices, see endpointslices.go.
var kcmControllers = []string{
	"serviceaccount-controller",                   // the namespace's "default" ServiceAccount: Pods are refused without it
	"statefulset-controller",                      // Pods of v0.4/v0.6 roles (StatefulSets)
	"garbage-collector-controller",                // deleting a group deletes what the controller made
	"namespace-controller",                        // deleting a tree's namespace
	"persistentvolume-protection-controller",      // lets a deleted PV go
	"persistentvolumeclaim-protection-controller", // lets a deleted PVC go
}

// StartPlane brings up the control plane of one release; on error everything started so far
// is stopped again.
func StartPlane(ctx context.Context, release, assets, dir, crdDir, rbgs string, rbgsArgs []string, rbgsEnv []string) (p *Plane, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	p = &Plane{Release: release, Dir: dir, kubectl: filepath.Join(assets, "kubectl")}
	defer func() {
		if err != nil {
			p.Stop()
			p = nil
		}
	}()
	apiLog, err := os.Create(filepath.Join(dir, "kube-apiserver.log"))
	if err != nil {
		return p, err
	}
	etcdLog, err := os.Create(filepath.Join(dir, "etcd.log"))
	if err != nil {
		return p, err
	}
	noExisting := false
	p.env = &envtest.Environment{
		BinaryAssetsDirectory:    assets,
		DownloadBinaryAssets:     false,
		UseExistingCluster:       &noExisting,
		CRDDirectoryPaths:        crdDirs(crdDir),
		ErrorIfCRDPathMissing:    true,
		ControlPlaneStartTimeout: 2 * time.Minute,
		ControlPlaneStopTimeout:  30 * time.Second,
	}
	p.env.ControlPlane.Etcd = &envtest.Etcd{DataDir: filepath.Join(dir, "etcd"), Out: etcdLog, Err: etcdLog}
	api := p.env.ControlPlane.GetAPIServer()
	api.CertDir = filepath.Join(dir, "pki")
	api.Out, api.Err = apiLog, apiLog
	if err := os.MkdirAll(api.CertDir, 0o700); err != nil {
		return p, err
	}
	// envtest turns the ServiceAccount admission plugin off because nothing creates the
	// default ServiceAccount there; here kube-controller-manager does, and Pods are admitted as
	// on a real cluster.
	api.Configure().Disable("disable-admission-plugins")
	// Loopback only, and no Endpoints for the "kubernetes" Service (they may not hold 127.0.0.1).
	api.Configure().Set("advertise-address", "127.0.0.1")
	api.Configure().Set("endpoint-reconciler-type", "none")

	if p.Config, err = p.env.Start(); err != nil {
		return p, fmt.Errorf("envtest: %w (log: %s)", err, tail(apiLog.Name(), 20))
	}
	p.Config.QPS, p.Config.Burst = 100, 200
	p.Kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(p.Kubeconfig, p.env.KubeConfig, 0o600); err != nil {
		return p, err
	}
	if p.Kube, err = kubernetes.NewForConfig(p.Config); err != nil {
		return p, err
	}
	if p.Dyn, err = dynamic.NewForConfig(p.Config); err != nil {
		return p, err
	}
	p.Mapper = restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(p.Kube.Discovery()))

	// The controller exits at start when a CRD it needs is not Established yet.
	if err := waitEstablished(ctx, p.Config); err != nil {
		return p, err
	}

	kcm, err := StartProc(dir, "kube-controller-manager", filepath.Join(assets, "kube-controller-manager"), []string{
		"--kubeconfig=" + p.Kubeconfig,
		"--controllers=" + strings.Join(kcmControllers, ","),
		"--leader-elect=false",
		"--secure-port=0",
		"--use-service-account-credentials=false",
		"--concurrent-statefulset-syncs=10",
		"--v=1",
	}, nil)
	if err != nil {
		return p, err
	}
	p.procs = append(p.procs, kcm)

	probe, err := freePort()
	if err != nil {
		return p, err
	}
	args := append([]string{
		"--kubeconfig=" + p.Kubeconfig,
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", probe),
		"--metrics-bind-address=0",
	}, rbgsArgs...)
	ctrl, err := StartProc(dir, "rbgs", rbgs, args, rbgsEnv)
	if err != nil {
		return p, err
	}
	p.procs = append(p.procs, ctrl)
	readyz := fmt.Sprintf("http://127.0.0.1:%d/readyz", probe)
	if err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, 90*time.Second, true, func(context.Context) (bool, error) {
		if ctrl.Exited() {
			return false, fmt.Errorf("the RoleBasedGroup controller exited: %s", tail(ctrl.LogPath, 15))
		}
		res, err := http.Get(readyz) //nolint:gosec // loopback health probe of a process we started
		if err != nil {
			return false, nil
		}
		res.Body.Close()
		return res.StatusCode == http.StatusOK, nil
	}); err != nil {
		return p, fmt.Errorf("RoleBasedGroup controller not ready: %w", err)
	}
	// The namespace "default" gets its ServiceAccount from kube-controller-manager too.
	if err := p.WaitServiceAccount(ctx, "default"); err != nil {
		return p, err
	}
	if err := p.createNode(ctx); err != nil {
		return p, err
	}
	return p, nil
}

// NodeName is the one Node object Pods are bound to. No kubelet runs behind it; it exists
// because Pods on a real cluster are bound to a node, and the EndpointSlice controller skips
// the Pods of a Service whose node it cannot find.
const NodeName = "e2e-node"

func (p *Plane) createNode(ctx context.Context) error {
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: NodeName, Labels: map[string]string{corev1.LabelHostname: NodeName}}}
	created, err := p.Kube.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create Node %s: %w", NodeName, err)
	}
	now := metav1.Now()
	created.Status = corev1.NodeStatus{
		Phase:      corev1.NodeRunning,
		Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, LastHeartbeatTime: now, LastTransitionTime: now, Reason: "E2E", Message: "no kubelet: the e2e writes Pod status"}},
		Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}, {Type: corev1.NodeHostName, Address: NodeName}},
	}
	if _, err := p.Kube.CoreV1().Nodes().UpdateStatus(ctx, created, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("status of Node %s: %w", NodeName, err)
	}
	return nil
}

// CheckAlive reports processes that died since the start (with their log tails).
func (p *Plane) CheckAlive() error {
	var errs []error
	for _, pr := range p.procs {
		if pr.Exited() {
			errs = append(errs, fmt.Errorf("%s exited: %s", pr.Name, tail(pr.LogPath, 15)))
		}
	}
	return errors.Join(errs...)
}

// Stop stops the controllers, then the control plane.
func (p *Plane) Stop() {
	for i := len(p.procs) - 1; i >= 0; i-- {
		p.procs[i].Stop()
	}
	p.procs = nil
	if p.env != nil && p.Config != nil {
		_ = p.env.Stop()
	} else if p.env != nil {
		_ = p.env.ControlPlane.Stop()
	}
}

// Kubectl runs the locally built kubectl against the plane; its discovery and HTTP caches
// stay inside the plane's directory, never in $HOME.
func (p *Plane) Kubectl(ctx context.Context, args ...string) (string, error) {
	full := append([]string{"--kubeconfig", p.Kubeconfig, "--cache-dir", filepath.Join(p.Dir, "kube-cache")}, args...)
	cmd := exec.CommandContext(ctx, p.kubectl, full...)
	cmd.Env = append(os.Environ(), "KUBECACHEDIR="+filepath.Join(p.Dir, "kube-cache"), "HOME="+p.Dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return strings.TrimSpace(out.String()), err
}

// WaitServiceAccount waits for the namespace's default ServiceAccount.
func (p *Plane) WaitServiceAccount(ctx context.Context, ns string) error {
	err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := p.Kube.CoreV1().ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
		return err == nil, nil
	})
	if err != nil {
		return fmt.Errorf("no ServiceAccount default in namespace %s after 60s (kube-controller-manager: %s)", ns, p.procLog("kube-controller-manager"))
	}
	return nil
}

func (p *Plane) procLog(name string) string {
	for _, pr := range p.procs {
		if pr.Name == name {
			return tail(pr.LogPath, 10)
		}
	}
	return "not running"
}

func waitEstablished(ctx context.Context, cfg *rest.Config) error {
	cs, err := apiextclient.NewForConfig(cfg)
	if err != nil {
		return err
	}
	return wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		list, err := cs.ApiextensionsV1().CustomResourceDefinitions().List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, crd := range list.Items {
			established := false
			for _, c := range crd.Status.Conditions {
				if c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue {
					established = true
				}
			}
			if !established {
				return false, nil
			}
		}
		return len(list.Items) > 0, nil
	})
}

// Proc is a child process (kube-controller-manager, rbgs) in its own process group, with
// its output in DIR/NAME.log.
type Proc struct {
	Name    string
	LogPath string
	cmd     *exec.Cmd
	done    chan struct{}
}

func StartProc(dir, name, path string, args, env []string) (*Proc, error) {
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	pr := &Proc{Name: name, LogPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		_ = cmd.Wait()
		logFile.Close()
		close(pr.done)
	}()
	return pr, nil
}

func (pr *Proc) Exited() bool {
	select {
	case <-pr.done:
		return true
	default:
		return false
	}
}

// Stop sends SIGTERM to the process group, SIGKILL after 10 s.
func (pr *Proc) Stop() {
	if pr.Exited() {
		return
	}
	pgid := pr.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-pr.done:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
		<-pr.done
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// tail returns the last n lines of a log file, indented for the report.
func tail(path string, n int) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "(no log)"
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return path + ":\n" + strings.Join(lines, "\n")
}

// crdDirs is the release's CRD folder plus, when E2E_ADDON_CRDS names a folder, the add-on CRDs
// (Prometheus Operator, Gateway API, Inference Extension, Fluid) that the trees' other objects use.
func crdDirs(release string) []string {
	dirs := []string{release}
	if extra := os.Getenv("E2E_ADDON_CRDS"); extra != "" {
		if info, err := os.Stat(extra); err == nil && info.IsDir() {
			dirs = append(dirs, extra)
		}
	}
	return dirs
}
