import { toGlobalId, type NodeType } from '../../domain/ids';

/**
 * Every delete payload carries the deleted object's global id, so a client cache can drop it
 * (Relay's `@deleteRecord`, Apollo's `cache.evict({ id: cache.identify(...) })`). A payload
 * declares `@Field(() => ID, DELETED_ID) deletedId!: string;` and its resolver returns
 * `withDeletedId(type, rowId, { ...its other fields })`.
 */
export const DELETED_ID = {
  description: 'The global id of the deleted object, for a client cache to evict it (Relay @deleteRecord, Apollo cache.evict).',
};

export function withDeletedId<T extends object>(type: NodeType, rowId: number, fields: T): T & { deletedId: string } {
  return { ...fields, deletedId: toGlobalId(type, rowId) };
}
