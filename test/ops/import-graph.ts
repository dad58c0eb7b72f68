// The import graph of src/, read as text (no TypeScript compiler, no npm package): every
// `import … from`, `export … from`, side-effect `import '…'` and `import('…')` with a relative
// specifier. Used by layers.test.ts; kept apart so the layer table stays readable.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';

export interface ImportEdge {
  /** Importing file, relative to the repository root with forward slashes (src/…/x.ts). */
  readonly from: string;
  /** Imported file, resolved the same way (`.js` specifiers name the `.ts` source). */
  readonly to: string;
  /** The specifier as written, for messages. */
  readonly specifier: string;
}

// `[^'";]*?` spans newlines, so multi-line named imports are found; a `;` ends the statement, so
// the scan never joins two statements.
const STATIC_IMPORT = /(?:^|\n)[ \t]*(?:import|export)\b[^'";]*?\bfrom[ \t]*['"]([^'"\n]+)['"]/g;
const SIDE_EFFECT_IMPORT = /(?:^|\n)[ \t]*import[ \t]*['"]([^'"\n]+)['"]/g;
const DYNAMIC_IMPORT = /\bimport\(\s*['"]([^'"\n]+)['"]\s*\)/g;

export function listSourceFiles(root: string, dir = 'src'): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listSourceFiles(root, path));
    else if (entry.name.endsWith('.ts')) out.push(path);
  }
  return out.sort();
}

export function specifiersOf(source: string): string[] {
  const found: string[] = [];
  for (const pattern of [STATIC_IMPORT, SIDE_EFFECT_IMPORT, DYNAMIC_IMPORT]) {
    for (const match of source.matchAll(pattern)) found.push(match[1]!);
  }
  return found;
}

export function importEdges(root: string): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of listSourceFiles(root)) {
    for (const specifier of specifiersOf(readFileSync(join(root, file), 'utf8'))) {
      if (!specifier.startsWith('.')) continue; // packages and node: builtins are outside the layers
      const resolved = normalize(join(dirname(file), specifier)).split(sep).join('/');
      edges.push({ from: file, to: resolved.replace(/\.js$/, '.ts'), specifier });
    }
  }
  return edges;
}

/** The top-level module a file belongs to: `src/<dir>/…` → dir, `src/<file>.ts` → file. */
export function moduleOf(file: string): string {
  const parts = relative('src', file).split(sep).join('/').split('/');
  return parts.length === 1 ? parts[0]!.replace(/\.ts$/, '') : parts[0]!;
}

/** Strongly connected components with more than one member (Tarjan), each sorted, as cycles. */
export function cyclesOf(nodes: Iterable<string>, next: (node: string) => Iterable<string>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  let counter = 0;
  const visit = (node: string): void => {
    index.set(node, counter);
    low.set(node, counter);
    counter++;
    stack.push(node);
    onStack.add(node);
    for (const target of next(node)) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node)!, low.get(target)!));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node)!, index.get(target)!));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of nodes) if (!index.has(node)) visit(node);
  return cycles;
}
