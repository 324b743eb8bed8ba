/** Kubernetes name and label syntax, as the API server checks it. */

/** DNS-1123 label: at most 63 characters of [a-z0-9-], alphanumeric at both ends. */
export function isDnsLabel(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

/** DNS-1035 label (Service names): a DNS-1123 label that starts with a letter. */
export function isDns1035Label(s: unknown): s is string {
  return isDnsLabel(s) && /^[a-z]/.test(s);
}

/** DNS-1123 subdomain: dot-separated labels, at most 253 characters. */
export function isDnsSubdomain(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s);
}

/** Label key (qualified name): optional DNS-subdomain prefix and "/", then 1-63 of [A-Za-z0-9-_.], alphanumeric at both ends. */
export function isLabelKey(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const slash = s.indexOf('/');
  const [prefix, name] = slash < 0 ? [undefined, s] : [s.slice(0, slash), s.slice(slash + 1)];
  return (prefix === undefined || isDnsSubdomain(prefix))
    && name.length <= 63 && /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/.test(name);
}

/** Label value: empty, or at most 63 of [A-Za-z0-9-_.], alphanumeric at both ends. */
export function isLabelValue(s: unknown): s is string {
  return typeof s === 'string' && s.length <= 63 && /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/.test(s);
}

/**
 * Extended resource name of a device plugin, e.g. `nvidia.com/gpu`: a domain prefix (not
 * `kubernetes.io`), "/" and a name, so it cannot be mistaken for `cpu` or `memory`, and not one of
 * the quota prefixes `requests.` / `limits.` the API server reserves.
 */
export function isExtendedResourceName(s: unknown): s is string {
  if (typeof s !== 'string' || !s.includes('/')) return false;
  const prefix = s.slice(0, s.indexOf('/'));
  return isLabelKey(s) && prefix !== 'kubernetes.io' && !prefix.endsWith('.kubernetes.io')
    && !s.startsWith('requests.') && !s.startsWith('limits.');
}

/** Environment variable name as the API server accepts it (C identifier-like, "-" and "." allowed). */
export function isEnvVarName(s: unknown): s is string {
  return typeof s === 'string' && /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(s);
}

/**
 * Container image reference `[registry[:port]/]path[:tag][@digest]` as the container runtime
 * parses it (distribution reference grammar, lowercase path components).
 */
export function isImageReference(s: unknown): s is string {
  if (typeof s !== 'string' || s.length === 0 || s.length > 4096) return false;
  const component = '[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*';
  const domain = '(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?';
  const tag = '(?::[\\w][\\w.-]{0,127})?';
  const digest = '(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?';
  return new RegExp(`^${domain}${component}(?:/${component})*${tag}${digest}$`).test(s);
}

/** Control characters (C0, DEL, C1), which have no place in names, paths or flag values. */
export function hasControlCharacters(s: string): boolean {
  return /[\u0000-\u001f\u007f-\u009f]/.test(s);
}

/**
 * The name of an object named after a group, `<group>-<suffix>`; undefined while the group's name
 * is not a DNS label (its own rule reports that), so that cdk8s picks a unique name rather than
 * `undefined-<suffix>` clashing with another unnamed group's.
 */
export function groupChildName(group: unknown, suffix: string): string | undefined {
  return isDnsLabel(group) ? `${group}-${suffix}` : undefined;
}
