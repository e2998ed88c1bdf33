// Admin: users and tokens, dataset creation, imports, exports, guidelines, members.

import { api, enc, problemsText, upload } from "../api.js";
import { h, replace, fmtDate, fmtNumber } from "../dom.js";
import { loadMeta } from "../meta.js";
import { settingsBuilder } from "../settings_builder.js";
import { settingsEditSection } from "../settings_edit.js";
import { confirmBox, notify } from "../shell.js";
import { workforceSection } from "../workforce_admin.js";

const $ = (id) => document.getElementById(id);
let users = [];

/* users and tokens */

async function loadUsers() {
  users = await api("GET", "/users");
  replace($("user-table"), h("table", { class: "data" },
    h("thead", {}, h("tr", {}, ["name", "role", "active", ""].map((t) => h("th", { text: t })))),
    h("tbody", {}, users.map((u) => {
      const role = h("select", { "aria-label": `role of ${u.name}` }, ["annotator", "reviewer", "admin"].map((r) => h("option", { value: r, text: r, selected: r === u.role })));
      role.addEventListener("change", () => patchUser(u, { role: role.value }));
      const active = h("input", { type: "checkbox", checked: u.active, "aria-label": `${u.name} active` });
      active.addEventListener("change", () => patchUser(u, { active: active.checked }));
      return h("tr", { dataset: { user: u.name } },
        h("td", { class: "user-name-cell", text: u.name }), h("td", {}, role), h("td", {}, active),
        h("td", {}, h("div", { class: "row" },
          h("button", { type: "button", class: "secondary", onclick: () => newToken(u) }, "New API token"),
          passwordForm(u))));
    }))));
}

/** Set or reset a user's password (their sessions and API tokens are revoked). */
function passwordForm(user) {
  const input = h("input", { type: "password", autocomplete: "new-password", minlength: 8, required: true,
    placeholder: "new password", "aria-label": `new password for ${user.name}` });
  const form = h("form", { class: "row password-set", dataset: { user: user.name } }, input,
    h("button", { type: "submit", class: "secondary" }, "Set password"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("PATCH", `/users/${enc(user.name)}`, { password: input.value });
      notify(`Password of ${user.name} set; their sessions and API tokens were revoked`, "ok");
      form.reset();
    } catch (err) {
      notify(err.message, "error");
    }
  });
  return form;
}

async function patchUser(user, body) {
  try {
    await api("PATCH", `/users/${enc(user.name)}`, body);
    notify(`Updated ${user.name}`, "ok");
  } catch (err) {
    notify(err.message, "error");
  }
  await loadUsers();
}

async function newToken(user) {
  try {
    const out = await api("POST", `/users/${enc(user.name)}/tokens?label=${enc("created in the web UI")}`);
    const box = $("token-output");
    const code = h("code", { text: out.token });
    replace(box, h("p", {}, "API token for ", h("strong", { text: out.user }), " — copy it now, it is not shown again:"), code,
      h("div", { class: "row" }, h("button", { type: "button", class: "secondary", onclick: () => navigator.clipboard.writeText(out.token).then(() => notify("Copied", "ok")) }, "Copy")));
    box.hidden = false;
  } catch (err) {
    notify(err.message, "error");
  }
}

$("user-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const body = { name: $("new-user-name").value.trim(), role: $("new-user-role").value };
  if ($("new-user-password").value) body.password = $("new-user-password").value;
  try {
    await api("POST", "/users", body);
    notify(`Created user ${body.name}`, "ok");
    e.target.reset();
    await loadUsers();
    await loadManage();
  } catch (err) {
    notify(err.message, "error");
  }
});

/* dataset creation */

let builder = null; // built once /meta has answered (its question types and their forms)
for (const radio of document.querySelectorAll("input[name=settings-source]")) {
  radio.addEventListener("change", () => {
    const text = document.querySelector("input[name=settings-source]:checked").value === "text";
    $("settings-form").hidden = text;
    $("settings-text-box").hidden = !text;
  });
}
$("settings-file").addEventListener("change", async () => {
  const file = $("settings-file").files[0];
  if (file) $("settings-text").value = await file.text();
});

