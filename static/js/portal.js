// The portal's behaviour, kept out of the pages: the Content-Security-Policy allows no inline
// script, no event-handler attribute and no eval (htmx's hx-on).
"use strict";

// A form or a button with data-confirm asks before it is sent (approve, refuse, cancel a filing).
document.addEventListener(
  "submit",
  (event) => {
    const message = event.submitter?.dataset.confirm || event.target.dataset.confirm;
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  },
  true,
);

// The province of an address: its code is part of the path of the cities htmx fetches; nothing is
// fetched for no province.
document.addEventListener("htmx:configRequest", (event) => {
  const select = event.detail.elt;
  const placeholder = select?.dataset?.divisionPlaceholder;
  if (!placeholder) {
    return;
  }
  if (!select.value) {
    event.preventDefault();
    return;
  }
  event.detail.path = event.detail.path.replace(`/${placeholder}/`, `/${select.value}/`);
});

// The registration's and the organization's address: once htmx has swapped in the cities of a
// province, a municipality (Beijing, Shanghai, ...) has no city to choose.
document.addEventListener("htmx:afterSwap", (event) => {
  const form = event.target.closest?.("form[data-city-follows-province]");
  const city = form?.querySelector("#id_city");
  if (city) {
    city.disabled = !!city.querySelector("option[data-municipality]");
  }
});

// A field that applies only after another answer (data-shown-when="field value…": the field whose
// answer shows it, and the values that do; "on" for a ticked box) is hidden until it applies.
// Without script every field shows, and the server checks what applies.
function showWhatApplies(form) {
  for (const input of form.querySelectorAll("[data-shown-when]")) {
    const [name, ...values] = input.dataset.shownWhen.split(" ");
    const answers = [...form.querySelectorAll(`[name="${name}"]`)];
    const applies = answers.some((answer) =>
      answer.type === "checkbox" || answer.type === "radio"
        ? answer.checked && values.includes(answer.value)
        : values.includes(answer.value),
    );
    const wrapper = document.getElementById(`div_${input.id}`) || input.parentElement;
    wrapper.hidden = !applies;
  }
}

document.addEventListener("change", (event) => {
  if (event.target.form?.querySelector("[data-shown-when]")) {
    showWhatApplies(event.target.form);
  }
});

document.addEventListener("DOMContentLoaded", () => {
  for (const form of document.querySelectorAll("form")) {
    if (form.querySelector("[data-shown-when]")) {
      showWhatApplies(form);
    }
  }
});

// A form that sends a file shows how much of it has gone (files up to 20 MB): it is sent by
// script, and the page it leads to is opened when the server has it. Without script, or if the
// script's request fails, the form is sent as usual.
document.addEventListener("submit", (event) => {
  const form = event.target;
  const progress = form.querySelector("progress.upload-progress");
  const file = form.querySelector("input[type=file]");
  if (event.defaultPrevented || !progress || !file?.files?.length || !window.FormData) {
    return;
  }
  event.preventDefault();
  const data = new FormData(form);
  if (event.submitter?.name) {
    data.append(event.submitter.name, event.submitter.value);
  }
  const request = new XMLHttpRequest();
  request.open("POST", form.getAttribute("action") || window.location.href);
  request.setRequestHeader("X-Upload-Progress", "1");
  request.upload.addEventListener("progress", (sent) => {
    if (sent.lengthComputable) {
      progress.value = Math.round((100 * sent.loaded) / sent.total);
    }
  });
  request.addEventListener("load", () => {
    let next = null;
    try {
      next = JSON.parse(request.responseText).location;
    } catch {
      next = null;
    }
    if (next) {
      window.location.assign(next);
    } else {
      document.open();
      document.write(request.responseText);
      document.close();
    }
  });
  request.addEventListener("error", () => form.submit());
  progress.classList.remove("d-none");
  for (const button of form.querySelectorAll("button")) {
    button.disabled = true;
  }
  request.send(data);
});

// The decision buttons of a filing's review page answer Alt+Shift and a letter (data-key): a
// button is pressed as a click would press it (the confirmation of data-confirm included), a
// field is focused. Handled here, not by accesskey, so that every browser takes the same keys.
document.addEventListener("keydown", (event) => {
  if (!event.altKey || !event.shiftKey || event.ctrlKey || event.metaKey) {
    return;
  }
  const letter = event.code?.startsWith("Key") ? event.code.slice(3).toLowerCase() : "";
  const target = letter && document.querySelector(`[data-key="${letter}"]`);
  if (!target) {
    return;
  }
  event.preventDefault();
  if (target.tagName === "TEXTAREA" || target.tagName === "INPUT" && target.type === "text") {
    target.focus();
  } else {
    target.focus();
    target.click();
  }
});

// The error summary (GOV.UK's pattern): the focus moves to it when the page opens, so a screen
// reader reads the list first; each link moves the focus to its field, its label in view.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelector("[data-error-summary]")?.focus();
});

document.addEventListener("click", (event) => {
  const link = event.target.closest?.("a[data-error-target]");
  const field = link && document.getElementById(link.dataset.errorTarget);
  if (!field) {
    return;
  }
  event.preventDefault();
  const label = document.querySelector(`label[for="${field.id}"]`);
  const legend = field.closest("fieldset")?.querySelector("legend");
  (label || legend || field).scrollIntoView();
  field.focus({ preventScroll: true });
});

// A link to a folded section (…#withdraw) opens it.
document.addEventListener("DOMContentLoaded", () => {
  const target = window.location.hash && document.getElementById(window.location.hash.slice(1));
  if (target instanceof HTMLDetailsElement) {
    target.open = true;
  }
});
