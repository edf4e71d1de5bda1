/**
 * Capabilities without a value: route refresh (RFC 2918 2), extended message (RFC 8654 3) and
 * enhanced route refresh (RFC 7313 3).
 */
import { CAP } from '../constants.js';
import type { CapabilityDescriptor, CapabilityOf } from './types.js';

type Empty = 'route-refresh' | 'extended-message' | 'enhanced-route-refresh';

function empty<T extends Empty>(code: number, type: T, name: string): CapabilityDescriptor<T> {
  return {
    code,
    type,
    name,
    decode: () => ({ type }) as CapabilityOf<T>,
    encode: () => undefined,
  };
}

export const routeRefresh = empty(CAP.routeRefresh, 'route-refresh', 'route refresh');
export const extendedMessage = empty(CAP.extendedMessage, 'extended-message', 'extended message');
export const enhancedRouteRefresh = empty(
  CAP.enhancedRouteRefresh,
  'enhanced-route-refresh',
  'enhanced route refresh',
);
