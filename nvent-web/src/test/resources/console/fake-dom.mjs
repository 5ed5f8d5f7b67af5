// A DOM just big enough for the console's views run in Node by the console tests (runs-below.mjs, dashboard.mjs, flows.mjs):
// elements with children, attributes, dataset, listeners and text.
export class Node {
  constructor(tag, text) { this.tagName = tag; this.text = text || ''; this.childNodes = []; this.parentElement = null;
    this.dataset = {}; this.attrs = {}; this.style = {}; this.className = ''; this.listeners = {}; }
  append(...nodes) { nodes.forEach((n) => { if (n.parentElement) n.parentElement.removeChild(n); n.parentElement = this; this.childNodes.push(n); }); }
  removeChild(n) { this.childNodes.splice(this.childNodes.indexOf(n), 1); n.parentElement = null; }
  get firstChild() { return this.childNodes[0] || null; }
  remove() { if (this.parentElement) this.parentElement.removeChild(this); }
  replaceWith(...nodes) {
    const p = this.parentElement;
    if (!p) return;
    nodes.forEach((n) => { if (n.parentElement) n.parentElement.removeChild(n); n.parentElement = p; });
    p.childNodes.splice(p.childNodes.indexOf(this), 1, ...nodes);
    this.parentElement = null;
  }
  setAttribute(k, v) { this.attrs[k] = String(v); }
  getAttribute(k) { return this.attrs[k] ?? null; }
  addEventListener(type, fn) { this.listeners[type] = fn; }
  get textContent() { return this.tagName === '#text' ? this.text : this.childNodes.map((c) => c.textContent).join(''); }
  set textContent(v) { this.childNodes = [new Node('#text', v)]; }
  querySelector(selector) {
    if (selector === ':scope > ul.run-tree') return this.childNodes.find((c) => c.tagName === 'ul' && c.className.includes('run-tree')) || null;
    if (selector === ':scope > .run-tree-toggle[aria-expanded="true"]') {
      return this.childNodes.find((c) => c.className.includes('run-tree-toggle') && c.attrs['aria-expanded'] === 'true') || null;
    }
    throw new Error(`selector not faked: ${selector}`);
  }
}
export const document = { createElement: (tag) => new Node(tag), createTextNode: (text) => new Node('#text', text) };
