/**
 * The kubelet expands `$(VAR)` in a container's command, args and env values (and turns `$$` into
 * `$`). Text the user wrote is escaped so the process receives exactly what was written: every
 * `$` that starts `$(` or `$$` is doubled.
 */
export function escapeExpansion(text: string): string {
  return text.replace(/\$(?=[$(])/g, '$$$$');
}

/** True when the kubelet would change `text` (it holds `$(` or `$$`). */
export function isExpanded(text: string): boolean {
  return /\$[$(]/.test(text);
}
