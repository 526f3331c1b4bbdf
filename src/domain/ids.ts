/** Opaque global ids: base64url of `Type:rowId`. Stable across renames. */
export type NodeType =
  | 'RegisteredModel'
  | 'ModelVersion'
  | 'TransitionRequest'
  | 'AuditEvent'
  | 'Principal'
  | 'Environment'
  | 'Deployment'
  | 'Webhook'
  | 'WebhookDelivery';
const NODE_TYPES: ReadonlySet<string> = new Set<NodeType>([
  'RegisteredModel',
  'ModelVersion',
  'TransitionRequest',
  'AuditEvent',
  'Principal',
  'Environment',
  'Deployment',
  'Webhook',
  'WebhookDelivery',
]);

export function toGlobalId(type: NodeType, id: number): string {
  return Buffer.from(`${type}:${id}`).toString('base64url');
}

/** The type and row id of a global id, or null when it is not one of ours. */
export function fromGlobalId(globalId: string): { type: NodeType; id: number } | null {
  if (globalId.length > 200) return null;
  const [type, raw, ...rest] = Buffer.from(globalId, 'base64url').toString('utf8').split(':');
  const id = Number(raw);
  if (rest.length || !NODE_TYPES.has(type) || !/^[1-9]\d{0,15}$/.test(raw ?? '') || !Number.isSafeInteger(id)) return null;
  return { type: type as NodeType, id };
}
