export * from './unsubscribe-token';
export * from './webhook-signature';
