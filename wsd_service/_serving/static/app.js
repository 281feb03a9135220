"use strict";
// The page's only script: calls the HTTP/JSON routes of the server that served it.

const state = { token: "", targets: [] };
const byId = (id) => document.getElementById(id);

async function call(path, body) {
  const headers = { "Content-Type": "application/json" };
  if (state.token) headers.Authorization = "Bearer " + state.token;
  const response = await fetch(path, {
    method: body === undefined ? "GET" : "POST",
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json().catch(() => ({ message: response.statusText }));
  if (!response.ok) {
    if (response.status === 401) byId("token-row").hidden = false;
    throw new Error(answer.message || response.statusText);
  }
  return answer;
}

function showError(message) {
  const box = byId("error");
  box.textContent = message;
  box.hidden = !message;
}

async function ask(event) {
  event.preventDefault();
  state.token = byId("token").value.trim();
  const text = byId("text").value;
  const nearest = byId("nearest").checked;
  showError("");
  byId("go").disabled = true;
  // Each line is a document of its own: one sentence's context does not leak into the next.
  const lines = text.split("\n").filter((line) => line.trim());
  const documents = lines.length ? lines : [text];
  try {
    const answers = nearest
      ? await Promise.all(documents.map((line) => call("/v1/nearest-senses", { document: { text: line }, topK: 10, includeGlosses: true })))
      : (await call("/v1/disambiguate", { documents: documents.map((line) => ({ text: line })), options: { topK: 10, includeGlosses: true } }))
          .documents;
    render(documents, answers.map((answer) => answer.targets || []));
    loadIndexInfo();
  } catch (error) {
    showError(error.message);
    byId("result").replaceChildren();
    byId("senses").replaceChildren();
  } finally {
    byId("go").disabled = false;
  }
}

function render(documents, targetLists) {
  state.targets = [];
  const paragraphs = documents.map((text, index) => paragraph(text, targetLists[index]));
  byId("result").replaceChildren(...paragraphs);
  byId("senses").replaceChildren();
  if (!state.targets.length) showError("No word of this text has senses to choose from.");
}

function paragraph(text, targets) {
  // Offsets count code points; JavaScript strings count UTF-16 units.
  const points = Array.from(text);
  const block = document.createElement("p");
  let at = 0;
  for (const target of targets) {
    const start = target.charStart || 0;
    const end = target.charEnd || start;
    block.append(points.slice(at, start).join(""), mark(points.slice(start, end).join(""), target, state.targets.length));
    state.targets.push(target);
    at = end;
  }
  block.append(points.slice(at).join(""));
  return block;
}

function mark(word, target, number) {
  const best = (target.senses || [])[0] || {};
  const button = document.createElement("button");
  button.type = "button";
  button.className = "mark pos-" + (posName(target) || "other").toLowerCase();
  button.dataset.target = String(number);
  button.setAttribute("aria-label", word + ": " + (best.senseKey || "no sense"));
  const shown = document.createElement("span");
  shown.className = "word";
  shown.textContent = word;
  const key = document.createElement("span");
  key.className = "key";
  key.textContent = best.senseKey || "";
  const gloss = document.createElement("span");
  gloss.className = "gloss";
  gloss.textContent = best.gloss || "";
  button.append(shown, key, gloss);
  button.addEventListener("click", () => showSenses(number));
  button.addEventListener("focus", () => showSenses(number));
  return button;
}

function posName(target) {
  return (target.pos || "").replace("PART_OF_SPEECH_", "").replace("UNSPECIFIED", "");
}

function showSenses(number) {
  const target = state.targets[number];
  const heading = document.createElement("h2");
  const pos = posName(target);
  heading.textContent = `${target.text} (${target.lemma || "?"}${pos ? ", " + pos : ""})`;
  const table = document.createElement("table");
  const head = table.createTHead().insertRow();
  for (const name of ["sense", "score", "vector from", "gloss"]) {
    const cell = document.createElement("th");
    cell.textContent = name;
    head.append(cell);
  }
  const body = table.createTBody();
  for (const sense of target.senses || []) {
    const row = body.insertRow();
    const source = (sense.source || "").replace("VECTOR_SOURCE_", "").toLowerCase();
    for (const value of [sense.senseKey, (sense.score || 0).toFixed(3), source, sense.gloss || ""]) {
      row.insertCell().textContent = value;
    }
  }
  byId("senses").replaceChildren(heading, table);
}

async function loadIndexInfo() {
  try {
    const manifest = JSON.parse((await call("/v1/index")).manifestJson);
    const when = (manifest.build && manifest.build.finished) || "unknown date";
    const total = (manifest.senses && manifest.senses.total) || 0;
    byId("index-info").textContent =
      `index: encoder ${manifest.encoder.name}, ${total.toLocaleString("en")} senses, built ${when}`;
  } catch (error) {
    byId("index-info").textContent = "index: " + error.message;
  }
}

byId("ask").addEventListener("submit", ask);
byId("text").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) byId("ask").requestSubmit();
});
loadIndexInfo();
