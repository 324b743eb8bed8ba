import { durationSeconds, shownDuration } from '../util/duration';
import { hasControlCharacters, isDns1035Label, isDnsLabel, isDnsSubdomain } from '../util/names';
import { Finding, Findings } from './findings';

/** Longest request timeout a Gateway API Duration holds in seconds (`^([0-9]{1,5}(h|m|s|ms)){1,4}$`). */
const MAX_TIMEOUT_SECONDS = 99_999;

/**
 * The options of `exposeThroughInferenceGateway`, as the user gave them.
 * @internal
 */
export interface GatewayState {
  readonly gateway: unknown;
  readonly gatewayNamespace: unknown;
  readonly listener: unknown;
  readonly endpointPicker: unknown;
  readonly endpointPickerPort: unknown;
  readonly failureMode: unknown;
  /** The values of EndpointPickerFailureMode. */
  readonly failureModes: readonly string[];
  readonly poolApi: unknown;
  /** The values of InferencePoolApi. */
  readonly poolApis: readonly string[];
  readonly hostnames: unknown;
  readonly pathPrefix: unknown;
  readonly requestTimeout: unknown;
  /** Calls after the first. */
  readonly repeatedCalls: number;
  /** Name of the group's own Service (the router's ClusterIP Service). */
  readonly groupServiceName: string;
  /** True when the group's NetworkPolicies admit no client from the Gateway's namespace. */
  readonly gatewayDenied: boolean;
}

/**
 * Rules of the inference gateway options: names, ports, enums, route matches and timeouts.
 * @internal
 */
export function gatewayRules(s: GatewayState): Finding[] {
  const f = new Findings();
  if (s.repeatedCalls > 0) {
    f.error('exposeThroughInferenceGateway', s.repeatedCalls + 1, 'is called more than once on this group; it emits one InferencePool and one HTTPRoute named after the group: call it once');
  }
  if (!isDnsLabel(s.gateway)) {
    f.error('gateway', s.gateway, 'must name a Gateway with a DNS-1123 label: at most 63 characters of lowercase a-z, 0-9 and "-", starting and ending alphanumeric');
  }
  if (s.gatewayNamespace !== undefined && !isDnsLabel(s.gatewayNamespace)) {
    f.error('gatewayNamespace', s.gatewayNamespace, 'must be a namespace name (a DNS-1123 label)');
  }
  if (s.listener !== undefined && !isDnsSubdomain(s.listener)) {
    f.error('listener', s.listener, 'must be a listener name of the Gateway (a DNS-1123 subdomain)');
  }
  if (s.endpointPicker !== undefined) {
    if (!isDns1035Label(s.endpointPicker)) {
      f.error('endpointPicker', s.endpointPicker, 'must name the endpoint picker\'s Service: a DNS-1123 label starting with a letter');
    } else if (s.endpointPicker === s.groupServiceName) {
      f.error('endpointPicker', s.endpointPicker, 'is the group\'s router Service, not an endpoint picker; name the endpoint picker\'s own Service');
    }
  }
  if (s.endpointPickerPort !== undefined) f.integer('endpointPickerPort', s.endpointPickerPort, 1, 65535);
  if (s.failureMode !== undefined) f.oneOf('failureMode', s.failureMode, s.failureModes, 'an EndpointPickerFailureMode');
  if (s.poolApi !== undefined) f.oneOf('poolApi', s.poolApi, s.poolApis, 'InferencePoolApi.V1 or InferencePoolApi.V1ALPHA2');
  if (s.hostnames !== undefined) {
    if (!Array.isArray(s.hostnames) || s.hostnames.length === 0 || s.hostnames.length > 16) {
      f.error('hostnames', s.hostnames, 'must be an array of 1 to 16 host names');
    } else {
      for (const h of s.hostnames) {
        if (typeof h !== 'string' || h.length > 253 || !/^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(h)) {
          f.error('hostnames', h, 'must be a lowercase DNS name, optionally starting with "*." (no IP address, no port), e.g. "llm.example.com"');
        }
      }
      if (new Set(s.hostnames).size !== s.hostnames.length) f.error('hostnames', s.hostnames, 'must not repeat a host name');
    }
  }
  if (s.pathPrefix !== undefined) {
    const p = s.pathPrefix;
    if (typeof p !== 'string' || !p.startsWith('/') || p.length > 1024 || hasControlCharacters(p) || !/^[A-Za-z0-9/\-._~%!$&'()*+,;=:@]+$/.test(p) || /\/\/|\/\.\.?(\/|$)|%2f|%2F|#/.test(p)) {
      f.error('pathPrefix', p, 'must be an absolute path such as "/" or "/v1", without "//", "/./", "/../", "%2f" or "#"');
    }
  }
  if (s.requestTimeout !== undefined) {
    const seconds = durationSeconds(s.requestTimeout);
    if (!(seconds >= 1 && seconds <= MAX_TIMEOUT_SECONDS)) {
      f.error('requestTimeout', shownDuration(s.requestTimeout), `must be a cdk8s Duration of whole seconds from 1 to ${MAX_TIMEOUT_SECONDS}, e.g. Duration.minutes(10)`);
    }
  }
  if (s.gatewayDenied) {
    f.warn('networkIsolation.clientNamespaces', undefined, `keeps the router's NetworkPolicy to clients of the group's namespace, which shuts out the Gateway's proxy in namespace ${String(s.gatewayNamespace)}; select that namespace (or {} for every namespace)`);
  }
  return f.list;
}
