package main

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
)

// Endpoint is one static worker of the router: `--prefill URL [BOOTSTRAP]` or `--decode URL`.
type Endpoint struct {
	Flag      string // "--prefill" or "--decode"
	URL       string
	Bootstrap string // raw bootstrap-port token after a prefill URL; "" when absent
	Host      string // first DNS label: the Pod's spec.hostname
	Subdomain string // second DNS label: the Pod's spec.subdomain = headless Service name
	Namespace string // third label when the name is qualified; "" = the router's namespace
	Port      int
	Err       error // why the URL cannot name a Pod through headless DNS
}

// RouterConfig is what the router is told about its workers, parsed from its argument list
// (sglang-router 0.3.2, `python3 -m sglang_router.launch_router`).
type RouterConfig struct {
	PD                 bool
	Prefill            []Endpoint
	Decode             []Endpoint
	Discovery          bool
	DiscoveryNamespace string
	HasNamespace       bool
	DiscoveryPort      string
	PrefillSelector    []string
	DecodeSelector     []string
	HasPrefillSelector bool
	HasDecodeSelector  bool
}

// ParseRouterArgs reads the flags the checks need; others are skipped. Both `--flag value`
// and `--flag=value` are accepted. Multi-value flags (selectors) take every following token
// up to the next one starting with "--".
func ParseRouterArgs(args []string) RouterConfig {
	var c RouterConfig
	for i := 0; i < len(args); i++ {
		flag, inline, hasInline := strings.Cut(args[i], "=")
		if !strings.HasPrefix(flag, "--") {
			continue
		}
		// values returns the tokens belonging to this flag.
		values := func(max int) []string {
			var v []string
			if hasInline {
				v = append(v, inline)
			}
			for len(v) < max && i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
				i++
				v = append(v, args[i])
			}
			return v
		}
		switch flag {
		case "--pd-disaggregation":
			c.PD = true
		case "--prefill":
			v := values(2)
			e := Endpoint{Flag: flag}
			if len(v) > 0 {
				e = ParseEndpoint(flag, v[0])
			} else {
				e.Err = fmt.Errorf("--prefill without a URL")
			}
			if len(v) > 1 {
				e.Bootstrap = v[1]
			}
			c.Prefill = append(c.Prefill, e)
		case "--decode":
			v := values(1)
			e := Endpoint{Flag: flag, Err: fmt.Errorf("--decode without a URL")}
			if len(v) > 0 {
				e = ParseEndpoint(flag, v[0])
			}
			c.Decode = append(c.Decode, e)
		case "--service-discovery":
			c.Discovery = true
		case "--service-discovery-namespace":
			if v := values(1); len(v) > 0 {
				c.DiscoveryNamespace, c.HasNamespace = v[0], true
			}
		case "--service-discovery-port":
			if v := values(1); len(v) > 0 {
				c.DiscoveryPort = v[0]
			}
		case "--prefill-selector":
			c.PrefillSelector = append(c.PrefillSelector, values(1<<30)...)
			c.HasPrefillSelector = true
		case "--decode-selector":
			c.DecodeSelector = append(c.DecodeSelector, values(1<<30)...)
			c.HasDecodeSelector = true
		}
	}
	return c
}

// ParseEndpoint splits `http://<host>.<sub>[.<ns>[.svc[.<domain>]]]:<port>` into the parts
// that headless-Service DNS resolves: <host> is a Pod's spec.hostname, <sub> its
// spec.subdomain and the name of a headless Service in namespace <ns>.
func ParseEndpoint(flag, raw string) Endpoint {
	e := Endpoint{Flag: flag, URL: raw}
	u, err := url.Parse(raw)
	if err != nil {
		e.Err = err
		return e
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		e.Err = fmt.Errorf("scheme %q is not http(s)", u.Scheme)
		return e
	}
	host := u.Hostname()
	if net.ParseIP(host) != nil {
		e.Err = fmt.Errorf("host %s is an IP address, not a Pod DNS name", host)
		return e
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	if e.Port, err = strconv.Atoi(port); err != nil {
		e.Err = fmt.Errorf("port %q is not a number", port)
		return e
	}
	labels := strings.Split(strings.TrimSuffix(host, "."), ".")
	if len(labels) < 2 {
		e.Err = fmt.Errorf("host %q has a single label: it names a Service or nothing, not one Pod (<hostname>.<subdomain> is needed)", host)
		return e
	}
	e.Host, e.Subdomain = labels[0], labels[1]
	if len(labels) >= 3 {
		e.Namespace = labels[2]
	}
	if len(labels) >= 4 && labels[3] != "svc" {
		e.Err = fmt.Errorf("host %q: the label after the namespace must be \"svc\"", host)
	}
	return e
}

// ExpandVars applies the kubelet's `$(VAR)` expansion to a container argument: `$(NAME)` is
// replaced by the value of NAME when env defines it and kept literally otherwise; `$$` is a
// literal `$`.
func ExpandVars(s string, env map[string]string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '$' || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch s[i+1] {
		case '$':
			b.WriteByte('$')
			i++
		case '(':
			end := strings.IndexByte(s[i+2:], ')')
			if end < 0 {
				b.WriteString(s[i:])
				return b.String()
			}
			name := s[i+2 : i+2+end]
			if v, ok := env[name]; ok {
				b.WriteString(v)
			} else {
				b.WriteString(s[i : i+2+end+1])
			}
			i += 2 + end
		default:
			b.WriteByte('$')
		}
	}
	return b.String()
}
