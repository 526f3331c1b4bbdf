import { Kind, visit, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';

/** Per response name in a selection set: how many fields give it, and the sums of their subtree sizes and squares. */
type Group = { count: number; size: number; sizeSquared: number };
type Groups = Map<string, Group>;

/**
 * An upper bound of the field comparisons graphql-js's OverlappingFieldsCanBeMerged rule makes
 * on a document, computed in time linear in the document. The rule compares every two fields
 * of one response name in each selection set (fragments included), and each such pair's
 * sub-selections against each other: 30 aliases `a: viewer { name × 20 }` (3 KB) cost it over
 * a second. Here a pair of fields with subtrees of m and n fields counts 1 + m × n. Fragments
 * are summarised once each, so nesting them cannot make this walk exponential.
 */
export function overlapComparisons(document: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const groupsMemo = new Map<string, Groups>();
  const sizeMemo = new Map<string, number>();
  const open = new Set<string>();

  /** Fields in a selection set's subtree, fragments expanded (counted, not listed). */
  const sizeOf = (set: SelectionSetNode): number => {
    let total = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) total += 1 + (s.selectionSet ? sizeOf(s.selectionSet) : 0);
      else if (s.kind === Kind.INLINE_FRAGMENT) total += sizeOf(s.selectionSet);
      else total += viaFragment(s.name.value, sizeMemo, (f) => sizeOf(f.selectionSet), 0);
    }
    return total;
  };

  const groupsOf = (set: SelectionSetNode): Groups => {
    const groups: Groups = new Map();
    const add = (name: string, g: Group) => {
      const current = groups.get(name) ?? { count: 0, size: 0, sizeSquared: 0 };
      groups.set(name, {
        count: current.count + g.count,
        size: current.size + g.size,
        sizeSquared: current.sizeSquared + g.sizeSquared,
      });
    };
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) {
        const size = s.selectionSet ? sizeOf(s.selectionSet) : 0;
        add(s.alias?.value ?? s.name.value, { count: 1, size, sizeSquared: size * size });
      } else {
        const inner =
          s.kind === Kind.INLINE_FRAGMENT
            ? groupsOf(s.selectionSet)
            : viaFragment(s.name.value, groupsMemo, (f) => groupsOf(f.selectionSet), new Map());
        for (const [name, g] of inner) add(name, g);
      }
    }
    return groups;
  };

  function viaFragment<T>(name: string, memo: Map<string, T>, compute: (f: FragmentDefinitionNode) => T, none: T): T {
    const fragment = fragments.get(name);
    // A cycle or an unknown fragment: validation refuses the document; count nothing more.
    if (!fragment || open.has(name)) return none;
    if (!memo.has(name)) {
      open.add(name);
      memo.set(name, compute(fragment));
      open.delete(name);
    }
    return memo.get(name)!;
  }

  let comparisons = 0;
  visit(document, {
    SelectionSet(set) {
      for (const { count, size, sizeSquared } of groupsOf(set).values()) {
        if (count < 2) continue;
        comparisons += (count * (count - 1)) / 2 + (size * size - sizeSquared) / 2;
      }
    },
  });
  return comparisons;
}
