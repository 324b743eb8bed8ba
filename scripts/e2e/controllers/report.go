package main

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
)

// Result is one assertion. Check is a stable identifier of what was asserted (the self-tests
// name the checks they expect to fail), Msg the one-line description printed after ok/FAIL.
type Result struct {
	OK bool
	// Skip: nothing was asserted (the tree cannot be exercised here); counted apart.
	Skip   bool
	Check  string
	Msg    string
	Detail []string
}

// Results collects the assertions of one tree run.
type Results struct {
	list []Result
}

// Add records an assertion and returns ok, so that callers can stop after a failure.
func (r *Results) Add(ok bool, check string, detail []string, format string, args ...any) bool {
	r.list = append(r.list, Result{OK: ok, Check: check, Msg: fmt.Sprintf(format, args...), Detail: detail})
	return ok
}

// Pass and Fail are Add with a fixed outcome.
func (r *Results) Pass(check, format string, args ...any) {
	r.Add(true, check, nil, format, args...)
}

// Skip records that something could not be exercised: printed, counted neither way.
func (r *Results) Skip(check string, detail []string, format string, args ...any) {
	r.list = append(r.list, Result{Skip: true, Check: check, Msg: fmt.Sprintf(format, args...), Detail: detail})
}

func (r *Results) Fail(check string, detail []string, format string, args ...any) bool {
	return r.Add(false, check, detail, format, args...)
}

// Failed returns the distinct check identifiers that failed, sorted.
func (r *Results) Failed() []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range r.list {
		if !x.OK && !x.Skip && !seen[x.Check] {
			seen[x.Check] = true
			out = append(out, x.Check)
		}
	}
	sort.Strings(out)
	return out
}

// Report prints results as they come (`ok    ...` / `FAIL  ...` plus indented detail, the
// format of scripts/e2e/run.sh) and keeps per-release counts.
type Report struct {
	mu      sync.Mutex
	w       io.Writer
	order   []string
	passed  map[string]int
	failed  map[string]int
	skipped map[string]int
	section string
}

func NewReport(w io.Writer) *Report {
	return &Report{w: w, passed: map[string]int{}, failed: map[string]int{}, skipped: map[string]int{}}
}

// Section sets the release that following results are counted under.
func (r *Report) Section(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.section = name
	if _, ok := r.passed[name]; !ok {
		r.order = append(r.order, name)
		r.passed[name] = 0
		r.failed[name] = 0
	}
	fmt.Fprintf(r.w, "=== RoleBasedGroup controller %s\n", name)
}

// Log prints an informational line (not a check).
func (r *Report) Log(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	fmt.Fprintf(r.w, "controllers: %s\n", fmt.Sprintf(format, args...))
}

func (r *Report) Emit(prefix string, res *Results) {
	for _, x := range res.list {
		r.One(prefix, x)
	}
}

func (r *Report) One(prefix string, x Result) {
	r.mu.Lock()
	defer r.mu.Unlock()
	tag := "ok    "
	if x.Skip {
		tag = "SKIP  "
		r.skipped[r.section]++
	} else if x.OK {
		r.passed[r.section]++
	} else {
		tag = "FAIL  "
		r.failed[r.section]++
	}
	msg := x.Msg
	if prefix != "" {
		msg = prefix + ": " + msg
	}
	fmt.Fprintf(r.w, "%s%s\n", tag, msg)
	if !x.OK || x.Skip {
		for _, d := range x.Detail {
			for _, line := range strings.Split(strings.TrimRight(d, "\n"), "\n") {
				fmt.Fprintf(r.w, "        %s\n", line)
			}
		}
	}
}

// Totals returns the overall counts.
func (r *Report) Totals() (passed, failed int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.order {
		passed += r.passed[n]
		failed += r.failed[n]
	}
	return
}

// Summary prints one line per release, then the machine-readable line run.sh reads.
func (r *Report) Summary() {
	p, f := r.Totals()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, n := range r.order {
		fmt.Fprintf(r.w, "controllers: %s: %d passed, %d failed, %d tree(s) not exercised\n", n, r.passed[n], r.failed[n], r.skipped[n])
	}
	fmt.Fprintf(r.w, "RESULT passed=%d failed=%d\n", p, f)
}
