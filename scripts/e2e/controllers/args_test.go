package main

import (
	"reflect"
	"testing"
)

func TestParseRouterArgsStatic(t *testing.T) {
	c := ParseRouterArgs([]string{
		"--pd-disaggregation",
		"--prefill", "http://g-prefill-0.s-g-prefill:8000", "34000",
		"--prefill", "http://g-prefill-1.s-g-prefill:8000",
		"--decode", "http://g-decode-0.s-g-decode.llm.svc.cluster.local:9000",
		"--host", "0.0.0.0", "--port", "8000",
	})
	if !c.PD || c.Discovery {
		t.Fatalf("PD=%v Discovery=%v", c.PD, c.Discovery)
	}
	if len(c.Prefill) != 2 || len(c.Decode) != 1 {
		t.Fatalf("got %d prefill, %d decode", len(c.Prefill), len(c.Decode))
	}
	p := c.Prefill[0]
	if p.Host != "g-prefill-0" || p.Subdomain != "s-g-prefill" || p.Port != 8000 || p.Bootstrap != "34000" || p.Err != nil {
		t.Errorf("prefill 0: %+v", p)
	}
	if c.Prefill[1].Bootstrap != "" {
		t.Errorf("prefill 1 took %q as its bootstrap port", c.Prefill[1].Bootstrap)
	}
	d := c.Decode[0]
	if d.Host != "g-decode-0" || d.Subdomain != "s-g-decode" || d.Namespace != "llm" || d.Port != 9000 || d.Err != nil {
		t.Errorf("decode: %+v", d)
	}
}

func TestParseRouterArgsDiscovery(t *testing.T) {
	c := ParseRouterArgs([]string{
		"--pd-disaggregation", "--service-discovery",
		"--service-discovery-namespace", "$(POD_NAMESPACE)",
		"--service-discovery-port=8000",
		"--prefill-selector", "a=b", "c=d",
		"--decode-selector", "a=b", "c=e",
		"--policy", "cache_aware",
	})
	if !c.Discovery || !c.HasNamespace || c.DiscoveryNamespace != "$(POD_NAMESPACE)" || c.DiscoveryPort != "8000" {
		t.Fatalf("%+v", c)
	}
	if !reflect.DeepEqual(c.PrefillSelector, []string{"a=b", "c=d"}) || !reflect.DeepEqual(c.DecodeSelector, []string{"a=b", "c=e"}) {
		t.Errorf("selectors %v %v", c.PrefillSelector, c.DecodeSelector)
	}
}

func TestParseEndpointRejects(t *testing.T) {
	for _, raw := range []string{"http://sglang-pd-prefill:8000", "http://127.0.0.1:8000", "tcp://a.b:1", "http://a.b.ns.cluster:1", "http://a.b:port"} {
		if e := ParseEndpoint("--prefill", raw); e.Err == nil {
			t.Errorf("%s: accepted as %+v", raw, e)
		}
	}
	if e := ParseEndpoint("--decode", "http://h.s"); e.Err != nil || e.Port != 80 {
		t.Errorf("default port: %+v", e)
	}
}

func TestExpandVars(t *testing.T) {
	env := map[string]string{"NS": "llm", "EMPTY": ""}
	for in, want := range map[string]string{
		"$(NS)":          "llm",
		"x-$(NS)-y":      "x-llm-y",
		"$(MISSING)":     "$(MISSING)",
		"$$(NS)":         "$(NS)",
		"$(EMPTY)z":      "z",
		"$(unterminated": "$(unterminated",
		"cost $5":        "cost $5",
	} {
		if got := ExpandVars(in, env); got != want {
			t.Errorf("ExpandVars(%q) = %q, want %q", in, got, want)
		}
	}
}
