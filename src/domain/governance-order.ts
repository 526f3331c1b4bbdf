import type { SortKey } from './paging';

/** The orders of the top-level transition request and audit lists; the row id breaks ties. */
export type RequestOrderField = 'CREATED_AT' | 'REQUESTED_BY';
export type AuditOrderField = 'AT' | 'ACTOR' | 'ACTION';

export const REQUEST_ORDER_FIELDS: Record<RequestOrderField, string> = { CREATED_AT: 'createdAt', REQUESTED_BY: 'requestedBy' };
export const AUDIT_ORDER_FIELDS: Record<AuditOrderField, string> = { AT: 'at', ACTOR: 'actor', ACTION: 'action' };

/** Newest first unless the client asks otherwise. */
export const DEFAULT_REQUEST_ORDER: SortKey[] = [{ field: 'createdAt', direction: 'desc' }];
export const DEFAULT_AUDIT_ORDER: SortKey[] = [{ field: 'at', direction: 'desc' }];
