// The uniner page: chips of entity types, one POST /extract, inline highlights and a table.
// Every piece of user or model text goes in through textContent, never innerHTML.
"use strict";

// displaCy's colours for the common types; other types get a stable hue from their name.
const KNOWN_COLOURS = {
  person: "#aa9cfc", organization: "#7aecec", location: "#ff9561", city: "#feca74",
  country: "#feca74", date: "#bfe1d9", time: "#bfe1d9", product: "#bfeeb7",
  event: "#ffeb80", disease: "#f0b7c9", money: "#e4e7d2", language: "#ff8197",
};
const PRESET_TYPES = ["person", "organization", "location", "date"];

const $ = (id) => document.getElementById(id);
const types = [];
const descriptions = {};  // type -> what it means, for the types given one (optional)
// Where the API key lives: sessionStorage, so it is gone when the tab closes.
const KEY_STORE = "uniner-api-key";

function colourOf(type) {
  const key = type.toLowerCase();
  if (KNOWN_COLOURS[key]) return KNOWN_COLOURS[key];
  let hash = 0;
  for (const ch of key) hash = (hash * 31 + ch.codePointAt(0)) >>> 0;
  return `hsl(${hash % 360}, 70%, 82%)`;
}

function addType(raw, rawDescription = "") {
  const type = raw.trim().replace(/\s+/g, " ");
  const description = rawDescription.trim().replace(/\s+/g, " ");
  if (!type) return;
  if (description) descriptions[type] = description;
  if (!types.includes(type)) types.push(type);
  renderChips();
}

function addTypedType() {
  addType($("type-input").value, $("type-description").value);
  $("type-input").value = "";
  $("type-description").value = "";
}

function removeType(type) {
  types.splice(types.indexOf(type), 1);
  delete descriptions[type];
  renderChips();
}

// What POST /extract takes: a name, or {name, description} for a described type.
function typesBody() {
  return types.map((t) => (descriptions[t] ? { name: t, description: descriptions[t] } : t));
}

function renderChips() {
  const box = $("chips");
  box.replaceChildren();
  for (const type of types) {
    const chip = document.createElement("span");
    chip.className = "chip";
    chip.dataset.type = type;
    chip.style.background = colourOf(type);
    chip.append(type);
    if (descriptions[type]) {
      chip.classList.add("described");
      chip.title = descriptions[type];
    }
    const remove = document.createElement("button");
    remove.type = "button";
    remove.title = `remove ${type}`;
    remove.setAttribute("aria-label", `remove ${type}`);
    remove.textContent = "×";
    remove.addEventListener("click", () => removeType(type));
    chip.append(remove);
    box.append(chip);
  }
}

function showError(message) {
  const box = $("error");
  box.textContent = message;
  box.hidden = !message;
}

// Highlights cannot nest: keep the earliest, then longest, mention of each overlapping group.
function nonOverlapping(entities) {
  const ordered = [...entities].sort((a, b) => a.start - b.start || b.end - a.end);
  const kept = [];
  let end = -1;
  for (const e of ordered) {
    if (e.start >= end && e.end > e.start) { kept.push(e); end = e.end; }
  }
  return kept;
}

function renderHighlights(text, entities) {
  const box = $("highlighted");
  box.replaceChildren();
  let at = 0;
  for (const e of nonOverlapping(entities)) {
    box.append(text.slice(at, e.start));
    const mark = document.createElement("mark");
    mark.className = "entity";
    mark.dataset.type = e.type;
    mark.dataset.start = e.start;
    mark.dataset.end = e.end;
    mark.style.background = colourOf(e.type);
    const span = document.createElement("span");
    span.className = "entity-text";
    span.textContent = text.slice(e.start, e.end);
    const label = document.createElement("span");
    label.className = "entity-label";
    label.textContent = e.type;
    mark.append(span, label);
    box.append(mark);
    at = e.end;
  }
  box.append(text.slice(at));
}

