// The suite runs where the proxy is deployed and its prerequisites install: Linux (Debian's Dovecot, Chromium,
// owner-only file modes).
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
