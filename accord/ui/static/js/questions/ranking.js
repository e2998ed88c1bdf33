// ranking: order the candidates of a json field, best first; ties (when allowed) group
// candidates. Drag a candidate onto the top/bottom edge of another to place it before/after,
// onto its middle to tie. Keys: ↑/↓ pick a candidate, Shift+↑/↓ move it, T or = ties it
// with the rank above, Enter accepts the order shown.

import { h, replace } from "../dom.js";
import { questionShell } from "./shell.js";

function candidatesOf(raw) {
  if (!Array.isArray(raw)) return [];
  return raw.map((c, i) => {
    if (c && typeof c === "object" && "id" in c) {
      const text = c.text ?? c.content ?? c.response ?? c.completion;
      return { id: String(c.id), text: typeof text === "string" ? text : JSON.stringify(c, null, 2) };
    }
    return { id: String(i), text: typeof c === "string" ? c : JSON.stringify(c, null, 2) };
  });
}

export function create(question, ctx) {
  const candidates = candidatesOf(ctx.fieldValue(question.field));
  const byId = new Map(candidates.map((c) => [c.id, c]));
  const ties = Boolean(question.allow_ties);
  const shell = questionShell(question, {
    hint: `drag, or ↑/↓ then Shift+↑/↓ to move${ties ? ", T: tie with the one above" : ""}, Enter: accept order`,
    suggestion: ctx.suggestion, onAccept: ctx.acceptSuggestion,
  });
  const list = h("ol", { class: "ranking", "aria-label": "candidates, best first" });
  const state = h("p", { class: "muted small rank-state" });
  shell.body.append(state, list);
  let focusId = candidates.length ? candidates[0].id : null;
  let dragId = null;

  function groups() {
    const v = ctx.form.get(question.name);
    if (!v) return candidates.map((c) => [c.id]);
    return v.map((g) => (Array.isArray(g) ? g.map(String) : [String(g)]));
  }
  function commit(gs) {
    const clean = gs.filter((g) => g.length);
    ctx.form.set(question.name, clean.map((g) => (g.length === 1 || !ties ? g[0] : [...g])));
  }
  const flat = (gs) => gs.flat();
  const groupOf = (gs, id) => gs.findIndex((g) => g.includes(id));

  function move(id, dir) {
    const gs = groups();
    const g = groupOf(gs, id);
    if (gs[g].length > 1) {
      gs[g] = gs[g].filter((x) => x !== id);
      gs.splice(dir < 0 ? g : g + 1, 0, [id]);
    } else {
      const to = g + dir;
      if (to < 0 || to >= gs.length) { commit(gs); return; }
      [gs[g], gs[to]] = [gs[to], gs[g]];
    }
    commit(gs);
  }
  function tieUp(id) {
    const gs = groups();
    const g = groupOf(gs, id);
    if (g <= 0) return;
    gs[g] = gs[g].filter((x) => x !== id);
    gs[g - 1].push(id);
    commit(gs);
  }
  function drop(id, targetId, zone) {
    if (id === targetId) return;
    let gs = groups().map((g) => g.filter((x) => x !== id));
    gs = gs.filter((g) => g.length);
    const t = groupOf(gs, targetId);
    if (zone === "tie" && ties) gs[t].push(id);
    else gs.splice(zone === "before" ? t : t + 1, 0, [id]);
    focusId = id;
    commit(gs);
  }

  function zoneOf(event, el) {
    const r = el.getBoundingClientRect();
    const y = (event.clientY - r.top) / r.height;
    if (!ties) return y < 0.5 ? "before" : "after";
    return y < 0.3 ? "before" : y > 0.7 ? "after" : "tie";
  }

  function candidateEl(c) {
    const el = h("div", {
      class: ["candidate", c.id === focusId && "focused"], draggable: "true", tabindex: -1,
      dataset: { id: c.id }, "aria-label": `candidate ${c.id}`,
    }, h("span", { class: "cand-id", text: c.id }), h("div", { class: "cand-text", text: c.text }));
    el.addEventListener("click", () => { focusId = c.id; render(); shell.el.focus({ preventScroll: true }); });
    el.addEventListener("dragstart", (e) => {
      dragId = c.id;
      e.dataTransfer.setData("text/plain", c.id);
      e.dataTransfer.effectAllowed = "move";
      el.classList.add("dragging");
    });
    el.addEventListener("dragend", () => { dragId = null; el.classList.remove("dragging"); });
    el.addEventListener("dragover", (e) => {
      if (dragId === null || dragId === c.id) return;
      e.preventDefault();
      el.dataset.zone = zoneOf(e, el);
    });
    el.addEventListener("dragleave", () => { delete el.dataset.zone; });
    el.addEventListener("drop", (e) => {
      e.preventDefault();
      const zone = zoneOf(e, el);
      delete el.dataset.zone;
      const id = dragId ?? e.dataTransfer.getData("text/plain");
      if (byId.has(id)) drop(id, c.id, zone);
    });
    return el;
  }

  function render() {
    const gs = groups();
    const answered = ctx.form.get(question.name) !== null;
    state.textContent = answered ? "ranked" : "not ranked yet — reorder, or press Enter to accept this order";
    shell.el.classList.toggle("unanswered-prefill", !answered);
    replace(list, gs.map((g, i) => h("li", { class: ["rank-group", g.length > 1 && "tied"] },
      h("span", { class: "rank-no", text: String(i + 1) }),
      h("div", { class: "rank-members" }, g.length > 1 ? h("span", { class: "tie-tag", text: "tie" }) : null,
        g.map((id) => (byId.has(id) ? candidateEl(byId.get(id)) : null))))));
  }

  return {
    el: shell.el,
    error: shell.error,
    update: render,
    key(event) {
      if (event.ctrlKey || event.metaKey || event.altKey || focusId === null) return false;
      const order = flat(groups());
      const at = order.indexOf(focusId);
      if (event.key === "ArrowUp" || event.key === "ArrowDown") {
        const dir = event.key === "ArrowUp" ? -1 : 1;
        if (event.shiftKey) move(focusId, dir);
        else { focusId = order[Math.max(0, Math.min(order.length - 1, at + dir))]; render(); }
        return true;
      }
      if ((event.key === "t" || event.key === "T" || event.key === "=") && ties) { tieUp(focusId); return true; }
      if (event.key === "Enter") { commit(groups()); return true; }
      return false;
    },
  };
}

/** Keyboard shortcuts for the help dialog. */
export function shortcuts() {
  return [["drag", "top/bottom edge: before/after; middle: tie"], ["↑ / ↓", "pick a candidate"],
    ["Shift+↑ / ↓", "move it"], ["T or =", "tie with the rank above"], ["Enter", "accept the order shown"]];
}

/** One-line text of a value (suggestions, review tables). */
export function format(question, value) {
  return value.map((g) => (Array.isArray(g) ? g.join(" = ") : g)).join(" > ");
}

/** The value compared regardless of the order inside a tie. */
export function canonical(question, value) {
  return value.map((g) => (Array.isArray(g) ? (g.length === 1 ? g[0] : [...g].sort()) : g));
}