function renderTable(entities) {
  const body = $("mentions").querySelector("tbody");
  body.replaceChildren();
  for (const e of entities) {
    const row = document.createElement("tr");
    const swatch = document.createElement("span");
    swatch.className = "swatch";
    swatch.style.background = colourOf(e.type);
    const typeCell = document.createElement("td");
    typeCell.append(swatch, e.type);
    row.append(typeCell);
    const score = e.score === null || e.score === undefined ? "—" : e.score.toFixed(3);
    for (const [value, numeric] of [[e.text, false], [e.start, true], [e.end, true], [score, true]]) {
      const cell = document.createElement("td");
      cell.textContent = String(value);
      if (numeric) cell.className = "num";
      row.append(cell);
    }
    body.append(row);
  }
  $("mention-count").textContent = `(${entities.length})`;
  $("no-mentions").hidden = entities.length > 0;
}

// FastAPI answers {"detail": "..."}; show that sentence, not a status code alone.
async function errorMessage(response) {
  try {
    const body = await response.json();
    if (typeof body.detail === "string") return `Error ${response.status}: ${body.detail}`;
    return `Error ${response.status}: ${JSON.stringify(body.detail ?? body)}`;
  } catch {
    return `Error ${response.status}: ${response.statusText || "the server's answer was not JSON"}`;
  }
}

// fetch with the stored key, if any; a 401 means the server wants one (or another one).
async function api(path, options = {}) {
  const key = sessionStorage.getItem(KEY_STORE);
  const headers = { ...(options.headers || {}) };
  if (key) headers.Authorization = `Bearer ${key}`;
  const response = await fetch(path, { ...options, headers });
  if (response.status === 401) askForKey();
  return response;
}

function askForKey() {
  $("auth").hidden = false;
  $("api-key").focus();
}

function useKey(event) {
  event.preventDefault();
  const key = $("api-key").value.trim();
  // Header values must be visible ASCII; the server refuses other keys at start-up too.
  if (!/^[\x21-\x7e]+$/.test(key)) {
    showError("An API key is visible ASCII characters without spaces.");
    return;
  }
  sessionStorage.setItem(KEY_STORE, key);
  $("api-key").value = "";
  $("auth").hidden = true;
  showError("");
  loadModelInfo();
}

async function run() {
  const text = $("text").value;
  if ($("type-input").value.trim()) addTypedType();
  showError("");
  $("run").disabled = true;
  $("busy").hidden = false;
  try {
    const response = await api("/extract", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ text, types: typesBody() }),
    });
    if (!response.ok) {
      $("output").hidden = true;
      showError(await errorMessage(response));
      return;
    }
    const result = await response.json();
    renderHighlights(result.text, result.entities);
    renderTable(result.entities);
    $("output").hidden = false;
  } catch (err) {
    showError(`Could not reach the server: ${err.message}`);
  } finally {
    $("run").disabled = false;
    $("busy").hidden = true;
    document.body.dataset.state = "done";
  }
}

async function loadModelInfo() {
  try {
    const response = await api("/model");
    if (response.status === 401) {
      $("model-info").textContent = "model information: this server needs an API key";
      return;
    }
    const info = await response.json();
    const limits = info.limits || {};
    $("model-info").textContent =
      `model: ${info.name ?? "?"} · up to ${limits.max_types} types and ` +
      `${limits.max_text_chars} characters per request`;
    // A student that never learnt descriptions answers worse with them (docs/engine.md).
    if (info.description_template_version === null) {
      $("type-description").placeholder = "what it means (this model did not learn descriptions)";
    }
  } catch (err) {
    $("model-info").textContent = `model information unavailable: ${err.message}`;
  }
}

function init() {
  PRESET_TYPES.forEach((type) => addType(type));
  $("add-type").addEventListener("click", addTypedType);
  for (const id of ["type-input", "type-description"]) {
    $(id).addEventListener("keydown", (event) => {
      if (event.key === "Enter") { event.preventDefault(); addTypedType(); }
    });
  }
  for (const preset of document.querySelectorAll(".preset")) {
    preset.addEventListener("click", () => addType(preset.dataset.type));
  }
  $("run").addEventListener("click", run);
  $("auth").addEventListener("submit", useKey);
  $("text").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) run();
  });
  loadModelInfo();
}

init();
