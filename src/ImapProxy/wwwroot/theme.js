// The saved theme, applied before first paint so a dark page never flashes white. A file of its own, loaded from the
// head: the Content-Security-Policy runs no inline script.
document.documentElement.dataset.theme = localStorage.getItem("imapproxy-theme")
    ?? (matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light");
