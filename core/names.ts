// Name rules shared by the deploy-time checks and the handlers.

/** Error names a configuration names (ignoredErrors, the demo's ERROR_NAME): as settings.ts allows them. */
export const ERROR_NAME_PATTERN = /^[A-Za-z0-9_.:-]{1,128}$/;