$("dataset-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("dataset-error").textContent = "";
  const name = $("new-dataset-name").value.trim();
  try {
    const fromText = document.querySelector("input[name=settings-source]:checked").value === "text";
    if (!fromText && !builder) throw new Error("the settings form is still loading");
    const settings = fromText ? (await api("POST", "/settings/validate", { text: $("settings-text").value })).settings : builder.value();
    await api("POST", "/datasets", { name, settings });
    notify(`Created dataset ${name}`, "ok");
    await loadManage(name);
    $("manage-dataset").scrollIntoView({ block: "start" });
  } catch (err) {
    $("dataset-error").textContent = problemsText(err);
  }
});

/* managing one dataset */

async function loadManage(select = null) {
  const datasets = await api("GET", "/datasets");
  const el = $("manage-dataset");
  const keep = select || el.value;
  replace(el, datasets.map((d) => h("option", { value: d.name, text: d.name, selected: d.name === keep })));
  if (datasets.length) await renderManage(el.value);
  else replace($("manage"), h("p", { class: "muted", text: "No datasets yet." }));
}

function importSection(name) {
  const file = h("input", { type: "file", id: "import-file", accept: ".jsonl,.ndjson,.json,.csv,.tsv,.parquet", required: true });
  const onError = h("select", { id: "import-on-error" }, h("option", { value: "fail", text: "stop at the first bad record" }), h("option", { value: "skip", text: "skip bad records" }));
  const bar = h("progress", { class: "upload-progress", max: 1, value: 0, hidden: true });
  const result = h("div", { id: "import-result", role: "status" });
  const form = h("form", {}, h("h3", { text: "Import records" }),
    h("label", {}, "File (JSONL, JSON, CSV or Parquet)", file), h("label", {}, "Bad records", onError), bar,
    h("button", { type: "submit", class: "primary" }, "Upload"), result);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (!file.files[0]) return;
    const data = new FormData();
    data.append("file", file.files[0]);
    bar.hidden = false;
    bar.value = 0;
    replace(result, h("span", { class: "muted", text: "uploading…" }));
    try {
      const out = await upload(`/datasets/${enc(name)}/records/upload?on_error=${onError.value}`, data, (share) => {
        bar.value = share;
        if (share >= 1) replace(result, h("span", { class: "muted", text: "importing…" }));
      });
      bar.value = 1;
      replace(result, h("p", { class: "ok-text", text: `${fmtNumber(out.inserted)} inserted, ${fmtNumber(out.updated)} updated, ${fmtNumber(out.rejected)} rejected in ${out.seconds.toFixed(1)} s` }),
        out.rejects.length ? h("ul", { class: "small" }, out.rejects.slice(0, 20).map((r) => h("li", { text: `line ${r.line}: ${r.reason}` }))) : null);
    } catch (err) {
      replace(result, h("p", { class: "error-text", text: err.message }));
    }
  });
  return h("section", {}, form);
}

function exportSection(name, meta) {
  const formats = meta.export_formats;
  const format = h("select", { id: "export-format" }, formats.map((f) => h("option", { value: f.name, text: f.name })));
  const summary = h("p", { class: "small", id: "export-summary" });
  const link = h("a", { class: "button primary", id: "export-link", download: "" }, "Download");
  const update = () => {
    const f = formats.find((x) => x.name === format.value);
    summary.textContent = f.question_types.length && f.kind !== "records"
      ? `${f.summary} (from a ${f.question_types.join(", ")} question)` : f.summary;
    link.href = `/api/v1/datasets/${enc(name)}/export?format=${enc(format.value)}`;
  };
  format.addEventListener("change", update);
  update();
  return h("section", {}, h("h3", { text: "Export" }), h("label", {}, "Format", format), summary,
    h("p", { class: "muted small", text: "Submitted responses, with the format's defaults; use accord export for every option." }), link);
}

