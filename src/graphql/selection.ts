import type { GraphQLResolveInfo, SelectionSetNode } from 'graphql';

/**
 * The names of the fields a resolver's result is asked for (its direct subfields, through
 * fragments), so that a loader can read in the same statement what the next level will ask.
 * Cached per field node: the same document asks the same subfields for every parent.
 */
const cache = new WeakMap<object, ReadonlySet<string>>();

export function subfields(info: GraphQLResolveInfo): ReadonlySet<string> {
  const node = info.fieldNodes[0];
  const cached = cache.get(node);
  if (cached && info.fieldNodes.length === 1) return cached;
  const names = new Set<string>();
  const visit = (set: SelectionSetNode | undefined) => {
    for (const s of set?.selections ?? []) {
      if (s.kind === 'Field') names.add(s.name.value);
      else if (s.kind === 'InlineFragment') visit(s.selectionSet);
      else visit(info.fragments[s.name.value]?.selectionSet);
    }
  };
  for (const field of info.fieldNodes) visit(field.selectionSet);
  if (info.fieldNodes.length === 1) cache.set(node, names);
  return names;
}
