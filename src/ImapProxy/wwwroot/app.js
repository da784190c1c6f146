// Small helpers the Blazor components call; everything else is server-rendered over the circuit.
window.imapproxy = {
    toggleTheme() {
        const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
        document.documentElement.dataset.theme = next;
        localStorage.setItem("imapproxy-theme", next);
    },
    // Fetches a text export and puts it on the clipboard; false when the browser refuses.
    async copyFrom(url) {
        try {
            const response = await fetch(url);
            await navigator.clipboard.writeText(await response.text());
            return true;
        } catch {
            return false;
        }
    },
};

// The theme button (no onclick attribute: the Content-Security-Policy runs no inline script).
document.addEventListener("click", event => {
    if (event.target.closest("button.theme")) imapproxy.toggleTheme();
});

// Keyboard navigation between timeline items: j / k (and arrows), Enter opens or closes one.
document.addEventListener("keydown", event => {
    if (event.target.closest("input, textarea, select")) return;
    const items = [...document.querySelectorAll(".timeline .item")];
    if (items.length === 0) return;
    const current = items.indexOf(document.activeElement?.closest(".item"));
    let next = -1;
    if (event.key === "j" || event.key === "ArrowDown") next = Math.min(current + 1, items.length - 1);
    if (event.key === "k" || event.key === "ArrowUp") next = Math.max(current - 1, 0);
    if (event.key === "Enter" && current >= 0) items[current].querySelector(".line")?.click();
    if (next >= 0) {
        event.preventDefault();
        items[next].focus();
        items[next].scrollIntoView({ block: "nearest" });
    }
});
