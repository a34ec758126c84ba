// The berth construct library.
export * from './core/errors';
export * from './core/env';
export * from './core/env-from';
export * from './core/image';
export * from './core/probes';
export * from './core/resources';
export * from './core/connections';
export * from './core/routable';
export * from './core/waves';
export * from './namespace-baseline';
export * from './smoke-test';
export * from './web-service';
export * from './shared-config';
export * from './ingress-gateway';
export * from './migration-job';
export * from './app-secret';
export * from './stateful-store';
