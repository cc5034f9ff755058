/**
 * Imported first by local entry points: readable, quiet logs unless the developer asks for more.
 * It must run before the handler modules create their logger.
 */
process.env.POWERTOOLS_DEV ??= 'true';
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
