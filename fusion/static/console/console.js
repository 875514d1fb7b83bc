// Fusion console: small behaviours shared by every page (no build step).
document.addEventListener("htmx:afterSwap", (event) => {
  // Errors swapped in are announced and take the focus, for keyboard and screen reader users.
  const summary = event.detail.target.querySelector(".error-summary");
  if (summary) summary.focus();
});
