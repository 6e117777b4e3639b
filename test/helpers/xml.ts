// A small XML well-formedness check for the JUnit files the CLI writes (no XML parser among the
// dependencies): one root, matched tags, quoted attributes, only defined entity references, and
// no markup characters left bare in text. Returns the element tree for assertions.

export interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

const NAME = '[A-Za-z_][\\w.-]*';
const REFERENCE = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;
const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeText(value: string, where: string): string {
  if (value.replace(REFERENCE, '').includes('&')) throw new Error(`bare & in ${where}`);
  return value.replace(/&(#x?)?(\w+);/g, (_, hash: string | undefined, body: string) =>
    hash
      ? String.fromCodePoint(Number.parseInt(body, hash === '#x' ? 16 : 10))
      : (ENTITIES[body] as string),
  );
}

function parseAttributes(source: string, tag: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  const pattern = new RegExp(`\\s+(${NAME})="([^"<]*)"`, 'y');
  let index = 0;
  while (index < source.length) {
    pattern.lastIndex = index;
    const match = pattern.exec(source);
    if (!match) {
      if (source.slice(index).trim() === '') break;
      throw new Error(`malformed attributes in <${tag}>: ${source.slice(index)}`);
    }
    const [, name = '', value = ''] = match;
    if (name in attributes) throw new Error(`duplicate attribute ${name} in <${tag}>`);
    attributes[name] = decodeText(value, `<${tag} ${name}>`);
    index = pattern.lastIndex;
  }
  return attributes;
}

export function parseXml(document: string): XmlElement {
  const body = document.replace(/^<\?xml\s[^?]*\?>\s*/, '');
  const tokens = body.split(/(<[^>]*>)/).filter((token) => token !== '');
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  for (const token of tokens) {
    if (!token.startsWith('<')) {
      if (token.includes('>')) throw new Error(`bare > in text: ${token}`);
      const parent = stack.at(-1);
      if (!parent) {
        if (token.trim() !== '') throw new Error(`text outside the root: ${token}`);
        continue;
      }
      parent.text += decodeText(token, `<${parent.name}> text`);
      continue;
    }
    if (token.startsWith('<!--')) continue;
    const closing = new RegExp(`^</(${NAME})\\s*>$`).exec(token);
    if (closing) {
      const open = stack.pop();
      if (open?.name !== closing[1]) throw new Error(`</${closing[1]}> closes <${open?.name}>`);
      continue;
    }
    const opening = new RegExp(`^<(${NAME})((?:\\s+[^>]*?)?)\\s*(/?)>$`).exec(token);
    if (!opening) throw new Error(`malformed tag: ${token}`);
    const [, name = '', rest = '', selfClosing] = opening;
    const element: XmlElement = {
      name,
      attributes: parseAttributes(rest.replace(/\s*\/$/, ''), name),
      children: [],
      text: '',
    };
    const parent = stack.at(-1);
    if (parent) parent.children.push(element);
    else if (root) throw new Error(`a second root <${name}>`);
    else root = element;
    if (selfClosing !== '/') stack.push(element);
  }
  if (stack.length > 0) throw new Error(`<${stack.at(-1)?.name}> is never closed`);
  if (!root) throw new Error('no root element');
  return root;
}

/** Every element of a tree with this name, depth first. */
export function elements(root: XmlElement, name: string): XmlElement[] {
  const found = root.name === name ? [root] : [];
  return [...found, ...root.children.flatMap((child) => elements(child, name))];
}
