// Page frame: who is logged in, log out, notices, confirmation and help dialogs.

import { api } from "./api.js";
import { h, replace } from "./dom.js";

export function pageInfo() {
  const d = document.body.dataset;
  return { dataset: d.dataset || null, user: d.user || null, role: d.role || null };
}

let noticeTimer = null;

/** Show a short message in the notice bar; kind is info, ok, warn or error. */
export function notify(message, kind = "info", { sticky = false } = {}) {
  const bar = document.getElementById("notice");
  if (!bar) return;
  replace(bar, h("span", { text: message }),
    h("button", { class: "link", type: "button", "aria-label": "dismiss", onclick: () => bar.classList.remove("show") }, "×"));
  bar.className = `notice show ${kind}`;
  bar.setAttribute("role", kind === "error" || kind === "warn" ? "alert" : "status");
  clearTimeout(noticeTimer);
  if (!sticky) noticeTimer = setTimeout(() => bar.classList.remove("show"), kind === "error" ? 8000 : 3500);
}

/** Hide an error or warning notice (the problem it reported was fixed); others stay. */
export function clearError() {
  const bar = document.getElementById("notice");
  if (bar && bar.classList.contains("show") && (bar.classList.contains("error") || bar.classList.contains("warn"))) {
    bar.classList.remove("show");
    clearTimeout(noticeTimer);
  }
}

/** A modal confirmation built from a <dialog>; resolves to true when confirmed. */
export function confirmBox(message, { ok = "OK", cancel = "Cancel", input = null } = {}) {
  return new Promise((resolve) => {
    const field = input ? h("textarea", { class: "dialog-input", rows: 3, placeholder: input, "aria-label": input }) : null;
    const dialog = h("dialog", { class: "modal" },
      h("p", { text: message }), field,
      h("div", { class: "row end" },
        h("button", { type: "button", class: "secondary", onclick: () => close(false) }, cancel),
        h("button", { type: "button", class: "primary", onclick: () => close(true) }, ok)));
    function close(result) {
      dialog.close();
      dialog.remove();
      resolve(result ? (field ? field.value : true) : (field ? null : false));
    }
    dialog.addEventListener("cancel", (e) => { e.preventDefault(); close(false); });
    document.body.append(dialog);
    dialog.showModal();
    (field || dialog.querySelector(".primary")).focus();
  });
}

/** A modal listing keyboard shortcuts: [[keys, what], ...] grouped by heading. */
export function showHelp(groups) {
  const dialog = h("dialog", { class: "modal help" },
    h("h2", { text: "Keyboard shortcuts" }),
    groups.map(([title, rows]) => [
      h("h3", { text: title }),
      h("table", {}, rows.map(([keys, what]) => h("tr", {}, h("td", {}, h("kbd", { text: keys })), h("td", { text: what })))),
    ]),
    h("div", { class: "row end" }, h("button", { type: "button", class: "primary", onclick: () => { dialog.close(); dialog.remove(); } }, "Close")));
  dialog.addEventListener("close", () => dialog.remove());
  document.body.append(dialog);
  dialog.showModal();
}

export function isTyping(target) {
  if (!target || !(target instanceof Element)) return false;
  const tag = target.tagName;
  return tag === "TEXTAREA" || tag === "SELECT" || target.isContentEditable ||
    (tag === "INPUT" && !["checkbox", "radio", "button", "submit", "range"].includes(target.type));
}

function wireLogout() {
  const button = document.getElementById("logout");
  if (!button) return;
  button.addEventListener("click", async () => {
    try {
      await api("POST", "/auth/logout");
    } finally {
      location.assign("/login");
    }
  });
}

wireLogout();