async function guidelinesSection(name) {
  const [ds, versions] = await Promise.all([api("GET", `/datasets/${enc(name)}`), api("GET", `/datasets/${enc(name)}/settings/versions`)]);
  const text = h("textarea", { id: "guidelines-text", rows: 8, value: ds.settings.guidelines || "" });
  const list = h("ol", { class: "small muted", reversed: true }, [...versions].reverse().slice(0, 8).map((v) => h("li", { value: v.version, text: `version ${v.version}, ${fmtDate(v.created_at)}` })));
  const form = h("form", {}, h("h3", { text: `Guidelines (version ${ds.settings_version})` }), text,
    h("button", { type: "submit", class: "primary" }, "Save as a new version"), list);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const fresh = await api("GET", `/datasets/${enc(name)}`);
      const out = await api("PUT", `/datasets/${enc(name)}/settings`, { ...fresh.settings, guidelines: text.value });
      notify(`Guidelines saved as version ${out.settings_version}`, "ok");
      await renderManage(name);
    } catch (err) {
      notify(problemsText(err), "error");
    }
  });
  return h("section", {}, form);
}

async function membersSection(name) {
  const members = await api("GET", `/datasets/${enc(name)}/members`);
  const names = new Set(members.map((m) => m.name));
  const add = h("select", { id: "add-member" }, users.filter((u) => !names.has(u.name)).map((u) => h("option", { value: u.name, text: `${u.name} (${u.role})` })));
  const form = add.options.length
    ? h("form", { class: "row" }, add, h("button", { type: "submit", class: "secondary" }, "Add member"))
    : h("p", { class: "muted small", text: "Every user is a member." });
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api("POST", `/datasets/${enc(name)}/members`, { user: add.value });
      await renderManage(name);
    } catch (err) {
      notify(err.message, "error");
    }
  });
  return h("section", {}, h("h3", { text: "Members" }),
    h("ul", { class: "member-list" }, members.map((m) => h("li", { class: "row" }, h("span", { text: `${m.name} (${m.role})` }),
      h("button", { type: "button", class: "link", onclick: async () => {
        await api("DELETE", `/datasets/${enc(name)}/members/${enc(m.name)}`).catch((err) => notify(err.message, "error"));
        await renderManage(name);
      } }, "remove")))),
    form);
}

function dangerSection(name) {
  return h("section", {}, h("h3", { text: "Delete" }), h("p", { class: "muted small", text: "Deletes the dataset with its records and responses." }),
    h("button", { type: "button", class: "danger", onclick: async () => {
      if (!(await confirmBox(`Delete dataset ${name} with all its records and responses?`, { ok: "Delete" }))) return;
      try {
        await api("DELETE", `/datasets/${enc(name)}`);
        notify(`Deleted ${name}`, "ok");
        await loadManage();
      } catch (err) {
        notify(err.message, "error");
      }
    } }, "Delete dataset"));
}

let renders = 0; // the latest render wins: an earlier one still loading is dropped
let rendering = null; // the dataset of the latest render requested

async function renderManage(name) {
  const mine = ++renders;
  rendering = name;
  const box = $("manage");
  try {
    const links = h("section", {}, h("h3", { text: "Pages" }), h("div", { class: "row" },
      ["annotate", "review", "dashboard", "records", "triage"].map((p) => h("a", { class: "button secondary", href: `/datasets/${enc(name)}/${p}` }, p))));
    const guidelines = await guidelinesSection(name);
    const settingsEdit = await settingsEditSection(name, () => renderManage(name));
    const members = await membersSection(name);
    const workforce = await workforceSection(name, () => renderManage(name));
    const meta = await loadMeta();
    if (mine !== renders) return; // picked again or another dataset meanwhile
    replace(box, importSection(name), exportSection(name, meta), guidelines, settingsEdit, members, workforce, links, dangerSection(name));
  } catch (err) {
    notify(err.message, "error");
  }
}

// picking the dataset already shown (or loading) keeps its forms and what was typed in them
$("manage-dataset").addEventListener("change", () => {
  if ($("manage-dataset").value !== rendering) renderManage($("manage-dataset").value);
});

(async () => {
  try {
    builder = settingsBuilder(await loadMeta());
    $("settings-form").append(builder.el);
    await loadUsers();
    await loadManage();
  } catch (err) {
    notify(err.message, "error");
  }
})();
