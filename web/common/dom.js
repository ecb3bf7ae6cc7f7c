// Small DOM helpers: build elements without innerHTML (no text from an API is ever parsed as HTML).

export function h(tag, attributes = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") el.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(el.dataset, value);
    else if (name in el && typeof value !== "string") el[name] = value;
    else el.setAttribute(name, value === true ? "" : value);
  }
  el.append(...children.flat(Infinity).filter((child) => child !== undefined && child !== null && child !== false));
  return el;
}

// Said by screen readers (the page has one <div id="status" role="status" aria-live="polite">).
export function announce(message) {
  const status = document.getElementById("status");
  if (status) status.textContent = message;
}

// Show an API error at the field it concerns: `fields` maps the API's field path to an input.
// Returns the errors no field took (to show at the form's top).
export function showFieldErrors(form, errors, fields) {
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const left = [];
  for (const error of errors) {
    const input = fields[error.field];
    if (!input) {
      left.push(error);
      continue;
    }
    const id = `${input.id}-error`;
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", id);
    input.closest(".field, fieldset, label")?.append(h("p", { id, class: "field-error" }, error.problem));
  }
  return left;
}
