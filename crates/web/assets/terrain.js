// Terrain — the only script: it says how many projects are ticked in the review queue.
// Every page works without it.
document.addEventListener("change", function () {
  var out = document.getElementById("selection-count");
  if (!out) return;
  var n = document.querySelectorAll('input[name="project_ids"]:checked').length;
  var all = document.querySelector('input[name="all"]:checked');
  out.textContent = all
    ? "Tous les projets du filtre sont sélectionnés."
    : n + (n > 1 ? " projets sélectionnés" : " projet sélectionné");
});
