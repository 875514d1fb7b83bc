// Fusion console: small behaviours shared by every page (no build step).
document.addEventListener("htmx:afterSwap", (event) => {
  // Errors swapped in are announced and take the focus, for keyboard and screen reader users.
  const summary = event.detail.target.querySelector(".error-summary");
  if (summary) summary.focus();
});

// A table wider than its box (a phone) scrolls inside it: such a table takes the keyboard focus
// so that it can be scrolled without a mouse, and is named for screen readers by its caption.
function focusableWhenScrolling(root) {
  for (const table of root.querySelectorAll("main table")) {
    const scrolls = table.scrollWidth > table.clientWidth + 1;
    if (scrolls && !table.hasAttribute("tabindex")) {
      table.setAttribute("tabindex", "0");
      table.dataset.scrollFocus = "1";
    } else if (!scrolls && table.dataset.scrollFocus) {
      table.removeAttribute("tabindex");
      delete table.dataset.scrollFocus;
    }
  }
}
document.addEventListener("DOMContentLoaded", () => focusableWhenScrolling(document));
window.addEventListener("resize", () => focusableWhenScrolling(document));
document.addEventListener("htmx:afterSwap", () => focusableWhenScrolling(document));
