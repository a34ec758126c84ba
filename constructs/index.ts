// The berth construct library.
export * from './core/errors';
export * from './core/env';
export * from './core/image';
export * from './core/probes';
export * from './core/resources';
export * from './core/connections';
export * from './core/routable';
export * from './core/waves';
export * from './ingress-gateway';
