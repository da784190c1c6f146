// Small helpers the Blazor components call; everything else is server-rendered over the circuit.
window.imapproxy = {
    toggleTheme() {
        const next = document.documentElement.dataset.theme === "dark" ? "light" : "dark";
        document.documentElement.dataset.theme = next;
        localStorage.setItem("imapproxy-theme", next);
    },
    // Fetches a text export and puts it on the clipboard; null when it is there, else why not, in words.
    async copyFrom(url) {
        // navigator.clipboard exists on secure pages only: a dashboard reached at http://10.0.0.2 has none.
        if (!navigator.clipboard) return "this browser gives the clipboard to https and localhost pages only";
        try {
            const response = await fetch(url);
            if (!response.ok) return `the proxy answered ${response.status} ${response.statusText}`.trim();
            await navigator.clipboard.writeText(await response.text());
            return null;
        } catch (error) {
            return error.message;
        }
    },
};

// The theme button (no onclick attribute: the Content-Security-Policy runs no inline script).
document.addEventListener("click", event => {
    if (event.target.closest("button.theme")) imapproxy.toggleTheme();
});

// Keyboard navigation: j / k (and the arrows) move one item, Enter opens it, in the session timeline and the sessions
// list. Both are virtualized: Blazor's Virtualize renders only the items near the viewport and slides that window as
// the list scrolls, so the next item may not be in the page yet. The items carry @key, so the focused element keeps
// showing its own item while the window slides; keys are handled one at a time, in the order they were pressed.
const keyLists = [
    { items: ".timeline .item", scroller: ".timeline", open: item => item.querySelector(".line")?.click() },
    { items: "tr.session", scroller: ".table-wrap", open: item => item.querySelector("a")?.click() },
];
const steps = { j: 1, ArrowDown: 1, k: -1, ArrowUp: -1 };
let pendingKeys = Promise.resolve();

document.addEventListener("keydown", event => {
    if (event.target.closest("input, textarea, select") || event.ctrlKey || event.metaKey || event.altKey) return;
    const list = keyLists.find(l => document.querySelector(l.items));
    if (!list) return;
    const step = steps[event.key];
    // Enter on a link or a button inside an item keeps its own meaning.
    const onItem = document.activeElement?.matches(list.items);
    if (step === undefined && !(event.key === "Enter" && onItem)) return;
    event.preventDefault();
    // A key that failed is logged, and the keys after it still work.
    pendingKeys = pendingKeys.then(() => step === undefined ? list.open(document.activeElement) : move(list, step)).catch(console.error);
});

async function move(list, step) {
    const current = document.activeElement?.closest(list.items);
    const next = current ? await neighbour(current, list.items, step) : firstVisible(list);
    if (!next) return;
    next.focus({ preventScroll: true });
    next.scrollIntoView({ block: "nearest" });
}

// The item before or after this one, waiting for Virtualize to render it; null at either end of the list.
async function neighbour(item, selector, step) {
    for (let attempt = 0; attempt < 20; attempt++) {
        const sibling = step > 0 ? item.nextElementSibling : item.previousElementSibling;
        if (!sibling) return null;
        if (sibling.matches(selector)) return sibling;
        // Not an item: Virtualize's spacer (first and last child, empty at the ends of the list) or a placeholder row
        // of items still loading. Bringing it into view is what makes Virtualize render the items it stands for.
        const spacer = !(step > 0 ? sibling.nextElementSibling : sibling.previousElementSibling);
        if (spacer && sibling.offsetHeight === 0) return null;
        sibling.scrollIntoView({ block: "nearest" });
        await childrenChange(item.parentElement, 1000);
    }
    return null;
}

function childrenChange(parent, timeout) {
    return new Promise(resolve => {
        const observer = new MutationObserver(done);
        const timer = setTimeout(done, timeout);
        function done() {
            observer.disconnect();
            clearTimeout(timer);
            resolve();
        }
        observer.observe(parent, { childList: true });
    });
}

// With nothing focused yet, j or k starts at the first item in view.
function firstVisible(list) {
    const top = document.querySelector(list.scroller).getBoundingClientRect().top;
    return [...document.querySelectorAll(list.items)].find(item => item.getBoundingClientRect().bottom > top);
}
