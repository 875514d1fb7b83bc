// Sharing agreement editor: a preview swapped in takes the focus (an error summary takes it in
// console.js), so keyboard and screen reader users land on what changed.
document.addEventListener("htmx:afterSettle", (event) => {
  if (event.detail.target.id !== "preview") return;
  if (event.detail.target.querySelector(".error-summary")) return;
  const heading = document.getElementById("preview-heading");
  if (heading) heading.focus();
});
