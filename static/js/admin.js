// Accessible names Django's admin widgets lack (axe on every admin page, tests/e2e/test_admin_pages.py).
"use strict";

function nameAdminWidgets() {
  // SelectFilter2 gives its search icon, a bare span, an aria-label: allowed only with a role.
  for (const icon of document.querySelectorAll(".selector-filter span[aria-label]:not([role])")) {
    icon.setAttribute("role", "img");
  }
  // select2 (autocomplete fields): its combobox is named by the chosen option alone, so it has
  // no name until one is chosen: it is named by the label of the select it stands for, then the
  // option chosen.
  for (const box of document.querySelectorAll(".select2-selection[role=combobox]")) {
    const select = box.closest(".select2-container")?.previousElementSibling;
    const label = select?.id && document.querySelector(`label[for="${select.id}"]`);
    const chosen = box.getAttribute("aria-labelledby") || "";
    if (label && !chosen.includes(`${select.id}-label`)) {
      label.id = label.id || `${select.id}-label`;
      box.setAttribute("aria-labelledby", `${label.id} ${chosen}`.trim());
    }
    // Its read-only "textbox" showing the choice is no field of its own.
    const rendered = box.querySelector(".select2-selection__rendered[role=textbox]");
    rendered?.removeAttribute("role");
    rendered?.removeAttribute("aria-readonly");
  }
}

// Django's widgets are set up on the window's load (SelectFilter2) or jQuery's ready (select2).
window.addEventListener("load", () => window.setTimeout(nameAdminWidgets, 0));
document.addEventListener("formset:added", () => window.setTimeout(nameAdminWidgets, 0));
