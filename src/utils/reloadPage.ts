/**
 * Grafana keeps the app's settings in memory: after saving them, a full reload is the supported way to
 * make the app (and its proxy routes' jsonData) see the new values.
 */
export function reloadPage() {
  window.location.reload();
}
