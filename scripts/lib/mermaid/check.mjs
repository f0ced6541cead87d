// Parses a Mermaid diagram (stdin) with Mermaid's own parser, as GitHub's
// renderer does, and prints what it understood as JSON: the nodes with their
// text and classes, the edges, the subgraphs. A diagram Mermaid refuses:
// the parser's message on stderr, exit 1. jsdom stands in for the browser
// document Mermaid expects; nothing is rendered.
import { JSDOM } from "jsdom";
import { readFileSync } from "node:fs";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");
mermaid.initialize({ startOnLoad: false, securityLevel: "strict" });

const text = readFileSync(0, "utf8");
let diagram;
try {
  diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
} catch (error) {
  console.error(`mermaid refused it: ${error?.message ?? error}`);
  process.exit(1);
}
const db = diagram.db;
const vertices = db.getVertices();
const nodes = [...(vertices instanceof Map ? vertices.values() : Object.values(vertices))];
console.log(JSON.stringify({
  type: diagram.type,
  nodes: nodes.map((v) => ({ id: v.id, text: v.text, classes: v.classes })),
  edges: db.getEdges().map((e) => ({ from: e.start, to: e.end, text: e.text })),
  subgraphs: db.getSubGraphs().map((s) => ({ id: s.id, title: s.title, nodes: s.nodes })),
}));
