export * from './approval-token';
export * from './unsubscribe-token';
export * from './webhook-signature';
