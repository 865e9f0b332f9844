// Building DOM from untrusted text. Everything the service returns (titles, bodies, names, quotes) is
// data: it goes in through text nodes and attributes only, never through innerHTML.

/** el("p", {class: "x"}, "text", child, …): an element; strings become text nodes, null/false are skipped. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else if (name === "class") node.className = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  append(node, children);
  return node;
}

export function append(node, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Empty a node, then append children. */
export function fill(node, ...children) {
  node.replaceChildren();
  return append(node, children);
}

/** An <a> for http(s) URLs only: a "javascript:" or "data:" URL from an article's metadata stays text. */
export function safeLink(url, label) {
  let parsed = null;
  try { parsed = new URL(url); } catch { /* not a URL */ }
  if (!parsed || !["http:", "https:"].includes(parsed.protocol)) return null;
  return el("a", {href: parsed.href, target: "_blank", rel: "noopener noreferrer"}, label ?? parsed.href);
}

const SVG_NS = "http://www.w3.org/2000/svg";

/** svg("circle", {cx: 1}, …): like el(), in the SVG namespace (inline drawings: nothing loaded from elsewhere). */
export function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(SVG_NS, tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  return append(node, children);
}
