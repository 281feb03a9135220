"use strict";
// Renders the OpenAPI document: each route, its request and answer, their fields.

const element = (tag, text, className) => {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
};

function schemaName(schema) {
  if (!schema) return "";
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.type === "array") return schemaName(schema.items) + "[]";
  return Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type || "";
}

function fieldsTable(schemas, name) {
  const schema = schemas[name] || {};
  const table = element("table");
  const head = table.createTHead().insertRow();
  for (const title of ["field", "type", "meaning"]) head.append(element("th", title));
  const body = table.createTBody();
  for (const [field, property] of Object.entries(schema.properties || {})) {
    const row = body.insertRow();
    row.insertCell().textContent = field;
    row.insertCell().textContent = schemaName(property);
    row.insertCell().textContent = property.description || "";
  }
  return table;
}

function operationSection(path, method, operation, schemas) {
  const section = element("section");
  section.append(element("h2", `${method.toUpperCase()} ${path}`));
  section.append(element("p", operation.description || operation.summary || ""));
  const parameters = (operation.parameters || []).filter((p) => p.in !== "header");
  if (parameters.length) {
    section.append(element("h3", "Parameters"));
    const list = element("ul");
    for (const parameter of parameters) {
      list.append(element("li", `${parameter.name} (${parameter.in}): ${parameter.description || ""}`));
    }
    section.append(list);
  }
  const body = operation.requestBody && Object.values(operation.requestBody.content)[0].schema;
  if (body) {
    section.append(element("h3", "Request: " + schemaName(body)));
    section.append(fieldsTable(schemas, schemaName(body)));
  }
  const answer = operation.responses["200"] && operation.responses["200"].content;
  if (answer) {
    const schema = Object.values(answer)[0].schema;
    section.append(element("h3", "Answer: " + schemaName(schema)));
    section.append(fieldsTable(schemas, schemaName(schema)));
  }
  return section;
}

async function main() {
  const root = document.getElementById("api");
  try {
    const document_ = await (await fetch("/openapi.json")).json();
    const schemas = document_.components.schemas;
    const sections = [element("p", document_.info.description)];
    for (const [path, methods] of Object.entries(document_.paths)) {
      for (const [method, operation] of Object.entries(methods)) {
        sections.push(operationSection(path, method, operation, schemas));
      }
    }
    root.replaceChildren(...sections);
  } catch (error) {
    root.replaceChildren(element("p", "Could not read /openapi.json: " + error.message, "error"));
  }
}

main();
