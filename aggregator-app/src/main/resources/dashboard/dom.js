// Tiny DOM helpers: build elements without innerHTML, so keys and messages from the API are always text.

export const $ = (id) => document.getElementById(id);

/**
 * el('td', { class: 'num', dataset: { cost: '0.1' } }, 'text', otherNode)
 * Props: class, dataset (null → '', undefined skipped), style (object), on<event> handlers, other attributes.
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') {
      node.className = value;
    } else if (name === 'dataset') {
      for (const [key, v] of Object.entries(value)) {
        if (v !== undefined) node.dataset[key] = v === null ? '' : String(v);
      }
    } else if (name === 'style') {
      Object.assign(node.style, value);
    } else if (name.startsWith('on') && typeof value === 'function') {
      node.addEventListener(name.slice(2), value);
    } else {
      node.setAttribute(name, value === true ? '' : String(value));
    }
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

/** A muted one-line note, used for empty and error states inside a section. */
export function note(text, kind = 'empty') {
  return el('p', { class: `note note-${kind}` }, text);
}
