// The response being edited: values per question, change events and an undo stack.

const COALESCE_MS = 1500;

export class ResponseForm extends EventTarget {
  constructor(questions, values = {}) {
    super();
    this.questions = questions;
    this.state = structuredClone(values || {});
    this.undoStack = [];
    this.dirty = false;
  }

  get(name) {
    return this.state[name] ?? null;
  }

  /** Set one answer (null clears it). Typing into one text box coalesces into one undo step. */
  set(name, value, { coalesce = null } = {}) {
    this.setMany({ [name]: value }, { coalesce });
  }

  setMany(changes, { coalesce = null } = {}) {
    const now = Date.now();
    const top = this.undoStack[this.undoStack.length - 1];
    const merge = coalesce && top && top.coalesce === coalesce && now - top.at < COALESCE_MS;
    if (!merge) {
      const before = {};
      for (const name of Object.keys(changes)) before[name] = structuredClone(this.state[name] ?? null);
      this.undoStack.push({ before, coalesce, at: now });
      if (this.undoStack.length > 200) this.undoStack.shift();
    } else {
      top.at = now;
    }
    for (const [name, value] of Object.entries(changes)) {
      if (value === null || value === undefined) delete this.state[name];
      else this.state[name] = structuredClone(value);
    }
    this.dirty = true;
    this.emit(Object.keys(changes), "edit");
  }

  /** Undo the last edit; false when there is nothing to undo. */
  undo() {
    const step = this.undoStack.pop();
    if (!step) return false;
    for (const [name, value] of Object.entries(step.before)) {
      if (value === null) delete this.state[name];
      else this.state[name] = value;
    }
    this.dirty = true;
    this.emit(Object.keys(step.before), "undo");
    return true;
  }

  canUndo() {
    return this.undoStack.length > 0;
  }

  /** The values to send: answered questions only. */
  values() {
    const out = {};
    for (const q of this.questions) {
      const v = this.state[q.name];
      if (v === undefined || v === null) continue;
      if (typeof v === "string" && !v.trim()) continue; // blank text is no answer
      out[q.name] = structuredClone(v);
    }
    return out;
  }

  emit(names, cause) {
    this.dispatchEvent(new CustomEvent("change", { detail: { names, cause } }));
  }
}
